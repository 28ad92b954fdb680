"""Ticket JSON (DESIGN §8), shaped for one viewer: phones masked outside the desk and the assigned station."""

from __future__ import annotations

import datetime as dt
import functools

from django.urls import reverse
from django.utils import timezone, translation

from heatdesk.accounts.models import User
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.selectors import (
    phone_masked,
    phone_visible_in_full,
    ticket_actions_available,
    ticket_related_numbers,
)

MILESTONES = (
    "created_at",
    "first_dispatched_at",
    "dispatched_at",
    "accepted_at",
    "departed_at",
    "arrived_at",
    "resolved_at",
    "closed_at",
    "updated_at",
)


def iso(value: dt.datetime | None, tz: dt.tzinfo | None = None) -> str | None:
    """The time in the desk's zone (`tz`, looked up once per list by the caller, else the current one); a
    time at the edge of the calendar (9999-12-31) stays in UTC, not a 500."""
    if not value:
        return None
    try:
        return timezone.localtime(value, tz).isoformat()
    except OverflowError:
        return value.isoformat()


@functools.cache
def _labels(field: str, language: str) -> dict[str, str]:
    """A choice field's labels in one language, built once (Django's get_FOO_display flattens and
    hashes the choices on every call, twice per ticket of every list)."""
    del language  # the cache key: the labels are translated when the map is built
    return {str(value): str(label) for value, label in Ticket._meta.get_field(field).flatchoices}


def _label(field: str, value) -> str:
    """What `get_<field>_display()` says: the label, or the value itself when it is no choice."""
    return _labels(field, translation.get_language() or "").get(str(value), str(value))


def _org(org) -> dict | None:
    return {"code": org.code, "name": org.name} if org is not None else None


# The columns a summary shows, read by `.values()` for a list (no model instances, no seven joined
# objects per row); `_summary_row` makes the same mapping from a Ticket in hand.
SUMMARY_COLUMNS = (
    "number",
    "status",
    "kind",
    "category",
    "urgency",
    "channel",
    "owner__username",
    "station_id",
    "station__code",
    "station__name",
    "station__company__code",
    "station__company__name",
    "compound_id",
    "compound__code",
    "compound__name",
    "compound__district__name",
    "building",
    "unit",
    "room",
    "address",
    "caller_phone",
    "dispatch_deadline",
    "response_deadline",
    "resolution_deadline",
    "callback_deadline",
    *MILESTONES,
    "satisfaction",
    "reopen_count",
    "incident_code",
)


def _summary_row(ticket: Ticket) -> dict:
    station, compound = ticket.station, ticket.compound
    company = station.company if station is not None else None
    row = {name: getattr(ticket, name) for name in SUMMARY_COLUMNS if "__" not in name}
    row.update(
        {
            "owner__username": ticket.owner.username,
            "station__code": station.code if station else None,
            "station__name": station.name if station else None,
            "station__company__code": company.code if company else None,
            "station__company__name": company.name if company else None,
            "compound__code": compound.code if compound else None,
            "compound__name": compound.name if compound else None,
            "compound__district__name": compound.district.name if compound else None,
        }
    )
    return row


class _Row:
    """A summary row seen as a ticket by `phone_visible_in_full` (station_id, status, first_dispatched_at)."""

    __slots__ = ("first_dispatched_at", "station_id", "status")

    def __init__(self, row: dict):
        self.station_id, self.status = row["station_id"], row["status"]
        self.first_dispatched_at = row["first_dispatched_at"]


def summary_phone_full(row: dict, *, viewer: User) -> bool:
    """Whether this summary row shows its caller's phone in full to `viewer` (the audited case)."""
    return phone_visible_in_full(user=viewer, ticket=_Row(row))


