"""Several workers on PostgreSQL share the outbox through SKIP LOCKED: each message goes out once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from heatdesk.notify.messages import Message
from heatdesk.notify.models import OutboxMessage, OutboxStatus
from heatdesk.notify.services import DeliveryReport, channel_create, outbox_deliver_due, outbox_enqueue
from heatdesk.notify.tests.receiver import Reply

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (SELECT … FOR UPDATE SKIP LOCKED)")


def test_two_workers_deliver_each_message_exactly_once_and_in_queue_order(receiver, outbox_settings, enqueue):
    channel_create(
        org_kind="station", org_code="cf-qiaokao", kind="webhook", url=receiver.url("/hook", Reply(delay_seconds=0.02))
    )
    queued = [enqueue(f"ticket.dispatched:HD{n}:1")[0].idempotency_key for n in range(40)]
    start = threading.Barrier(2)
    reports: list[DeliveryReport] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            while (report := outbox_deliver_due(limit=3)).claimed:
                reports.append(report)
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    # every key once, none twice, and in the order queued although two workers shared the channel
    assert receiver.keys("/hook") == queued
    assert sum(report.delivered for report in reports) == 40
    assert sum(report.lost for report in reports) == 0
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.DELIVERED}


def test_two_transactions_enqueueing_the_same_key_leave_one_message():
    first_inserted = threading.Event()
    results: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def enqueue_in_transaction(name: str, *, hold_open: bool) -> None:
        try:
            if not hold_open:
                first_inserted.wait(timeout=10)
            with transaction.atomic():
                rows = outbox_enqueue(
                    message=Message(topic="alert.overdue", title="响应超时"),
                    org_kind="station",
                    org_code="cf-qiaokao",
                    idempotency_key="alert.overdue:HD1:response:1",
                )
                results[name] = [row.pk for row in rows]
                if hold_open:
                    first_inserted.set()
                    threading.Event().wait(0.3)  # the other transaction now blocks on the unique key
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=enqueue_in_transaction, args=("first",), kwargs={"hold_open": True}),
        threading.Thread(target=enqueue_in_transaction, args=("second",), kwargs={"hold_open": False}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert results["first"] == results["second"]
    assert OutboxMessage.objects.count() == 1
