"""The one place this app creates a ticket: through `tickets.services.ticket_intake`, dispatched at once."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from heatdesk.accounts.models import User
from heatdesk.accounts.services import system_user_get
from heatdesk.tickets.models import Kind, Ticket
from heatdesk.tickets.services import TicketIntake, ticket_intake


@dataclass(frozen=True)
class CommunityCall:
    """A problem a community found before anyone called: where, what, whom to call back."""

    channel: str  # proactive (a visit) | community (a ledger)
    category: str
    compound: str
    building: str
    unit: str
    room: str
    contact_phone: str
    contact_name: str
    description: str
    urgency: str | None = None
    idempotency_key: str = ""


def intake_user() -> User:
    """The system account that owns tickets opened by visits and ledgers (首问负责制 through the desk)."""
    return system_user_get(username=settings.HEATDESK_PROACTIVE_INTAKE_USER, display_name="主动服务受理")


def ticket_open_dispatched(*, call: CommunityCall) -> Ticket:
    """Open and dispatch one ticket for `call`, owned by the configured intake user, in the caller's transaction."""
    intake = TicketIntake(
        caller_phone=call.contact_phone,
        caller_name=call.contact_name,
        category=call.category,
        kind=Kind.HELP,
        urgency=call.urgency,
        channel=call.channel,
        description=call.description,
        compound=call.compound,
        building=call.building,
        unit=call.unit,
        room=call.room,
        idempotency_key=call.idempotency_key,
    )
    return ticket_intake(actor=intake_user(), call=intake, dispatch=True).ticket
