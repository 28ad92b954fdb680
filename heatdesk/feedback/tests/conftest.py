"""Fixtures of the citizen tests: tickets through the real services (with the SMS the worker's chore queues),
a local HTTP receiver."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from heatdesk.feedback.cursor import sms_from_events
from heatdesk.notify.tests.conftest import receiver  # noqa: F401 - the notify tests' HTTP receiver fixture
from heatdesk.tickets.services import TicketIntake, ticket_act, ticket_intake

ADDRESS = "回民区蓝爵小区3号楼2单元501"  # served by 桥靠供暖所 (cf-qiaokao)
STATION_USER = "station-cf-qiaokao"
PHONE = "13812345678"


def user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


def new_ticket(*, phone: str = PHONE, dispatch: bool = True, **fields: Any) -> Any:
    fields.setdefault("category", "not_warm")
    call = TicketIntake(caller_phone=phone, address=ADDRESS, **fields)
    ticket = ticket_intake(actor=user("80725"), call=call, dispatch=dispatch).ticket
    sms_from_events()  # what the worker does within a second
    return ticket


def act(username: str, ticket: Any, action: str, **payload: Any) -> Any:
    ticket = ticket_act(actor=user(username), number=ticket.number, action=action, payload=payload)
    sms_from_events()
    return ticket


def resolved_ticket(**fields: Any) -> Any:
    ticket = new_ticket(**fields)
    act(STATION_USER, ticket, "accept")
    act(STATION_USER, ticket, "arrive", indoor_temp="15")  # evidence before 处置完成
    return act(STATION_USER, ticket, "resolve", cause="air_lock", indoor_temp="19")


@pytest.fixture
def fast_retries(settings: Any) -> Any:
    settings.HEATDESK_OUTBOX_MAX_ATTEMPTS = 3
    settings.HEATDESK_OUTBOX_BACKOFF_BASE_SECONDS = 2
    settings.HEATDESK_OUTBOX_BACKOFF_FACTOR = 2
    settings.HEATDESK_OUTBOX_BACKOFF_CAP_SECONDS = 3
    settings.HEATDESK_OUTBOX_TIMEOUT_SECONDS = 2
    return settings
