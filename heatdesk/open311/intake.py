"""The one place this app creates a ticket: through `tickets.services.ticket_intake`, channel `app`."""

from __future__ import annotations

from dataclasses import dataclass

from heatdesk.accounts.models import User
from heatdesk.tickets.models import Channel, Kind, Ticket
from heatdesk.tickets.services import TicketIntake, ticket_intake


@dataclass(frozen=True)
class IntakeCall:
    """What an Open311 request tells the desk: who, what, where (a compound code the gazetteer knows)."""

    caller_phone: str
    caller_name: str
    category: str
    description: str
    compound: str
    building: str = ""
    unit: str = ""
    room: str = ""
    # Address text to keep on the ticket; when it names another compound, the desk learns it as an alias,
    # so pass it only when an operator confirmed the compound or the resolver was confident.
    address: str = ""
    kind: str = Kind.HELP
    idempotency_key: str = ""


def ticket_file(*, actor: User, call: IntakeCall, dispatch: bool) -> Ticket:
    """Open a ticket with channel `app` through the tickets service, owned by `actor` (首问负责制)."""
    intake = TicketIntake(
        caller_phone=call.caller_phone,
        caller_name=call.caller_name,
        category=call.category,
        kind=call.kind,
        channel=Channel.APP,
        description=call.description,
        address=call.address,
        compound=call.compound,
        building=call.building,
        unit=call.unit,
        room=call.room,
        idempotency_key=call.idempotency_key,
    )
    return ticket_intake(actor=actor, call=intake, dispatch=dispatch).ticket
