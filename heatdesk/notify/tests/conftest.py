"""Fixtures of the notify tests: a real HTTP receiver on 127.0.0.1 and fast outbox settings."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from heatdesk.notify.messages import Message
from heatdesk.notify.models import OutboxMessage
from heatdesk.notify.services import outbox_enqueue
from heatdesk.notify.tests.receiver import QuietServer, Receiver, handler_for


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    server = QuietServer(("127.0.0.1", 0), handler_for(receiver))
    receiver.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def outbox_settings(settings: Any) -> Any:
    """Small, fast numbers: 4 attempts, waits of 2 s, 4 s, then capped at 5 s; 1 s HTTP timeout."""
    settings.HEATDESK_OUTBOX_MAX_ATTEMPTS = 4
    settings.HEATDESK_OUTBOX_BACKOFF_BASE_SECONDS = 2
    settings.HEATDESK_OUTBOX_BACKOFF_FACTOR = 2
    settings.HEATDESK_OUTBOX_BACKOFF_CAP_SECONDS = 5
    settings.HEATDESK_OUTBOX_TIMEOUT_SECONDS = 1
    settings.HEATDESK_OUTBOX_LEASE_SECONDS = 120
    settings.HEATDESK_OUTBOX_CONCURRENCY = 4
    return settings


def _enqueue(
    key: str,
    *,
    org_code: str = "cf-qiaokao",
    org_kind: str = "station",
    topic: str = "ticket.dispatched",
    **payload: Any,
) -> list[OutboxMessage]:
    """Enqueue the way a service does: inside a transaction."""
    fields = {"title": f"新工单 {key}", "text": "暖气不热，已电话指导未解决。", "ticket_number": key, **payload}
    with transaction.atomic():
        return outbox_enqueue(
            message=Message(topic=topic, **fields), org_kind=org_kind, org_code=org_code, idempotency_key=key
        )


@pytest.fixture
def enqueue() -> Any:
    """`enqueue(key, org_code=…, **payload)` queues a message inside a transaction, as a service does."""
    return _enqueue