def summary_json(row: dict, *, viewer: User, full_phone: bool | None = None) -> dict:
    """The summary (DESIGN §8) of one row of `SUMMARY_COLUMNS`, in TicketSummaryOut's field order."""
    if full_phone is None:
        full_phone = summary_phone_full(row, viewer=viewer)
    tz = timezone.get_current_timezone()
    phone = row["caller_phone"] if full_phone else phone_masked(row["caller_phone"])
    station = {"code": row["station__code"], "name": row["station__name"]} if row["station_id"] else None
    company = None
    if station is not None and row["station__company__code"] is not None:
        company = {"code": row["station__company__code"], "name": row["station__company__name"]}
    compound = None
    if row["compound_id"]:
        compound = {"code": row["compound__code"], "name": row["compound__name"]}
        compound["district"] = row["compound__district__name"]
    return {
        "number": row["number"],
        "status": row["status"],
        "status_label": _label("status", row["status"]),
        "kind": row["kind"],
        "category": row["category"],
        "category_label": _label("category", row["category"]),
        "urgency": row["urgency"],
        "channel": row["channel"],
        "owner": row["owner__username"],
        "station": station,
        "company": company,
        "compound": compound,
        "building": row["building"],
        "unit": row["unit"],
        "room": row["room"],
        "address": row["address"],
        "caller_phone": phone,
        "deadlines": {
            "dispatch": iso(row["dispatch_deadline"], tz),
            "response": iso(row["response_deadline"], tz),
            "resolution": iso(row["resolution_deadline"], tz),
            "callback": iso(row["callback_deadline"], tz),
        },
        **{name: iso(row[name], tz) for name in MILESTONES},
        "satisfaction": row["satisfaction"] or None,
        "reopen_count": row["reopen_count"],
        "incident": row["incident_code"] or None,
    }


def ticket_summary(ticket: Ticket, *, viewer: User) -> dict:
    return summary_json(_summary_row(ticket), viewer=viewer)


def event_json(event) -> dict:
    return {
        "kind": event.kind,
        "at": iso(event.at),
        "actor": event.actor.username if event.actor else None,
        "actor_label": event.actor.label if event.actor else "系统",
        "data": event.data,
    }


def ticket_detail(ticket: Ticket, *, viewer: User, fresh_events: list | None = None) -> dict:
    """`fresh_events`: the events of a ticket created a moment ago, in memory; it has no attachments,
    callbacks or tickets linked to it yet, so nothing is read back."""
    body = ticket_summary(ticket, viewer=viewer)
    fresh = fresh_events is not None
    events = fresh_events if fresh else ticket.events.select_related("actor").order_by("at", "id")
    attachments = [] if fresh else ticket.attachments.all()
    callbacks = [] if fresh else ticket.callbacks.select_related("actor")
    body.update(
        {
            "caller_name": ticket.caller_name,
            "description": ticket.description,
            "substation": _org(ticket.substation),
            "routing_confidence": ticket.routing_confidence,
            "phone_resolved": ticket.phone_resolved,
            "guidance_steps": ticket.guidance_steps,
            "resolution_cause": ticket.resolution_cause or None,
            "resolution_note": ticket.resolution_note,
            "arrival_indoor_temp": float(ticket.arrival_indoor_temp)
            if ticket.arrival_indoor_temp is not None
            else None,
            "resolved_indoor_temp": float(ticket.resolved_indoor_temp)
            if ticket.resolved_indoor_temp is not None
            else None,
            "extension_requested_until": iso(ticket.extension_requested_until),
            "extension_count": ticket.extension_count,
            "callback_attempts": ticket.callback_attempts,
            "closed_unreached": ticket.closed_unreached,
            "return_count": ticket.return_count,
            "urge_count": ticket.urge_count,
            "repeat_call_count": ticket.repeat_call_count,
            "parent": ticket.parent.number if ticket.parent_id else None,
            # A fresh ticket is linked to at most the one it named; nothing can link to it yet.
            "related": ([ticket.related_to.number] if ticket.related_to_id else [])
            if fresh
            else ticket_related_numbers(ticket),
            "sla": ticket.sla,
            "attachments": [attachment_json(a) for a in attachments],
            "callbacks": [
                {
                    "at": iso(c.at),
                    "actor": c.actor.username,
                    "reached": c.reached,
                    "contacted": c.contacted,
                    "fixed": c.fixed,
                    "satisfaction": c.satisfaction or None,
                    "comment": c.comment,
                    "outcome": c.outcome,
                }
                for c in callbacks
            ],
            "allowed_actions": ticket_actions_available(user=viewer, ticket=ticket),
            "events": [event_json(e) for e in events],
        }
    )
    return body


def attachment_json(attachment) -> dict:
    return {
        "id": attachment.id,
        "name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        # The scoped view (login, the ticket's scope, nosniff); never MEDIA_URL.
        "url": reverse("web:ticket-photo", args=[attachment.ticket.number, attachment.id]),
        "uploaded_by": attachment.uploaded_by.username,
        "uploaded_at": iso(attachment.uploaded_at),
    }
