"""Enqueue: inside the caller's transaction, one row per active channel, idempotent by key."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

from heatdesk.core.errors import ValidationFailed
from heatdesk.notify.messages import Message
from heatdesk.notify.models import OutboxMessage, OutboxStatus
from heatdesk.notify.services import channel_create, outbox_enqueue


def test_an_org_without_channels_gets_one_console_message(db, enqueue):
    [message] = enqueue("ticket.dispatched:HD1:1")

    assert message.channel is None
    assert message.idempotency_key == "ticket.dispatched:HD1:1#console"
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 0
    assert message.next_attempt_at == message.created_at


def test_one_message_per_active_channel_of_the_org(db, enqueue):
    wecom = channel_create(org_kind="station", org_code="cf-qiaokao", kind="wecom", url="https://qyapi.weixin.qq.com/x")
    hook = channel_create(org_kind="station", org_code="cf-qiaokao", kind="webhook", url="https://h.cn/x")
    channel_create(org_kind="station", org_code="cf-qiaokao", kind="feishu", url="https://f.cn/x", is_active=False)
    channel_create(org_kind="station", org_code="other", kind="webhook", url="https://h.cn/y")

    messages = enqueue("ticket.dispatched:HD1:1")

    assert [m.channel for m in messages] == [wecom, hook]
    assert [m.idempotency_key for m in messages] == [
        f"ticket.dispatched:HD1:1#{wecom.pk}",
        f"ticket.dispatched:HD1:1#{hook.pk}",
    ]


def test_enqueueing_the_same_key_again_adds_nothing_and_returns_the_first_rows(db, enqueue):
    channel_create(org_kind="station", org_code="cf-qiaokao", kind="webhook", url="https://h.cn/x")
    first = enqueue("alert.overdue:HD1:response:1", topic="alert.overdue")

    again = enqueue("alert.overdue:HD1:response:1", topic="alert.overdue")

    assert [m.pk for m in again] == [m.pk for m in first]
    assert OutboxMessage.objects.count() == 1


def test_a_channel_added_later_does_not_duplicate_an_old_request(db, enqueue):
    enqueue("ticket.urged:HD1:1", topic="ticket.urged")
    channel_create(org_kind="station", org_code="cf-qiaokao", kind="webhook", url="https://h.cn/x")

    enqueue("ticket.urged:HD1:1", topic="ticket.urged")

    assert OutboxMessage.objects.count() == 1


def test_enqueue_rolls_back_with_the_callers_transaction(db, enqueue):
    class Refused(Exception):
        pass

    def dispatch_that_fails() -> None:
        with transaction.atomic():
            enqueue("k1")
            raise Refused

    with pytest.raises(Refused):
        dispatch_that_fails()

    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_a_programming_error():
    with pytest.raises(TransactionManagementError):
        outbox_enqueue(
            message=Message(topic="ticket.dispatched", title="新工单"),
            org_kind="station",
            org_code="cf-qiaokao",
            idempotency_key="k1",
        )

    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    ("changes", "word"),
    [
        ({"org_kind": "village"}, "org kind"),
        ({"org_code": ""}, "org code"),
        ({"idempotency_key": ""}, "idempotency key"),
        ({"message": Message(topic="ticket.dispatched", title=" ", text="no title")}, "title"),
        ({"message": Message(topic="ticket.dispatched", title="x", link="/tickets/GR1/")}, "link"),
    ],
)
def test_invalid_messages_are_refused_and_nothing_is_written(db, changes, word):
    arguments = {
        "message": Message(topic="ticket.dispatched", title="新工单"),
        "org_kind": "station",
        "org_code": "cf-qiaokao",
        "idempotency_key": "k1",
        **changes,
    }

    with pytest.raises(ValidationFailed, match=word), transaction.atomic():
        outbox_enqueue(**arguments)

    assert not OutboxMessage.objects.exists()


def test_a_chat_channel_needs_an_http_url(db):
    with pytest.raises(ValidationFailed):
        channel_create(org_kind="station", org_code="cf-qiaokao", kind="dingtalk", url="oapi.dingtalk.com")

    console = channel_create(org_kind="desk", org_code="12345", kind="console")
    assert console.url == ""


def test_a_topic_outside_the_enum_cannot_even_be_written():
    with pytest.raises(ValueError, match="Ticket Dispatched"):
        Message(topic="Ticket Dispatched", title="新工单")


def test_a_message_survives_the_json_column_unchanged():
    message = Message.about_ticket(topic="ticket.urged", number="GR1", title="催办 GR1", text="问题：暖气不热")

    assert Message.from_payload(topic="ticket.urged", payload=message.to_payload()) == message
