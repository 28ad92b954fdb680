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


def iso(value: dt.datetime | None) -> str | None:
    """The time in the desk's zone; a time at the edge of the calendar (9999-12-31) stays in UTC, not a 500."""
    if not value:
        return None
    try:
        return timezone.localtime(value).isoformat()
    except OverflowError:
        return value.isoformat()


@functools.cache
def _labels(field: str, language: str) -> dict[str, str]:
    """A choice field's labels in one language, built once (Django's get_FOO_display flattens and
    hashes the choices on every call, twice per ticket of every list)."""
    del language  # the cache key: the labels are translated when the map is built
    return {str(value): str(label) for value, label in Ticket._meta.get_field(field).flatchoices}


def _label(ticket: Ticket, field: str) -> str:
    """What `get_<field>_display()` says: the label, or the value itself when it is no choice."""
    value = getattr(ticket, field)
    return _labels(field, translation.get_language() or "").get(str(value), str(value))


def _org(org) -> dict | None:
    return {"code": org.code, "name": org.name} if org is not None else None


def ticket_summary(ticket: Ticket, *, viewer: User) -> dict:
    phone = ticket.caller_phone
    if not phone_visible_in_full(user=viewer, ticket=ticket):
        phone = phone_masked(phone)
    compound = ticket.compound
    return {
        "number": ticket.number,
        "status": ticket.status,
        "status_label": _label(ticket, "status"),
        "kind": ticket.kind,
        "category": ticket.category,
        "category_label": _label(ticket, "category"),
        "urgency": ticket.urgency,
        "channel": ticket.channel,
        "owner": ticket.owner.username,
        "station": _org(ticket.station),
        "company": _org(ticket.station.company) if ticket.station else None,
        "compound": {"code": compound.code, "name": compound.name, "district": compound.district.name}
        if compound
        else None,
        "building": ticket.building,
        "unit": ticket.unit,
        "room": ticket.room,
        "address": ticket.address,
        "caller_phone": phone,
        "deadlines": {
            "dispatch": iso(ticket.dispatch_deadline),
            "response": iso(ticket.response_deadline),
            "resolution": iso(ticket.resolution_deadline),
            "callback": iso(ticket.callback_deadline),
        },
        **{name: iso(getattr(ticket, name)) for name in MILESTONES},
        "satisfaction": ticket.satisfaction or None,
        "reopen_count": ticket.reopen_count,
        "incident": ticket.incident_code or None,
    }


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
