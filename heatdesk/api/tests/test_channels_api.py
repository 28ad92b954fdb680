"""/api/v1/channels (DESIGN §11 "Work groups"): admins manage every group, desk leads the desk's;
secrets are write-only; every change is audited; a test message goes through the outbox."""

from __future__ import annotations

from heatdesk.audit.models import AuditEntry
from heatdesk.notify.models import Channel, OutboxMessage

ROBOT = {
    "name": "桥靠所值班群",
    "org_kind": "station",
    "org_code": "cf-qiaokao",
    "kind": "dingtalk",
    "url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
    "secret": "SECabc123",
    "mention_mobiles": ["13912345678"],
}


def test_an_admin_adds_a_signed_robot_and_the_secret_never_comes_back(api_as):
    admin = api_as("admin")

    created = admin.post("channels", ROBOT)
    listed = admin.get("channels")

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["has_secret"] is True
    assert "secret" not in body
    assert body["mention_mobiles"] == ["13912345678"]
    assert "SECabc123" not in listed.content.decode()
    assert Channel.objects.get(pk=body["id"]).secret == "SECabc123"
    entry = AuditEntry.objects.get(action="channel_change")
    assert "SECabc123" not in str(entry.detail)


def test_a_desk_lead_manages_the_desks_group_only(api_as):
    lead = api_as("lead")

    station = lead.post("channels", ROBOT)
    desk = lead.post("channels", {"org_kind": "desk", "kind": "console", "name": "专席值班群"})

    assert station.status_code == 403
    assert desk.status_code == 201, desk.content
    assert desk.json()["org_code"] == "city"
    assert {c["org_kind"] for c in lead.get("channels").json()} == {"desk"}


def test_patch_delete_and_test_message_are_audited(api_as):
    admin = api_as("admin")
    channel_id = admin.post("channels", ROBOT).json()["id"]

    patched = admin._call("patch", f"channels/{channel_id}", {"is_active": False, "secret": ""})
    tested = admin.post(f"channels/{channel_id}/test")
    deleted = admin._call("delete", f"channels/{channel_id}")

    assert patched.status_code == 200, patched.content
    assert patched.json()["is_active"] is False
    assert patched.json()["has_secret"] is False
    assert tested.status_code == 202, tested.content
    assert OutboxMessage.objects.get(pk=tested.json()["message_id"]).topic == "channel.test"
    assert deleted.status_code == 204
    assert not Channel.objects.filter(pk=channel_id).exists()
    changes = [e.detail["change"] for e in AuditEntry.objects.filter(action="channel_change").order_by("id")]
    assert changes == ["create", "update", "test", "delete"]


def test_bad_robots_are_refused_with_4xx_and_nothing_is_stored(api_as):
    admin = api_as("admin")

    no_url = admin.post("channels", {**ROBOT, "url": ""})
    bad_mobile = admin.post("channels", {**ROBOT, "mention_mobiles": ["12345"]})
    bad_kind = admin.post("channels", {**ROBOT, "kind": "telegram"})
    by_operator = api_as("80725").get("channels")

    assert no_url.status_code == 422
    assert bad_mobile.status_code == 422
    assert bad_kind.status_code in (400, 422)
    assert by_operator.status_code == 403
    assert not Channel.objects.filter(org_kind="station", org_code="cf-qiaokao", kind="dingtalk").exists()
