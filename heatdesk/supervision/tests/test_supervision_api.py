"""GET /api/v1/supervision/alerts and /counts: what each role sees, the filters, and the board's numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from heatdesk.supervision.monitor import monitor_pass
from heatdesk.supervision.tests.conftest import CHANGLEGONG, CHUNYU

QIAOKAO = "station-cf-qiaokao"


def _at(hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2026, 12, 1, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def board(make_ticket, act, escalate_after, time_machine):
    """Three stations' tickets, seen by one monitor pass at 10:00 (escalation 10 min after overdue):
    蓝爵 (cf-qiaokao) dispatched 08:40 → response escalated; 春雨 (cf-jinqiao) dispatched 08:55 → response
    overdue; 长乐宫 (ft-guanghua) created 09:51 → dispatch warned (at 09:59)."""
    time_machine.move_to(_at(8, 40), tick=False)
    qiaokao = act("80725", make_ticket(), "dispatch")
    time_machine.move_to(_at(8, 55), tick=False)
    jinqiao = act("80725", make_ticket(compound=CHUNYU), "dispatch")
    time_machine.move_to(_at(9, 51), tick=False)
    guanghua = make_ticket(compound=CHANGLEGONG)
    monitor_pass(now=_at(10, 0))
    time_machine.move_to(_at(10, 1), tick=False)
    return {"qiaokao": qiaokao, "jinqiao": jinqiao, "guanghua": guanghua}


def _seen(api, path: str = "supervision/alerts") -> set[tuple[str, str, str]]:
    response = api.get(path)
    assert response.status_code == 200, response.content
    return {(a["ticket"], a["stage"], a["level"]) for a in response.json()}


def test_the_desk_sees_every_alert_with_times_in_hohhot_time(api_as, board):
    response = api_as("lead").get("supervision/alerts")

    alerts = response.json()
    assert response.status_code == 200
    qiaokao, jinqiao, guanghua = (board[name].number for name in ("qiaokao", "jinqiao", "guanghua"))
    assert {(a["ticket"], a["stage"], a["level"]) for a in alerts} == {
        (qiaokao, "response", "warning"),
        (qiaokao, "response", "overdue"),
        (qiaokao, "response", "escalated"),
        (jinqiao, "response", "warning"),
        (jinqiao, "response", "overdue"),
        (guanghua, "dispatch", "warning"),
    }
    first = alerts[0]
    assert set(first) == {"ticket", "stage", "level", "cycle", "threshold_at", "raised_at", "closed_at", "station"}
    assert first["raised_at"].endswith("+08:00")
    assert dt.datetime.fromisoformat(first["threshold_at"]) <= dt.datetime.fromisoformat(first["raised_at"])
    assert [a["raised_at"] for a in alerts] == sorted((a["raised_at"] for a in alerts), reverse=True)


@pytest.mark.parametrize("username", ["80725", "lead", "regulator", "admin"])
def test_the_desk_the_regulator_and_admins_see_all_stations(api_as, board, username):
    stations = {a["station"] for a in api_as(username).get("supervision/alerts").json()}
    assert stations == {"cf-qiaokao", "cf-jinqiao", "ft-guanghua"}


def test_a_station_sees_only_its_own_alerts(api_as, board):
    alerts = api_as(QIAOKAO).get("supervision/alerts").json()
    assert alerts
    assert {a["station"] for a in alerts} == {"cf-qiaokao"}
    assert {a["ticket"] for a in alerts} == {board["qiaokao"].number}


def test_a_company_sees_the_alerts_of_all_its_stations_and_no_others(api_as, board):
    chengfa = {a["station"] for a in api_as("company-chengfa").get("supervision/alerts").json()}
    futai = {a["station"] for a in api_as("company-futai").get("supervision/alerts").json()}
    assert chengfa == {"cf-qiaokao", "cf-jinqiao"}
    assert futai == {"ft-guanghua"}


def test_community_workers_are_refused(api_as, board):
    from heatdesk.accounts.models import User

    community = User.objects.filter(role="community").values_list("username", flat=True).first()
    for path in ("supervision/alerts", "supervision/counts"):
        response = api_as(community).get(path)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"


def test_filters_narrow_the_list(api_as, board):
    lead = api_as("lead")
    qiaokao = board["qiaokao"].number

    by_ticket = _seen(lead, f"supervision/alerts?ticket={qiaokao}")
    by_level = _seen(lead, "supervision/alerts?level=overdue")
    by_stage = _seen(lead, "supervision/alerts?stage=dispatch")
    by_station = _seen(lead, "supervision/alerts?station=cf-jinqiao&level=warning")

    assert by_ticket == {(qiaokao, "response", level) for level in ("warning", "overdue", "escalated")}
    assert {level for _, _, level in by_level} == {"overdue"}
    assert {stage for _, stage, _ in by_stage} == {"dispatch"}
    assert by_station == {(board["jinqiao"].number, "response", "warning")}


def test_open_and_since_filters(api_as, act, board):
    lead = api_as("lead")
    act(QIAOKAO, board["qiaokao"], "accept")  # the response stage is met: its alerts close

    closed = lead.get("supervision/alerts?open=false").json()
    still_open = lead.get("supervision/alerts?open=true").json()
    assert {(a["ticket"], a["stage"]) for a in closed} == {(board["qiaokao"].number, "response")}
    assert all(a["closed_at"] for a in closed)
    assert all(a["closed_at"] is None for a in still_open)

    latest = max(a["raised_at"] for a in lead.get("supervision/alerts").json())
    since = lead.get("supervision/alerts", data={"since": latest}).json()
    assert since
    assert all(a["raised_at"] >= latest for a in since)


@pytest.mark.parametrize("query", ["stage=lunch", "level=panic", "since=yesterday", "open=maybe", "limit=0"])
def test_bad_filters_are_422_not_500(api_as, board, query):
    response = api_as("lead").get(f"supervision/alerts?{query}")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_failed"


def test_counts_put_each_open_stage_at_its_highest_level_per_station(api_as, board):
    counts = api_as("lead").get("supervision/counts").json()

    rows = {row["station"]: row for row in counts["stations"]}
    assert (rows["cf-qiaokao"]["escalated"], rows["cf-qiaokao"]["overdue"]) == (1, 0)
    assert rows["cf-jinqiao"]["overdue"] == 1
    assert rows["ft-guanghua"]["at_risk"] == 1
    assert rows["ft-guanghua"]["name"] == "光华供暖所"
    assert rows["cf-jinqiao"]["company"] == "chengfa"
    assert rows["ft-guanghua"]["by_stage"]["dispatch"]["at_risk"] == 1
    totals = counts["totals"]
    assert totals["total"] == totals["at_risk"] + totals["overdue"] + totals["escalated"]
    assert totals["total"] == sum(row["total"] for row in counts["stations"])
    assert counts["stations"][0]["escalated"] >= 1  # the worst station first
    assert counts["as_of"].endswith("+08:00")


def test_counts_drop_when_the_stage_is_met(api_as, act, board):
    before = api_as("lead").get("supervision/counts").json()["totals"]

    act(QIAOKAO, board["qiaokao"], "accept")

    after = api_as("lead").get("supervision/counts").json()["totals"]
    assert after["escalated"] == before["escalated"] - 1


def test_counts_are_scoped_like_the_alerts(api_as, board):
    station = api_as(QIAOKAO).get("supervision/counts").json()
    company = api_as("company-futai").get("supervision/counts").json()
    assert [row["station"] for row in station["stations"]] == ["cf-qiaokao"]
    assert [row["station"] for row in company["stations"]] == ["ft-guanghua"]


def test_the_openapi_document_types_every_supervision_and_sla_policy_response():
    from heatdesk.api.api import api

    document = api.get_openapi_schema()
    schemas = document["components"]["schemas"]

    def properties(schema: dict) -> dict:
        schema = schema.get("items", schema)
        return schemas[schema["$ref"].rsplit("/", 1)[-1]]["properties"] if "$ref" in schema else {}

    for path in ("/api/v1/supervision/alerts", "/api/v1/supervision/counts", "/api/v1/sla/policy"):
        for operation in document["paths"][path].values():
            schema = operation["responses"][200]["content"]["application/json"]["schema"]
            assert properties(schema), (path, schema)
    assert {"ticket", "stage", "level", "cycle", "threshold_at", "raised_at", "closed_at"} <= set(
        properties({"$ref": "#/components/schemas/AlertOut"})
    )
    assert {"totals", "by_stage", "stations"} <= set(properties({"$ref": "#/components/schemas/CountsOut"}))
