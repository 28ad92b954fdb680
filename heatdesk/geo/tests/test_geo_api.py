"""GET /api/v1/geo/resolve and /api/v1/geo/compounds, as DESIGN §8 describes them."""

from __future__ import annotations

import pytest

from heatdesk.geo.models import Compound, CompoundAlias

pytestmark = pytest.mark.django_db


def test_resolve_returns_the_design_contract_for_a_typed_address(api_as):
    # when an operator resolves the design's example
    response = api_as("80725").get("geo/resolve", data={"address": "回民区蓝爵小区3号楼2单元501"})

    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "compound", "building", "unit", "floor", "room", "station", "substation", "confidence", "confident",
        "candidates", "district_mismatch", "incident",
    }  # fmt: skip
    assert body["compound"] == {"code": "lanjuexiaoqu", "name": "蓝爵小区", "district": "回民区"}
    assert (body["building"], body["unit"], body["room"]) == ("3", "2", "501")
    assert body["station"] == {"code": "cf-qiaokao", "name": "桥靠供暖所"}
    assert body["substation"]["name"] == "桥靠1号换热站"
    assert body["confident"] is True
    assert 0.75 <= body["confidence"] <= 1
    assert body["candidates"][0] == {"compound": body["compound"], "station": body["station"], "score": 1.0}


def test_resolve_understands_initials_and_compact_numbers(api_as):
    body = api_as("80725").get("geo/resolve", data={"address": "ljxq 3-2-501"}).json()

    assert (body["compound"]["name"], body["building"], body["unit"], body["room"]) == ("蓝爵小区", "3", "2", "501")


def test_resolve_of_an_ambiguous_address_lists_candidates_and_does_not_route(api_as):
    body = api_as("80725").get("geo/resolve", data={"address": "翡翠梦溪3号楼"}).json()

    assert body["confident"] is False
    names = {candidate["compound"]["name"] for candidate in body["candidates"]}
    assert {"翡翠梦溪苑一期", "翡翠梦溪苑二期"} <= names
    assert all(set(candidate) == {"compound", "station", "score"} for candidate in body["candidates"])


def test_resolve_of_nothing_known_gives_nulls_and_no_candidates(api_as):
    body = api_as("80725").get("geo/resolve", data={"address": "3号楼2单元501"}).json()

    assert body == {
        "compound": None, "building": "3", "unit": "2", "floor": None, "room": "501", "station": None,
        "substation": None, "confidence": 0.0, "confident": False, "candidates": [], "district_mismatch": False,
        "incident": None,
    }  # fmt: skip


def test_resolve_narrows_by_a_district_given_apart(api_as):
    body = api_as("80725").get("geo/resolve", data={"address": "蓝爵小区", "district": "赛罕区"}).json()

    assert body["confidence"] < 1


@pytest.mark.parametrize("query", [{}, {"address": ""}, {"address": "   "}, {"address": "蓝" * 201}])
def test_resolve_without_an_address_is_a_422_with_the_error_shape(api_as, query):
    response = api_as("80725").get("geo/resolve", data=query)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_failed"
    assert response.json()["error"]["details"][0]["field"] == "address"


def test_resolve_needs_a_signed_in_user(demo_city, anonymous_api):
    response = anonymous_api.get("geo/resolve", data={"address": "蓝爵小区"})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_resolve_works_with_a_session_too(demo_city, client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="80725"))

    response = client.get("/api/v1/geo/resolve", {"address": "万达二期1号楼"})

    assert response.json()["compound"]["name"] == "万达广场二期"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("蓝爵", "蓝爵小区"),  # name prefix
        ("梦溪苑二", "翡翠梦溪苑二期"),  # inside a name
        ("税务局", "税苑小区"),  # alias
        ("lanjue", "蓝爵小区"),  # full pinyin prefix
        ("ljxq", "蓝爵小区"),  # initials
        ("LJ", "蓝爵小区"),  # initials prefix, any case
    ],
)
def test_compounds_autocomplete_by_name_alias_pinyin_and_initials(api_as, query, expected):
    response = api_as("80725").get("geo/compounds", data={"q": query})

    assert response.status_code == 200
    first = response.json()[0]
    assert first["name"] == expected
    assert set(first) == {"code", "name", "district", "station"}
    assert set(first["station"]) == {"code", "name"}


