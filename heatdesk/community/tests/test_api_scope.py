"""Every community endpoint refuses another community, an operator and a station not serving the compound."""

from __future__ import annotations

import pytest

from heatdesk.audit.models import AuditEntry
from heatdesk.community.models import Campaign, Ledger, Steward, Visit, VulnerableHousehold
from heatdesk.community.tests.conftest import STEWARDS

REGISTER_ROW = {
    "building": "3",
    "unit": "2",
    "room": "501",
    "kind": "elderly_alone",
    "contact_name": "刘奶奶",
    "contact_phone": "13811112222",
    "consent_at": "2026-10-20",
}


def _visit(cast, **fields):
    return {"compound": cast.compound, "building": "3", "unit": "2", "room": "601", "indoor_temp": 20, **fields}


def _ledger(cast):
    households = [{"building": "5", "unit": "1", "room": "101"}, {"building": "5", "unit": "1", "room": "102"}]
    return {"compound": cast.compound, "title": "5号楼暖气不热", "category": "not_warm", "households": households}


def test_stewards_are_read_by_the_serving_organisations_and_edited_by_community_and_company(api_as, stewarded):
    cast = stewarded
    path = f"community/compounds/{cast.compound}/stewards"
    for reader in (cast.community, cast.station, cast.company, cast.lead):
        body = api_as(reader).get(path).json()
        assert body["enterprise"] == {"name": "王供热", "phone": "13900000001", "on_duty": True}
        assert [w["name"] for w in body["grid"]] == ["张网格", "赵网格"]
    changed = {**STEWARDS, "grid": []}
    assert api_as(cast.company).put(path, changed).status_code == 200
    assert Steward.objects.filter(kind="grid").count() == 0


@pytest.mark.parametrize("who", ["other_community", "operator", "other_station", "other_company"])
def test_stewards_refuse_others(api_as, stewarded, who):
    cast = stewarded
    path = f"community/compounds/{cast.compound}/stewards"
    user = getattr(cast, who)
    assert api_as(user).get(path).status_code == 403
    response = api_as(user).put(path, {**STEWARDS, "grid": []})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "out_of_scope"
    assert Steward.objects.filter(kind="grid").count() == 2


def test_a_station_cannot_edit_stewards_even_of_its_own_compound(api_as, stewarded):
    response = api_as(stewarded.station).put(f"community/compounds/{stewarded.compound}/stewards", STEWARDS)
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["other_community", "operator", "other_station", "company", "station"])
def test_only_the_community_and_the_desk_lead_register_households(api_as, cast, who):
    response = api_as(getattr(cast, who)).post("community/vulnerable", {**REGISTER_ROW, "compound": cast.compound})
    assert response.status_code == 403
    assert not VulnerableHousehold.objects.exists()


@pytest.mark.parametrize("who", ["other_community", "operator", "other_station", "company"])
def test_the_register_is_refused_to_others_and_their_attempt_is_not_a_read(api_as, cast, who):
    assert (
        api_as(cast.community).post("community/vulnerable", {**REGISTER_ROW, "compound": cast.compound}).status_code
        == 201
    )
    user = getattr(cast, who)
    assert api_as(user).get(f"community/vulnerable?compound={cast.compound}").status_code == 403
    listed = api_as(user).get("community/vulnerable")
    # A role that may read the register sees only its own compounds' rows; others are refused outright.
    assert listed.status_code == 403 or listed.json() == []
    cold = api_as(user).get("community/vulnerable/cold-snap")
    assert cold.status_code == 403 or cold.json() == []


def test_every_read_of_the_register_is_audited(api_as, cast):
    api_as(cast.community).post("community/vulnerable", {**REGISTER_ROW, "compound": cast.compound})
    for reader in (cast.community, cast.station, cast.lead):
        rows = api_as(reader).get("community/vulnerable").json()
        assert [r["contact_phone"] for r in rows] == ["13811112222"]
    entries = AuditEntry.objects.filter(action="vulnerable_read").order_by("id")
    assert [e.actor_username for e in entries] == [cast.community, cast.station, cast.lead]
    assert all(e.detail["count"] == 1 and e.detail["via"] == "api" for e in entries)
    assert "13811112222" not in str([e.detail for e in entries])
    api_as(cast.lead).get("community/vulnerable/cold-snap")
    assert AuditEntry.objects.filter(action="vulnerable_read").count() == 4


def test_a_household_is_registered_once_and_bad_input_is_422(api_as, cast):
    client = api_as(cast.community)
    assert client.post("community/vulnerable", {**REGISTER_ROW, "compound": cast.compound}).status_code == 201
    assert client.post("community/vulnerable", {**REGISTER_ROW, "compound": cast.compound}).status_code == 409
    bad = client.post("community/vulnerable", {**REGISTER_ROW, "compound": cast.compound, "contact_phone": "x"})
    assert bad.status_code == 422
    assert client.post("community/vulnerable", {**REGISTER_ROW, "compound": "nowhere"}).status_code == 404
    assert (
        client.post("community/vulnerable", {**REGISTER_ROW, "kind": "rich", "compound": cast.compound}).status_code
        == 422
    )


@pytest.mark.parametrize("who", ["other_community", "operator", "other_station", "station", "company"])
def test_campaigns_and_visits_belong_to_the_community(api_as, stewarded, who):
    cast = stewarded
    user = getattr(cast, who)
    campaign = {"name": "访民问暖", "compounds": [cast.compound], "from": "2026-11-20", "to": "2026-12-20"}
    assert api_as(user).post("community/campaigns", campaign).status_code == 403
    assert api_as(user).post("community/visits", _visit(cast, indoor_temp=15)).status_code == 403
    assert not Campaign.objects.exists()
    assert not Visit.objects.exists()


@pytest.mark.parametrize("who", ["other_community", "operator", "other_station", "other_company"])
def test_ledgers_are_refused_to_others(api_as, stewarded, who):
    cast = stewarded
    user = getattr(cast, who)
    assert api_as(user).post("community/ledgers", _ledger(cast)).status_code == 403
    ledger = api_as(cast.community).post("community/ledgers", _ledger(cast)).json()
    assert api_as(user).get(f"community/ledgers/{ledger['id']}").status_code == 403
    assert api_as(user).post(f"community/ledgers/{ledger['id']}/close").status_code == 403
    assert Ledger.objects.count() == 1


def test_the_serving_station_and_company_read_a_ledger(api_as, stewarded):
    cast = stewarded
    ledger = api_as(cast.community).post("community/ledgers", _ledger(cast)).json()
    for reader in (cast.station, cast.company, cast.lead):
        assert api_as(reader).get(f"community/ledgers/{ledger['id']}").json()["households"] == 2


def test_anonymous_is_401(anonymous_api, cast):
    assert anonymous_api.get(f"community/compounds/{cast.compound}/stewards").status_code == 401
    assert anonymous_api.get("community/vulnerable").status_code == 401
