"""Messages a ticket change sends to the station's work group, queued in the same transaction."""

from __future__ import annotations

import datetime as dt

from heatdesk.notify.messages import Message
from heatdesk.notify.models import OrgKind, Topic
from heatdesk.notify.services import outbox_enqueue
from heatdesk.tickets.models import Ticket


def ticket_summary(ticket: Ticket) -> str:
    """The body lines a work group acts on: what, how urgent, where. Never the caller's phone."""
    place = ticket.compound.name if ticket.compound else ticket.address
    flat = "-".join(part for part in (ticket.building, ticket.unit, ticket.room) if part)
    lines = [f"问题：{ticket.get_category_display()}（{ticket.get_urgency_display()}）"]
    if place or flat:
        lines.append(f"地址：{place} {flat}".rstrip())
    return "\n".join(lines)


def station_notify(*, ticket: Ticket, topic: str, text: str, at: dt.datetime) -> None:
    """Queue a message to the ticket's station: `text` is its headline, the body says what and where,
    and it links to the ticket. The idempotency key makes a retried change send once."""
    if ticket.station is None:
        return
    message = Message.about_ticket(topic=Topic(topic), number=ticket.number, title=text, text=ticket_summary(ticket))
    outbox_enqueue(
        message=message,
        org_kind=OrgKind.STATION,
        org_code=ticket.station.code,
        idempotency_key=f"{topic}:{ticket.number}:{at.isoformat()}",
    )