def test_compounds_autocomplete_puts_names_that_start_with_the_text_first_and_honours_limit(api_as):
    body = api_as("80725").get("geo/compounds", data={"q": "万达", "limit": 2}).json()

    assert [compound["name"] for compound in body] == ["万达广场一期", "万达广场二期"]


def test_compounds_autocomplete_can_be_limited_to_a_district(api_as):
    body = api_as("80725").get("geo/compounds", data={"q": "小区", "district": "玉泉区", "limit": 50}).json()

    assert body
    assert {compound["district"] for compound in body} == {"玉泉区"}


def test_compounds_autocomplete_sees_a_new_alias_at_once(api_as):
    api = api_as("80725")
    CompoundAlias.objects.create(compound=Compound.objects.get(name="巨海城"), alias="海城老区")

    assert api.get("geo/compounds", data={"q": "海城老"}).json()[0]["name"] == "巨海城"


@pytest.mark.parametrize("query", [{}, {"q": ""}, {"q": "蓝", "limit": 0}, {"q": "蓝", "limit": 51}])
def test_compounds_autocomplete_rejects_bad_queries_with_422(api_as, query):
    response = api_as("80725").get("geo/compounds", data=query)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_failed"


def test_stations_and_companies_still_list_their_codes(api_as):
    api = api_as("80725")

    assert {"cf-qiaokao", "ft-linzhannanlu"} <= {station["code"] for station in api.get("geo/stations").json()}
    assert {"城发热力", "富泰热力"} <= {company["name"] for company in api.get("geo/companies").json()}


def test_resolve_returns_the_floor_and_letters_or_directions_as_typed(api_as):
    body = api_as("80725").get("geo/resolve", data={"address": "蓝爵小区3号楼东单元5楼501"}).json()

    assert (body["building"], body["unit"], body["floor"], body["room"]) == ("3", "东", "5", "501")
    lettered = api_as("80725").get("geo/resolve", data={"address": "万达广场二期A座1201"}).json()
    assert (lettered["building"], lettered["room"]) == ("A", "1201")


def test_resolve_never_gives_a_road_number_as_the_building(api_as):
    body = api_as("80725").get("geo/resolve", data={"address": "中山西路147-2号蓝爵小区2单元501"}).json()

    assert (body["compound"]["name"], body["building"], body["unit"], body["room"]) == ("蓝爵小区", None, "2", "501")


def test_resolve_flags_a_district_that_does_not_hold_the_compound_and_is_not_confident(api_as):
    # 蓝爵小区 is in 回民区
    said = api_as("80725").get("geo/resolve", data={"address": "赛罕区蓝爵小区3号楼2单元501"}).json()
    given = api_as("80725").get("geo/resolve", data={"address": "蓝爵小区3-2-501", "district": "新城区"}).json()
    right = api_as("80725").get("geo/resolve", data={"address": "回民区蓝爵小区3-2-501"}).json()

    assert (said["compound"]["name"], said["district_mismatch"], said["confident"]) == ("蓝爵小区", True, False)
    assert (given["compound"]["name"], given["district_mismatch"], given["confident"]) == ("蓝爵小区", True, False)
    assert (right["district_mismatch"], right["confident"]) == (False, True)


def test_resolve_response_is_a_typed_schema_in_the_openapi_document(api_as):
    schema = api_as("80725").get("openapi.json").json()

    resolve_out = schema["components"]["schemas"]["ResolveOut"]
    assert {"floor", "district_mismatch", "building", "candidates"} <= set(resolve_out["properties"])
    assert resolve_out["properties"]["district_mismatch"]["type"] == "boolean"
