"""outbox_enqueue_many: a pass's requests in a fixed number of statements, routed and keyed as outbox_enqueue does."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from heatdesk.notify.messages import Message
from heatdesk.notify.models import OutboxMessage
from heatdesk.notify.services import Outgoing, channel_create, outbox_enqueue, outbox_enqueue_many

pytestmark = pytest.mark.django_db


def _outgoing(n: int, org_code: str = "cf-qiaokao", org_kind: str = "station") -> Outgoing:
    message = Message(topic="alert.warning", title=f"预警 {n}", text="快到时限了", ticket_number=f"HD{n}")
    return Outgoing(message=message, org_kind=org_kind, org_code=org_code, idempotency_key=f"alert:{n}:{org_code}")


def _enqueue(messages: list[Outgoing]) -> int:
    """Statements run by one call, savepoints aside."""
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        outbox_enqueue_many(messages)
    return len([q for q in captured.captured_queries if "SAVEPOINT" not in q["sql"].upper()])


def test_many_requests_fan_out_per_active_channel_of_their_own_org_in_a_fixed_number_of_statements():
    # Given: the station has two robots and a switched-off one; a company with the same code has its own.
    wecom = channel_create(org_kind="station", org_code="cf-qiaokao", kind="wecom", url="https://qyapi.weixin.qq.com/x")
    hook = channel_create(org_kind="station", org_code="cf-qiaokao", kind="webhook", url="https://h.cn/x")
    channel_create(org_kind="station", org_code="cf-qiaokao", kind="webhook", url="https://h.cn/off", is_active=False)
    other = channel_create(org_kind="company", org_code="cf-qiaokao", kind="webhook", url="https://h.cn/other-kind")

    # When: a few requests, then a hundred.
    few = _enqueue([_outgoing(1), _outgoing(2, org_code="chengfa", org_kind="company")])
    many = _enqueue([_outgoing(n) for n in range(3, 103)])

    # Then: keys read, channels read, one insert — in batches of the back end's parameter limit
    # (SQLite's is low), never a statement per request.
    assert few == 3
    assert many <= 2 + 200 // 50
    rows = OutboxMessage.objects.filter(request_key="alert:1:cf-qiaokao").order_by("id")
    assert [(r.channel_id, r.idempotency_key) for r in rows] == [
        (wecom.id, f"alert:1:cf-qiaokao#{wecom.id}"),
        (hook.id, f"alert:1:cf-qiaokao#{hook.id}"),
    ]
    assert OutboxMessage.objects.get(request_key="alert:2:chengfa").idempotency_key == "alert:2:chengfa#console"
    assert not OutboxMessage.objects.filter(channel=other).exists()
    assert OutboxMessage.objects.count() == 2 + 1 + 200


def test_each_channel_gets_the_requests_in_list_order():
    hook = channel_create(org_kind="station", org_code="cf-qiaokao", kind="webhook", url="https://h.cn/x")

    _enqueue([_outgoing(n) for n in (5, 3, 9, 1)])

    queued = OutboxMessage.objects.filter(channel=hook).order_by("id").values_list("request_key", flat=True)
    assert list(queued) == [f"alert:{n}:cf-qiaokao" for n in (5, 3, 9, 1)]


def test_a_replayed_request_adds_nothing_even_for_a_channel_added_since():
    # Given: requests 1 and 2 were queued to the console; then the station configures a robot.
    _enqueue([_outgoing(1), _outgoing(2)])
    channel_create(org_kind="station", org_code="cf-qiaokao", kind="webhook", url="https://h.cn/x")

    # When: 2 is offered again together with a new 3.
    _enqueue([_outgoing(2), _outgoing(3)])

    # Then: 2 keeps its one row (as with outbox_enqueue), 3 goes to the robot.
    keys = sorted(OutboxMessage.objects.values_list("idempotency_key", flat=True))
    assert [key.split("#")[0] for key in keys] == ["alert:1:cf-qiaokao", "alert:2:cf-qiaokao", "alert:3:cf-qiaokao"]
    assert OutboxMessage.objects.get(request_key="alert:3:cf-qiaokao").channel is not None


def test_a_request_already_queued_one_at_a_time_is_not_queued_again_in_bulk():
    first = _outgoing(1)
    with transaction.atomic():
        outbox_enqueue(
            message=first.message,
            org_kind=first.org_kind,
            org_code=first.org_code,
            idempotency_key=first.idempotency_key,
        )

    _enqueue([first])

    assert OutboxMessage.objects.filter(request_key="alert:1:cf-qiaokao").count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_must_run_in_the_callers_transaction():
    with pytest.raises(TransactionManagementError):
        outbox_enqueue_many([_outgoing(1)])
