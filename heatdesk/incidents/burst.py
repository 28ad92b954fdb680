"""Burst detection (疑似停热): `HEATDESK_BURST_CALLS` calls behind one substation within
`HEATDESK_BURST_MINUTES` suggest an incident to the desk and the station's group, once per burst.

A burst lasts while calls keep coming within the window of the last one: an open suggestion whose last
call is inside the window is updated with the new calls, not raised again.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from heatdesk.core import clock
from heatdesk.geo.models import Substation
from heatdesk.incidents.models import BurstSuggestion, IncidentArea, IncidentStatus
from heatdesk.notify.messages import Message
from heatdesk.notify.models import OrgKind, Topic
from heatdesk.notify.services import outbox_enqueue
from heatdesk.tickets.models import Ticket

DESK_CODE = "city"  # the city's 12345 heating desk (供热专席): org_kind "desk"
# Calls that say "no heat" in one way or another; billing and the like are no outage signal.
OUTAGE_CATEGORIES = ("not_warm", "no_heat", "below_standard", "leak")


def _burst_calls(substation_id: int, since: dt.datetime) -> list[Ticket]:
    return list(
        Ticket.objects.filter(
            substation_id=substation_id, created_at__gte=since, incident_code="", category__in=OUTAGE_CATEGORIES
        ).order_by("created_at", "id")
    )


def _covered_by_open_incident(substation: Substation) -> bool:
    """An outage already declared for the compounds this substation feeds needs no suggestion."""
    return IncidentArea.objects.filter(
        incident__status=IncidentStatus.OPEN, compound__substation_id=substation.id
    ).exists()


def _announce(suggestion: BurstSuggestion, calls: list[Ticket]) -> None:
    substation = suggestion.substation
    base = str(settings.HEATDESK_BASE_URL).rstrip("/")
    message = Message(
        topic=Topic.INCIDENT_SUGGESTED,
        title=f"疑似停热：{substation.name} {len(calls)} 个来电",
        text=f"{settings.HEATDESK_BURST_MINUTES} 分钟内换热站 {substation.name} 后 {len(calls)} 户来电："
        + "、".join(t.number for t in calls[:10]),
        link=f"{base}/incidents/?suggestion={suggestion.id}",
    )
    key = f"incident.suggested:{suggestion.id}"
    outbox_enqueue(message=message, org_kind=str(OrgKind.DESK), org_code=DESK_CODE, idempotency_key=f"{key}:desk")
    station = substation.station
    outbox_enqueue(
        message=message, org_kind=str(OrgKind.STATION), org_code=station.code, idempotency_key=f"{key}:station"
    )


def _check_substation(substation_id: int, now: dt.datetime, window: dt.timedelta) -> BurstSuggestion | None:
    """One substation, under its row lock (several workers may run): raise, extend or leave its suggestion."""
    with transaction.atomic():
        substation = Substation.objects.select_for_update().select_related("station").get(id=substation_id)
        calls = _burst_calls(substation_id, now - window)
        if len(calls) < settings.HEATDESK_BURST_CALLS or _covered_by_open_incident(substation):
            return None
        numbers = [t.number for t in calls]
        running = (
            BurstSuggestion.objects.filter(substation=substation, last_call_at__gte=now - window)
            .order_by("-raised_at")
            .first()
        )
        if running is not None:
            running.tickets = list(dict.fromkeys([*running.tickets, *numbers]))
            running.last_call_at = calls[-1].created_at
            running.save(update_fields=["tickets", "last_call_at"])
            return None
        suggestion = BurstSuggestion.objects.create(
            substation=substation,
            raised_at=now,
            first_call_at=calls[0].created_at,
            last_call_at=calls[-1].created_at,
            tickets=numbers,
        )
        _announce(suggestion, calls)
        return suggestion


def incidents_burst_check(*, now: dt.datetime | None = None) -> list[BurstSuggestion]:
    """Raise a suggestion for every substation with a new burst of calls; returns the ones raised now."""
    now = now or clock.now()
    window = dt.timedelta(minutes=settings.HEATDESK_BURST_MINUTES)
    busy = (
        Ticket.objects.filter(
            created_at__gte=now - window,
            substation__isnull=False,
            incident_code="",
            category__in=OUTAGE_CATEGORIES,
        )
        .values("substation_id")
        .annotate(calls=Count("id"))
        .filter(calls__gte=settings.HEATDESK_BURST_CALLS)
        .order_by("substation_id")
    )
    raised = []
    for row in busy:
        suggestion = _check_substation(row["substation_id"], now, window)
        if suggestion is not None:
            raised.append(suggestion)
    return raised
