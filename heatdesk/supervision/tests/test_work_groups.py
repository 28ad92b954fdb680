"""Work groups end to end: the real ticket door and monitor produce the messages, the real sender posts
them to a local HTTP receiver; every platform's body and signature checked for every topic."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import threading
from collections.abc import Iterator

import pytest

from heatdesk.notify.models import OutboxMessage, OutboxStatus
from heatdesk.notify.services import channel_create, outbox_deliver_due
from heatdesk.notify.tests.receiver import QuietServer, Receiver, Reply, handler_for
from heatdesk.supervision.monitor import monitor_pass
from heatdesk.supervision.tests.conftest import clock_of

SECRET = "SEC-test-secret"
ON_DUTY = "13912345678"
PLATFORMS = ("wecom", "dingtalk", "feishu", "webhook")


@pytest.fixture
def http_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    server = QuietServer(("127.0.0.1", 0), handler_for(receiver))
    receiver.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


def _robots(receiver: Receiver, org_kind: str, org_code: str) -> None:
    ok = {"wecom": b'{"errcode":0}', "dingtalk": b'{"errcode":0}', "feishu": b'{"code":0}', "webhook": b"{}"}
    for kind in PLATFORMS:
        channel_create(
            org_kind=org_kind,
            org_code=org_code,
            kind=kind,
            url=receiver.url(f"/{org_kind}/{kind}", Reply(body=ok[kind])),
            secret="" if kind == "wecom" else SECRET,
            mention_mobiles=[ON_DUTY],
        )


def _check_signature(kind: str, got) -> None:
    if kind == "dingtalk":
        timestamp = got.query["timestamp"][0]
        digest = hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
        assert got.query["sign"][0] == base64.b64encode(digest).decode()  # parse_qs undid the urlencoding
    if kind == "feishu":
        body = got.json
        key = f"{body['timestamp']}\n{SECRET}".encode()
        assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    if kind == "webhook":
        timestamp = got.headers["X-Heatdesk-Timestamp"]
        expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + got.body, hashlib.sha256).hexdigest()
        assert got.headers["X-Heatdesk-Signature"] == "sha256=" + expected


def _text_of(kind: str, got) -> str:
    body = got.json
    if kind == "wecom":
        return body["markdown"]["content"] if body["msgtype"] == "markdown" else body["text"]["content"]
    if kind == "dingtalk":
        assert body["msgtype"] == "markdown"
        return body["markdown"]["text"]
    if kind == "feishu":
        assert body["msg_type"] == "interactive"
        card = body["card"]
        parts = [card["header"]["title"]["content"]]
        for element in card["elements"]:
            if element["tag"] == "div":
                parts.append(element["text"]["content"])
            if element["tag"] == "action":
                parts.append(element["actions"][0]["url"])
        return "\n".join(parts)
    return str(body["payload"])


def test_every_platform_gets_a_signed_card_for_every_topic_the_producers_send(
    db, users, make_ticket, act, escalate_after, http_receiver, settings
):
    settings.HEATDESK_BASE_URL = "https://desk.example.cn"
    _robots(http_receiver, "station", "cf-qiaokao")
    _robots(http_receiver, "desk", "city")
    ticket = make_ticket(category="leak", urgency="urgent")
    act("80725", ticket, "urge", note="市民来电很着急")  # undispatched: the desk's group
    act("80725", ticket, "dispatch")
    act("80725", ticket, "urge", note="请尽快上门 13800001111")  # dispatched: the station's
    response = clock_of(ticket, "response")
    monitor_pass(now=response.warn_at)
    monitor_pass(now=response.due_at)
    monitor_pass(now=response.due_at + escalate_after)
    act("station-cf-qiaokao", ticket, "accept")
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat()
    act("station-cf-qiaokao", ticket, "extend", until=until, reason="材料未到")
    act("station-cf-qiaokao", ticket, "return", reason="不归我所管")

    while outbox_deliver_due().claimed:
        pass

    topics_by_group = {
        "station": {"ticket.dispatched", "ticket.urged", "alert.warning", "alert.overdue", "alert.escalated"},
        "desk": {"ticket.urged", "ticket.extension_asked", "ticket.returned"},
    }
    number = ticket.number
    for group, topics in topics_by_group.items():
        sent = OutboxMessage.objects.filter(org_kind=group, channel__kind="wecom")
        assert {row.topic for row in sent} == topics, group
        for kind in PLATFORMS:
            received = http_receiver.on(f"/{group}/{kind}")
            assert len(received) == len(topics)  # one message per topic, each to every robot of the group
            for got in received:
                _check_signature(kind, got)
                text = _text_of(kind, got)
                assert number in text
                assert f"https://desk.example.cn/tickets/{number}/" in text
                assert "13800001111" not in text  # the caller's phone never, even inside a note
                if kind != "webhook":
                    for shown in ("蓝爵小区", "3号楼2单元501", "漏水", "紧急"):
                        assert shown in text
    station = http_receiver.on("/station/dingtalk")
    assert all(got.json["at"]["atMobiles"] == [ON_DUTY] for got in station)  # urgent leak: on-duty @-mentioned
    assert all(f"@{ON_DUTY}" in got.json["markdown"]["text"] for got in station)
    wecom = http_receiver.on("/station/wecom")
    assert all(got.json["text"]["mentioned_mobile_list"] == [ON_DUTY] for got in wecom)
    titles = [got.json["card"]["header"]["title"]["content"] for got in http_receiver.on("/station/feishu")]
    assert titles[0] == f"【派单】{number} 漏水/跑水"
    assert [t[:4] for t in titles[1:]] == ["【催办】", "【预警】", "【超时】", "【升级】"]


def test_a_channel_gets_its_messages_in_queue_order_under_a_failing_then_recovering_receiver(
    db, users, make_ticket, act, http_receiver, settings
):
    settings.HEATDESK_OUTBOX_BACKOFF_BASE_SECONDS = 1
    settings.HEATDESK_OUTBOX_BACKOFF_CAP_SECONDS = 1
    flaky = channel_create(
        org_kind="station", org_code="cf-qiaokao", kind="wecom",
        url=http_receiver.url("/flaky", Reply(status=500, body=b'{"errcode":-1}')),
    )  # fmt: skip
    channel_create(org_kind="station", org_code="cf-jinqiao", kind="wecom", url=http_receiver.url("/other"))
    tickets = [make_ticket() for _ in range(3)]
    for ticket in tickets:
        act("80725", ticket, "dispatch")
        act("80725", ticket, "urge", note="快")
    other = make_ticket(compound="chunyuxiaoqu")
    act("80725", other, "dispatch")

    first = outbox_deliver_due()
    assert first.retrying == 1  # the flaky group's first message only; its others wait behind it
    assert len(http_receiver.on("/flaky")) == 1
    assert len(http_receiver.on("/other")) == 1  # a failing group holds up nobody else
    http_receiver.replies["/flaky"] = Reply(body=b'{"errcode":0}')
    t = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
    while outbox_deliver_due(now=t).claimed:
        pass

    queued = list(OutboxMessage.objects.filter(channel=flaky).order_by("id").values_list("idempotency_key", flat=True))
    got = http_receiver.keys("/flaky")
    assert got[0] == got[1] == queued[0]  # the failed first was retried before anything else went
    assert got[1:] == queued
    assert set(OutboxMessage.objects.filter(channel=flaky).values_list("status", flat=True)) == {OutboxStatus.DELIVERED}
