"""Delivery against a real local HTTP receiver: success, retries with backoff, timeouts, crashes."""

from __future__ import annotations

import datetime as dt
import logging
import socket
from urllib.parse import unquote_plus

import pytest
import time_machine

from heatdesk.notify import channels, services
from heatdesk.notify.models import OutboxMessage, OutboxStatus
from heatdesk.notify.selectors import outbox_next_due_at
from heatdesk.notify.services import channel_create, outbox_deliver_due, outbox_retry
from heatdesk.notify.tests.receiver import Reply

T0 = dt.datetime(2025, 11, 20, 8, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture(autouse=True)
def frozen_clock():
    """The clock stands at T0 unless a test moves it; `now=` arguments are relative to T0."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def webhook(receiver, path, *, org_code="cf-qiaokao", reply=None, kind="webhook", secret=""):
    return channel_create(
        org_kind="station", org_code=org_code, kind=kind, url=receiver.url(path, reply), secret=secret
    )


def status_of(message):
    message.refresh_from_db()
    return message.status


def test_a_webhook_message_is_posted_once_with_its_key_and_marked_delivered(db, receiver, outbox_settings, enqueue):
    webhook(receiver, "/hook")
    [message] = enqueue("ticket.dispatched:HD1:1", link="https://heatdesk.example.cn/t/HD1")

    report = outbox_deliver_due()

    assert (report.claimed, report.delivered) == (1, 1)
    [request] = receiver.on("/hook")
    assert request.headers["Idempotency-Key"] == message.idempotency_key
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.json["topic"] == "ticket.dispatched"
    assert request.json["payload"]["ticket_number"] == "ticket.dispatched:HD1:1"
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert message.delivered_at == T0
    assert message.attempts == 1
    assert message.claim_token is None
    assert outbox_deliver_due(now=T0 + 600 * SECOND).claimed == 0
    assert len(receiver.received) == 1


def test_a_signed_dingtalk_robot_gets_markdown_and_a_fresh_signature(db, receiver, outbox_settings, enqueue):
    channel = webhook(
        receiver, "/robot/send", kind="dingtalk", secret="SECabc", reply=Reply(body=b'{"errcode":0,"errmsg":"ok"}')
    )
    channel.url += "?access_token=tok"
    channel.save(update_fields=["url"])
    enqueue("ticket.dispatched:HD2:1")

    outbox_deliver_due(now=T0)

    [request] = receiver.on("/robot/send")
    timestamp_ms = int(T0.timestamp() * 1000)
    assert request.query["access_token"] == ["tok"]
    assert request.query["timestamp"] == [str(timestamp_ms)]
    assert request.query["sign"] == [unquote_plus(channels.dingtalk_sign("SECabc", timestamp_ms))]
    assert request.json["msgtype"] == "markdown"
    assert set(request.json["markdown"]) == {"title", "text"}


def test_a_console_message_is_logged_without_free_text_or_phone_numbers(db, outbox_settings, enqueue, caplog):
    [message] = enqueue("ticket.urged:HD3:1", topic="ticket.urged", title="市民 13812345678 再次来电催办")

    with caplog.at_level(logging.INFO, logger="heatdesk.notify"):
        report = outbox_deliver_due(now=T0)

    assert report.delivered == 1
    assert status_of(message) == OutboxStatus.DELIVERED
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("notify.console")]
    assert "key=ticket.urged:HD3:1#console" in line
    assert "org=station:cf-qiaokao" in line
    assert "13812345678" not in caplog.text
    assert "暖气不热" not in caplog.text  # the free text stays out of the log


def test_a_failing_receiver_is_retried_with_capped_backoff_then_fails_while_others_flow(
    db, receiver, outbox_settings, enqueue, frozen_clock
):
    webhook(receiver, "/broken", org_code="broken-station", reply=Reply(500, b"internal error"))
    webhook(receiver, "/ok", org_code="good-station")
    traveller = frozen_clock
    [broken] = enqueue("alert.overdue:HD4:1", org_code="broken-station", topic="alert.overdue")
    enqueue("ticket.dispatched:HD5:1", org_code="good-station")

    first = outbox_deliver_due()

    assert (first.delivered, first.retrying) == (1, 1)
    broken.refresh_from_db()
    assert (broken.status, broken.attempts) == (OutboxStatus.PENDING, 1)
    assert broken.next_attempt_at == T0 + 2 * SECOND
    assert broken.last_error == "HTTP 500: internal error"
    assert outbox_next_due_at() == T0 + 2 * SECOND

    traveller.shift(1 * SECOND)
    assert outbox_deliver_due().claimed == 0  # not due yet

    waits = []
    for attempt, key in ((2, "ticket.dispatched:HD6:1"), (3, "ticket.dispatched:HD7:1")):
        traveller.move_to(broken.next_attempt_at)
        enqueue(key, org_code="good-station")
        report = outbox_deliver_due()
        assert (report.delivered, report.retrying) == (1, 1)  # the good one is not held up
        previous = broken.next_attempt_at
        broken.refresh_from_db()
        assert broken.attempts == attempt
        waits.append(broken.next_attempt_at - previous)
    assert waits == [4 * SECOND, 5 * SECOND]  # 2 × 2, then capped at 5 s

    traveller.move_to(broken.next_attempt_at)
    last = outbox_deliver_due()

    assert (last.claimed, last.failed) == (1, 1)
    broken.refresh_from_db()
    assert broken.status == OutboxStatus.FAILED
    assert broken.attempts == 4
    assert broken.last_error == "HTTP 500: internal error"
    assert len(receiver.on("/broken")) == 4
    assert set(receiver.keys("/broken")) == {broken.idempotency_key}
    assert len(receiver.on("/ok")) == 3
    assert outbox_next_due_at() is None


def test_a_receiver_that_times_out_is_retried_and_does_not_hold_up_the_others(db, receiver, outbox_settings, enqueue):
    outbox_settings.HEATDESK_OUTBOX_TIMEOUT_SECONDS = 0.3
    webhook(receiver, "/slow", org_code="slow-station", reply=Reply(delay_seconds=1.5))
    webhook(receiver, "/ok", org_code="good-station")
    [slow] = enqueue("ticket.dispatched:HD8:1", org_code="slow-station")
    fast = [enqueue(f"ticket.dispatched:HD9:{n}", org_code="good-station")[0] for n in range(3)]

    report = outbox_deliver_due(now=T0)

    assert (report.delivered, report.retrying) == (3, 1)
    assert all(status_of(message) == OutboxStatus.DELIVERED for message in fast)
    slow.refresh_from_db()
    assert slow.status == OutboxStatus.PENDING
    assert slow.last_error == "timed out after 0.3 s"
    assert slow.next_attempt_at == T0 + 2 * SECOND


def test_an_unreachable_receiver_is_a_failed_attempt(db, outbox_settings, enqueue):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    channel_create(org_kind="station", org_code="cf-qiaokao", kind="webhook", url=f"http://127.0.0.1:{port}/x")
    [message] = enqueue("ticket.dispatched:HD10:1")

    report = outbox_deliver_due(now=T0)

    assert report.retrying == 1
    message.refresh_from_db()
    assert message.last_error.startswith("connection failed")


def test_a_robot_error_code_in_a_200_reply_is_a_failed_attempt(db, receiver, outbox_settings, enqueue):
    reply = Reply(body=b'{"errcode":45009,"errmsg":"api freq out of limit"}')
    webhook(receiver, "/wecom", kind="wecom", reply=reply)
    [message] = enqueue("alert.warning:HD11:1", topic="alert.warning")

    report = outbox_deliver_due(now=T0)

    assert report.retrying == 1
    message.refresh_from_db()
    assert message.last_error == "robot error 45009: api freq out of limit"
    assert receiver.on("/wecom")[0].json["msgtype"] == "markdown"


class WorkerCrashed(BaseException):
    """Stands for the worker process dying between sending and recording."""


def test_a_claim_left_by_a_crashed_worker_is_delivered_again_after_the_lease(
    db, receiver, outbox_settings, enqueue, monkeypatch
):
    webhook(receiver, "/hook")
    [message] = enqueue("ticket.dispatched:HD12:1")

    def crash(*args, **kwargs):
        raise WorkerCrashed

    with monkeypatch.context() as patch:
        patch.setattr(services, "_record", crash)
        with pytest.raises(WorkerCrashed):
            outbox_deliver_due(now=T0)
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.claim_token is not None
    assert message.next_attempt_at == T0 + 120 * SECOND  # the lease

    assert outbox_deliver_due(now=T0 + 60 * SECOND).claimed == 0  # still leased
    report = outbox_deliver_due(now=T0 + 121 * SECOND)

    assert report.delivered == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert message.attempts == 2
    assert receiver.keys("/hook") == [message.idempotency_key] * 2  # at least once, at most twice


def test_a_message_whose_final_attempt_was_interrupted_ends_failed(db, receiver, outbox_settings, enqueue, monkeypatch):
    outbox_settings.HEATDESK_OUTBOX_MAX_ATTEMPTS = 1
    webhook(receiver, "/hook")
    [message] = enqueue("ticket.dispatched:HD13:1")
    monkeypatch.setattr(services, "_record", lambda *a, **k: (_ for _ in ()).throw(WorkerCrashed))
    with pytest.raises(WorkerCrashed):
        outbox_deliver_due(now=T0)
    monkeypatch.undo()

    report = outbox_deliver_due(now=T0 + 121 * SECOND)

    assert (report.claimed, report.failed) == (0, 1)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert "interrupted" in message.last_error
    assert len(receiver.received) == 1


def test_a_late_result_from_a_worker_that_lost_its_lease_is_not_recorded(db, receiver, outbox_settings, enqueue):
    webhook(receiver, "/hook")
    [message] = enqueue("ticket.dispatched:HD14:1")
    report = services.DeliveryReport()
    [stale] = services._claim_due(now=T0, limit=10, options=services.outbox_options(), report=report)
    [fresh] = services._claim_due(now=T0 + 121 * SECOND, limit=10, options=services.outbox_options(), report=report)

    services._record(stale, error="HTTP 502", at=T0 + 122 * SECOND, options=services.outbox_options(), report=report)

    assert report.lost == 1
    message.refresh_from_db()
    assert message.claim_token == fresh.token
    assert message.last_error == ""


def test_messages_to_a_deactivated_channel_fail_without_being_sent(db, receiver, outbox_settings, enqueue):
    channel = webhook(receiver, "/hook")
    [message] = enqueue("ticket.dispatched:HD15:1")
    channel.is_active = False
    channel.save(update_fields=["is_active"])

    report = outbox_deliver_due(now=T0)

    assert report.failed == 1
    assert status_of(message) == OutboxStatus.FAILED
    assert receiver.received == []


def test_a_batch_takes_at_most_limit_messages_oldest_first(db, receiver, outbox_settings, enqueue):
    webhook(receiver, "/hook")
    keys = []
    for n in range(5):
        with time_machine.travel(T0 + n * SECOND, tick=False):
            keys.append(enqueue(f"ticket.dispatched:HD16:{n}")[0].idempotency_key)

    first = outbox_deliver_due(now=T0 + 10 * SECOND, limit=2)
    second = outbox_deliver_due(now=T0 + 10 * SECOND, limit=10)

    assert (first.delivered, second.delivered) == (2, 3)
    assert sorted(receiver.keys()[:2]) == keys[:2]


def test_next_due_at_is_the_earliest_pending_attempt(db, outbox_settings, enqueue):
    assert outbox_next_due_at() is None
    with time_machine.travel(T0 + 5 * SECOND, tick=False):
        enqueue("a")
    with time_machine.travel(T0, tick=False):
        enqueue("b")

    assert outbox_next_due_at() == T0

    outbox_deliver_due(now=T0 + 10 * SECOND)
    assert outbox_next_due_at() is None


def test_a_failed_message_can_be_sent_again(db, receiver, outbox_settings, enqueue, frozen_clock):
    outbox_settings.HEATDESK_OUTBOX_MAX_ATTEMPTS = 1
    webhook(receiver, "/flaky", reply=Reply(503))
    [message] = enqueue("ticket.dispatched:HD17:1")
    outbox_deliver_due(now=T0)
    assert status_of(message) == OutboxStatus.FAILED
    receiver.replies["/flaky"] = Reply(200)

    frozen_clock.shift(3600 * SECOND)
    outbox_retry(message_id=message.pk)
    report = outbox_deliver_due()

    assert report.delivered == 1
    assert status_of(message) == OutboxStatus.DELIVERED
    assert OutboxMessage.objects.count() == 1
