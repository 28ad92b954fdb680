"""Retention (DESIGN §10 "retention rules", §11 `purge-pii`): the caller's personal data on tickets that
were closed long ago is masked in place, and nothing a report counts is touched.

What is masked: the caller's phone (to the masked form other roles already see, 138****5678, so the
status page's last-four check still works), the caller's name (王** ), and phone numbers written into
free text (description, resolution note, extension reason, event notes, callback comments); the request
fingerprint of an idempotent create (a hash over the phone) is cleared. Statuses, times, codes, counts,
satisfaction and every other figure stay, so every KPI is the same before and after. The repeat-call
rate does not read phones (it counts repeat-call urges and `last_repeat_call_at`), so no phone hash is kept.
Each step is idempotent: masking a masked value changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from heatdesk.notify.channels import mask_phones
from heatdesk.tickets.models import Ticket, TicketCallback, TicketEvent
from heatdesk.tickets.selectors import phone_masked
from heatdesk.tickets.states import TicketStatus

FREE_TEXT_FIELDS = ("description", "resolution_note", "extension_reason")
MASKED_FIELDS = ("caller_phone", "caller_name", "idempotency_fingerprint", *FREE_TEXT_FIELDS)


@dataclass
class PiiMaskCounts:
    """Rows whose personal data was (or, in a dry run, would be) masked."""

    tickets: int = 0
    events: int = 0
    callbacks: int = 0

    def __iadd__(self, other: PiiMaskCounts) -> PiiMaskCounts:
        self.tickets += other.tickets
        self.events += other.events
        self.callbacks += other.callbacks
        return self


def tickets_pii_purgeable(*, closed_before: dt.datetime) -> QuerySet[Ticket]:
    """Tickets closed before the moment, and the duplicates merged into them."""
    closed = Q(status=TicketStatus.CLOSED, closed_at__lt=closed_before)
    merged = Q(status=TicketStatus.MERGED, parent__status=TicketStatus.CLOSED, parent__closed_at__lt=closed_before)
    return Ticket.objects.filter(closed | merged)


def name_masked(name: str) -> str:
    """王先生 → 王**: the first character stays, so a callback script can still say 王先生/女士."""
    name = name.strip()
    if len(name) <= 1:
        return "*" if name else ""
    return name[0] + "*" * (len(name) - 1)


def _masked_data(value: Any) -> Any:
    if isinstance(value, str):
        return mask_phones(value)
    if isinstance(value, dict):
        return {key: _masked_data(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked_data(item) for item in value]
    return value


def _ticket_masked(ticket: Ticket) -> bool:
    """Mask the ticket in memory; True when anything changed."""
    before = [getattr(ticket, name) for name in MASKED_FIELDS]
    ticket.caller_phone = phone_masked(ticket.caller_phone)
    ticket.caller_name = name_masked(ticket.caller_name)
    ticket.idempotency_fingerprint = ""
    for name in FREE_TEXT_FIELDS:
        setattr(ticket, name, mask_phones(getattr(ticket, name)))
    return before != [getattr(ticket, name) for name in MASKED_FIELDS]


def tickets_pii_mask(*, ticket_ids: list[int], dry_run: bool = False) -> PiiMaskCounts:
    """Mask the personal data of these tickets, their events and callbacks, in one transaction.

    Returns how many rows changed (in a dry run: would change, and nothing is written).
    """
    with transaction.atomic():
        tickets = Ticket.objects.filter(id__in=ticket_ids).order_by("id")
        if not dry_run:
            tickets = tickets.select_for_update()
        changed_tickets = [ticket for ticket in tickets if _ticket_masked(ticket)]
        changed_events = []
        for event in TicketEvent.objects.filter(ticket_id__in=ticket_ids).exclude(data={}).order_by("id"):
            masked = _masked_data(event.data)
            if masked != event.data:
                event.data = masked
                changed_events.append(event)
        changed_callbacks = []
        for callback in TicketCallback.objects.filter(ticket_id__in=ticket_ids).exclude(comment="").order_by("id"):
            masked = mask_phones(callback.comment)
            if masked != callback.comment:
                callback.comment = masked
                changed_callbacks.append(callback)
        if not dry_run:
            Ticket.objects.bulk_update(changed_tickets, MASKED_FIELDS)
            TicketEvent.objects.bulk_update(changed_events, ["data"])
            TicketCallback.objects.bulk_update(changed_callbacks, ["comment"])
    return PiiMaskCounts(len(changed_tickets), len(changed_events), len(changed_callbacks))
