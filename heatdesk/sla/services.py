"""Writes to SLA clocks and alerts. Clock functions run inside the ticket service's transaction."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from heatdesk.sla.models import Alert, AlertLevel, SlaClock

DEFAULT_ESCALATE_AFTER = dt.timedelta(minutes=30)


def escalate_after() -> dt.timedelta:
    """How long a stage may stay overdue before it escalates up the ladder (HEATDESK_SLA_ESCALATE_AFTER_SECONDS)."""
    seconds = getattr(settings, "HEATDESK_SLA_ESCALATE_AFTER_SECONDS", None)
    return dt.timedelta(seconds=int(seconds)) if seconds is not None else DEFAULT_ESCALATE_AFTER


def clock_next_threshold(clock: SlaClock, raised: set[str]) -> dt.datetime | None:
    """The earliest threshold of a running clock whose alert has not been raised yet."""
    if clock.met_at is not None:
        return None
    if AlertLevel.WARNING not in raised and AlertLevel.OVERDUE not in raised:
        return clock.warn_at
    if AlertLevel.OVERDUE not in raised:
        return clock.due_at
    if AlertLevel.ESCALATED not in raised:
        return clock.due_at + escalate_after()
    return None


def _raised_levels(ticket_id: int, stage: str) -> set[str]:
    return set(Alert.objects.filter(ticket_id=ticket_id, stage=stage).values_list("level", flat=True))


def sla_clock_start(
    *,
    ticket_id: int,
    stage: str,
    urgency: str,
    started_at: dt.datetime,
    due_at: dt.datetime,
    warn_share: float,
    station_code: str = "",
    company_code: str = "",
) -> SlaClock:
    """Start (or restart, on a redispatch or redo) the clock of a ticket's stage."""
    warn_at = started_at + (due_at - started_at) * warn_share
    clock, _ = SlaClock.objects.update_or_create(
        ticket_id=ticket_id,
        stage=stage,
        defaults={
            "urgency": urgency,
            "started_at": started_at,
            "warn_at": warn_at,
            "due_at": due_at,
            "met_at": None,
            "station_code": station_code or "",
            "company_code": company_code or "",
        },
    )
    clock.next_threshold_at = clock_next_threshold(clock, _raised_levels(ticket_id, stage))
    clock.save(update_fields=["next_threshold_at"])
    return clock


def sla_clock_meet(*, ticket_id: int, stage: str, at: dt.datetime) -> None:
    """The stage is done: stop its clock and close its open alerts (met late after a warning)."""
    SlaClock.objects.filter(ticket_id=ticket_id, stage=stage, met_at__isnull=True).update(
        met_at=at, next_threshold_at=None
    )
    Alert.objects.filter(ticket_id=ticket_id, stage=stage, closed_at__isnull=True).update(closed_at=at)


def sla_clocks_stop_all(*, ticket_id: int, at: dt.datetime) -> None:
    """The ticket left the loop (closed or merged): no clock of it runs on."""
    for stage in SlaClock.objects.filter(ticket_id=ticket_id, met_at__isnull=True).values_list("stage", flat=True):
        sla_clock_meet(ticket_id=ticket_id, stage=stage, at=at)


def sla_clock_move_due(*, ticket_id: int, stage: str, due_at: dt.datetime, warn_share: float) -> None:
    """An approved extension moves one ticket's deadline; thresholds not yet raised move with it."""
    clock = SlaClock.objects.filter(ticket_id=ticket_id, stage=stage).first()
    if clock is None:
        return
    clock.due_at = due_at
    clock.warn_at = clock.started_at + (due_at - clock.started_at) * warn_share
    clock.next_threshold_at = clock_next_threshold(clock, _raised_levels(ticket_id, stage))
    clock.save(update_fields=["due_at", "warn_at", "next_threshold_at"])
