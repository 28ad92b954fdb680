"""Messages a ticket change sends to the station's work group, queued in the same transaction."""

from __future__ import annotations

import datetime as dt

from heatdesk.notify.services import outbox_enqueue
from heatdesk.tickets.models import Ticket


def ticket_card(ticket: Ticket) -> dict:
    """What a work group sees about a ticket; the caller's phone is never in it."""
    return {
        "number": ticket.number,
        "category": ticket.category,
        "category_label": str(ticket.get_category_display()),
        "urgency": ticket.urgency,
        "address": ticket.address or (ticket.compound.name if ticket.compound else ""),
        "station": ticket.station.code if ticket.station else None,
        "path": f"/tickets/{ticket.number}/",
    }


def station_notify(*, ticket: Ticket, topic: str, text: str, at: dt.datetime) -> None:
    """Queue a message to the ticket's station; the idempotency key makes a retried change send once."""
    if ticket.station is None:
        return
    outbox_enqueue(
        topic=topic,
        org_kind="station",
        org_code=ticket.station.code,
        payload={"title": text, "text": text, "ticket": ticket_card(ticket)},
        idempotency_key=f"{topic}:{ticket.number}:{at.isoformat()}",
    )
