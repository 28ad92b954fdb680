"""The incidents API (DESIGN §11) and what intake sees of an open incident."""

from __future__ import annotations

import datetime as dt

import pytest

from heatdesk.core import clock

pytestmark = pytest.mark.django_db


def _later(hours=4):
    return (clock.now() + dt.timedelta(hours=hours)).isoformat()


def test_declare_attach_restore_through_the_api(api_as):
    lead, operator = api_as("lead"), api_as("80725")

    declared = lead.post(
        "incidents",
        {
            "compounds": ["lanjuexiaoqu"],
            "buildings": {"lanjuexiaoqu": ["3", "5"]},
            "cause": "主管线爆管",
            "expected_restore_at": _later(),
        },
    )
    assert declared.status_code == 201, declared.content
    body = declared.json()
    assert body["status"] == "open"
    assert body["compounds"] == ["lanjuexiaoqu"]
    assert body["calls"] == 0
    code = body["code"]
    resolved = operator.get("geo/resolve", data={"address": "蓝爵小区3号楼1单元501"}).json()
    assert resolved["incident"]["code"] == code
    assert resolved["incident"]["cause"] == "主管线爆管"
    assert operator.get("geo/resolve", data={"address": "蓝爵小区7号楼1单元501"}).json()["incident"] is None

    created = operator.post(
        "tickets",
        {"caller_phone": "13800001111", "address": "蓝爵小区3号楼1单元501", "category": "no_heat", "incident": code},
    )
    assert created.status_code == 201, created.content
    ticket = created.json()
    assert ticket["incident"] == code
    assert ticket["status"] == "received"
    assert ticket["owner"] == "80725"
    assert "dispatch" not in ticket["allowed_actions"]
    assert ticket["deadlines"]["dispatch"] is None
    refused = operator.post(
        "tickets",
        {"caller_phone": "13800002222", "address": "蓝爵小区3号楼", "incident": code, "dispatch": True},
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "incident_call_not_dispatched"

    assert lead.get(f"incidents/{code}").json()["calls"] == 1
    updated = lead.post(f"incidents/{code}/update", {"expected_restore_at": _later(6), "note": "更换管段"})
    assert updated.status_code == 200
    assert [e["kind"] for e in updated.json()["events"]] == ["declare", "update"]
    assert operator.post(f"incidents/{code}/restore", {"note": ""}).status_code == 403
    restored = lead.post(f"incidents/{code}/restore", {"note": "已恢复供热"})
    assert restored.status_code == 200
    assert restored.json()["status"] == "restored"
    assert restored.json()["callback_pending"] == 1
    assert operator.get(f"tickets/{ticket['number']}").json()["status"] == "resolved"
    assert [i["code"] for i in lead.get("incidents", data={"status": "restored"}).json()] == [code]
    assert lead.get("incidents", data={"status": "open"}).json() == []
    again = lead.post(f"incidents/{code}/restore", {"note": ""})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "incident_not_open"


def test_bad_declarations_are_4xx_never_500(api_as):
    lead = api_as("lead")
    assert (
        lead.post("incidents", {"compounds": ["nope"], "cause": "x", "expected_restore_at": _later()}).status_code
        == 422
    )
    past = lead.post("incidents", {"compounds": ["lanjuexiaoqu"], "cause": "x", "expected_restore_at": _later(-1)})
    assert past.status_code == 422
    assert lead.post("incidents", {"compounds": [], "cause": "x", "expected_restore_at": _later()}).status_code == 422
    assert lead.post("incidents", {"compounds": ["lanjuexiaoqu"], "cause": "x"}).status_code == 422
    assert lead.get("incidents/TR-none").status_code == 404
    assert (
        api_as("80725")
        .post("incidents", {"compounds": ["lanjuexiaoqu"], "cause": "x", "expected_restore_at": _later()})
        .status_code
        == 403
    )
