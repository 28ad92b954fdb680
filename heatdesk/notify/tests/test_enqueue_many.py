"""outbox_enqueue_many: a pass's messages in a fixed number of statements, idempotent by key."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from heatdesk.notify.messages import Message
from heatdesk.notify.models import OutboxMessage
from heatdesk.notify.services import Outgoing, channel_create, outbox_enqueue_many


def _outgoing(n: int, org_code: str = "cf-qiaokao", org_kind: str = "station") -> Outgoing:
    message = Message(topic="alert.warning", title=f"预警 {n}", text="快到时限了", ticket_number=f"HD{n}")
    return Outgoing(message=message, org_kind=org_kind, org_code=org_code, idempotency_key=f"alert:{n}:{org_code}")


def _enqueue(messages: list[Outgoing]) -> int:
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        outbox_enqueue_many(messages)
    return len([q for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]])


def test_many_messages_fan_out_per_channel_in_a_fixed_number_of_statements(db):
    wecom = channel_create(org_kind="station", org_code="cf-qiaokao", kind="wecom", url="https://qyapi.weixin.qq.com/x")
    hook = channel_create(org_kind="station", org_code="cf-qiaokao", kind="webhook", url="https://h.cn/x")
    channel_create(org_kind="company", org_code="cf-qiaokao", kind="webhook", url="https://h.cn/other-kind")

    few = _enqueue([_outgoing(1), _outgoing(2, org_code="chengfa", org_kind="company")])
    many = _enqueue([_outgoing(n) for n in range(3, 103)])

    assert few == 2  # the channels, one insert
    assert many <= 1 + 200 // 50  # inserts batched by the back end's parameter limit, never per message
    rows = OutboxMessage.objects.filter(request_key="alert:1:cf-qiaokao").order_by("id")
    assert [(r.channel_id, r.idempotency_key) for r in rows] == [
        (wecom.id, f"alert:1:cf-qiaokao#{wecom.id}"),
        (hook.id, f"alert:1:cf-qiaokao#{hook.id}"),
    ]
    assert OutboxMessage.objects.get(request_key="alert:2:chengfa").channel is None  # console
    assert OutboxMessage.objects.count() == 2 + 1 + 200


def test_a_replayed_batch_adds_nothing(db):
    _enqueue([_outgoing(1), _outgoing(2)])
    _enqueue([_outgoing(2), _outgoing(3)])
    assert sorted(OutboxMessage.objects.values_list("request_key", flat=True)) == [
        "alert:1:cf-qiaokao",
        "alert:2:cf-qiaokao",
        "alert:3:cf-qiaokao",
    ]


@pytest.mark.django_db(transaction=True)
def test_it_must_run_in_the_callers_transaction():
    with pytest.raises(TransactionManagementError):
        outbox_enqueue_many([_outgoing(1)])
