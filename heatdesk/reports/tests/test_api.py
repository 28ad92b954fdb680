"""GET /api/v1/reports/{kpis,rankings,hotspots}: shape, scoping to the caller's organisation, errors."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from heatdesk.core import clock
from heatdesk.reports import kpis, overview, rankings, selectors
from heatdesk.reports.tests.conftest import AS_OF, GUANGHUA, QIAOKAO

pytestmark = pytest.mark.django_db
DAY = "from=2026-12-01&to=2026-12-01"


@pytest.fixture
def get(api_as, desk_day):
    """get(username, path) → (status, json), as that user, at AS_OF."""

    def call(username: str, path: str):
        with clock.moved_to(AS_OF):
            response = api_as(username).get(path)
        return response.status_code, response.json()

    return call


def test_the_kpi_report_carries_every_key_with_its_definition(get):
    status, body = get("80725", f"reports/kpis?{DAY}")
    assert status == 200
    assert list(body["kpis"]) == list(kpis.REPORT_KPI_DEFINITIONS)
    assert body["kpis"]["received"] == {"value": 8, "numerator": 8, "denominator": None, "definition": "received"}
    assert body["kpis"]["satisfaction_rate"]["value"] == 0.8
    assert body["definitions"]["first_time_resolution_rate"]["label_zh"] == "一次办结率"
    assert body["period"]["start"] == "2026-12-01T00:00:00+08:00"
    assert body["period"]["end"] == "2026-12-02T00:00:00+08:00"
    assert body["period"]["as_of"] == AS_OF.isoformat()
    assert body["scope"] == {"company": None, "station": None, "district": None, "operator": None}


@pytest.mark.parametrize(
    ("username", "query", "received"),
    [
        ("80725", "", 8),
        ("lead", "", 8),
        ("regulator", "", 8),
        ("regulator", f"&station={GUANGHUA}", 1),
        ("80725", "&operator=80720", 2),
        (f"station-{QIAOKAO}", "", 7),
        (f"station-{QIAOKAO}", f"&station={QIAOKAO}", 7),
        (f"station-{QIAOKAO}", "&company=chengfa", 7),
        (f"station-{GUANGHUA}", "", 1),
        ("company-chengfa", "", 7),
        ("company-chengfa", f"&station={QIAOKAO}", 7),
        ("company-futai", "", 1),
        ("company-futai", "&district=回民区", 1),
    ],
)
def test_each_role_reports_on_its_own_organisation(get, username, query, received):
    status, body = get(username, f"reports/kpis?{DAY}{query}")
    assert status == 200, body
    assert body["kpis"]["received"]["value"] == received


@pytest.mark.parametrize(
    ("username", "query"),
    [
        (f"station-{QIAOKAO}", f"&station={GUANGHUA}"),
        (f"station-{QIAOKAO}", "&company=futai"),
        ("company-chengfa", f"&station={GUANGHUA}"),
        ("company-chengfa", "&company=futai"),
    ],
)
def test_another_organisation_is_refused(get, username, query):
    status, body = get(username, f"reports/kpis?{DAY}{query}")
    assert status == 403
    assert body["error"]["code"] == "out_of_scope"


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("from=2026-02-30", 422, "validation_failed"),
        ("from=yesterday", 422, "validation_failed"),
        ("from=2026-12-02&to=2026-12-01", 422, "validation_failed"),
        (f"{DAY}&station=nowhere", 404, "unknown_station"),
        (f"{DAY}&company=nobody", 404, "unknown_company"),
        (f"{DAY}&district=火星区", 404, "unknown_district"),
    ],
)
def test_bad_input_is_a_clear_error_not_a_crash(get, query, status, code):
    got_status, body = get("lead", f"reports/kpis?{query}")
    assert (got_status, body["error"]["code"]) == (status, code)
    assert body["error"]["message"]


@pytest.mark.parametrize("username", ["lead", "station-cf-qiaokao"])
def test_an_unknown_operator_answers_like_a_known_one_with_no_tickets(get, username):
    # issue 11, defect 17: a 404 for unknown names let anyone signed in enumerate usernames
    unknown_status, unknown = get(username, f"reports/kpis?{DAY}&operator=no-such-user")
    known_status, known = get(username, f"reports/kpis?{DAY}&operator=admin")  # a real user who owns nothing
    assert unknown_status == known_status == 200
    assert unknown["scope"].pop("operator") == "no-such-user"
    assert known["scope"].pop("operator") == "admin"
    assert unknown == known
    assert unknown["kpis"]["received"]["value"] == 0


def test_reports_need_a_signed_in_user(anonymous_api, demo_city):
    response = anonymous_api.get(f"reports/kpis?{DAY}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_rankings_rank_stations_with_enough_requests_and_list_the_rest(get):
    status, body = get("lead", f"reports/rankings?{DAY}&by=station&min_received=1")
    assert status == 200
    ranked = [item for item in body["items"] if item["ranked"]]
    # 桥靠: response 3/4, resolution 3/4, first-time 2/3, satisfaction 3/3, redo 0/5 → 80.83; 光华 (D) → 35.
    assert [(item["code"], item["score"]) for item in ranked] == [(QIAOKAO, 80.83), (GUANGHUA, 35.0)]
    assert [item["rank"] for item in ranked] == [1, 2]
    assert [item["list"] for item in ranked] == ["red", "black"]
    assert len(body["items"]) == 6  # every station, the quiet ones unranked
    assert body["rule"]["zh"].startswith("综合得分")
    qiaokao = next(item for item in body["items"] if item["code"] == QIAOKAO)
    assert qiaokao["kpis"]["received"]["value"] == 7
    assert qiaokao["company"] == "城发热力"


def test_the_score_follows_the_documented_weights(get):
    _, body = get("lead", f"reports/rankings?{DAY}&by=station&min_received=1")
    guanghua = next(item for item in body["items"] if item["code"] == GUANGHUA)
    # D alone: response on time 0/1, resolution on time 1/1, first-time 0/1, satisfaction 1/2, redo 1/1.
    assert guanghua["score"] == round(100 * (0.25 * 0 + 0.25 * 1 + 0.2 * 0 + 0.2 * 0.5 + 0.1 * 0), 2)


def test_rankings_by_one_kpi_and_by_company(get):
    _, by_time = get("lead", f"reports/rankings?{DAY}&by=station&kpi=avg_response_minutes&min_received=1")
    ranked = [item for item in by_time["items"] if item["ranked"]]
    assert ranked[0]["value"] <= ranked[1]["value"]  # lower is better for times
    _, companies = get("regulator", f"reports/rankings?{DAY}&by=company&min_received=1")
    assert {item["code"] for item in companies["items"]} == {"chengfa", "futai"}


def test_a_company_ranks_only_its_own_stations(get):
    _, body = get("company-futai", f"reports/rankings?{DAY}&by=station")
    assert {item["code"] for item in body["items"]} == {GUANGHUA, "ft-linzhannanlu", "ft-zhaojun"}


@pytest.mark.parametrize("query", ["by=district", "kpi=happiness", "min_received=-1"])
def test_bad_ranking_options_are_422(get, query):
    status, body = get("lead", f"reports/rankings?{DAY}&{query}")
    assert status == 422
    assert body["error"]["code"] == "validation_failed"


def test_hotspots_are_requests_per_100_households(get):
    status, body = get("lead", f"reports/hotspots?{DAY}")
    assert status == 200
    top = body["items"][0]
    assert top["compound"]["name"] == "蓝爵小区"
    assert (top["requests"], top["households"]) == (8, 480)
    assert top["per_100_households"] == round(8 * 100 / 480, 2)
    _, other = get(f"station-{GUANGHUA}", f"reports/hotspots?{DAY}")
    assert [item["requests"] for item in other["items"]] == [1]  # only D, which 光华 now serves


@pytest.mark.parametrize(
    "path",
    [
        f"reports/kpis?{DAY}&station={QIAOKAO}",
        f"reports/rankings?{DAY}&by=station&min_received=1",
        f"reports/rankings?{DAY}&by=company&kpi=avg_response_minutes",
        f"reports/hotspots?{DAY}&limit=5",
    ],
)
def test_the_typed_responses_carry_exactly_what_the_reports_compute(get, path, django_user_model):
    """The response schemas name every key without adding, renaming or retyping one."""
    status, body = get("lead", path)
    assert status == 200, body

    query = {key: values[0] for key, values in parse_qs(urlsplit(path).query).items()}
    user = django_user_model.objects.get(username="lead")
    period = selectors.period_parse(date_from=query["from"], date_to=query["to"])
    scope = selectors.report_scope_resolve(user=user, company=None, station=query.get("station"), district=None)
    tickets = selectors.report_tickets(user=user, period=period, scope=scope)
    if path.startswith("reports/kpis"):
        expected = selectors.report_kpis(user=user, period=period, scope=scope, as_of=AS_OF)
    elif path.startswith("reports/rankings"):
        book = selectors.report_book(user=user, period=period, scope=scope)
        ranking = rankings.rankings_compute(
            user=user,
            tickets=tickets,
            as_of=AS_OF,
            by=query["by"],
            kpi=query.get("kpi", "score"),
            min_received=int(query.get("min_received", rankings.DEFAULT_MIN_RECEIVED)),
            scope=scope,
            book=book,
        )
        expected = {"period": period.as_json(as_of=AS_OF), "scope": scope.as_json(), **ranking}
    else:
        items = overview.hotspots(tickets=tickets, limit=5)
        expected = {"period": period.as_json(), "scope": scope.as_json(), "items": items}
    assert body == expected
    assert json.dumps(body, sort_keys=True) == json.dumps(expected, sort_keys=True)  # 8 stays 8, not 8.0
