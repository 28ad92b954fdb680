"""SLA clocks as the pages show them: the one that matters now for a list row, and a stored cycle.

The view itself (`ClockView`: ok, warned, overdue, met) is `sla.clocks`; the stage of a status is
`tickets.clocks.stage_of_status`, the warning time `sla.policy.warning_time` (one definition each).
"""

from __future__ import annotations

import datetime as dt

from heatdesk.sla import policy
from heatdesk.sla.clocks import MET, MET_LATE, OK, OVERDUE, WARNING, ClockView, duration_text
from heatdesk.sla.models import Stage
from heatdesk.tickets.clocks import stage_of_status

__all__ = [
    "DUE_COLUMNS",
    "MET",
    "MET_LATE",
    "OK",
    "OVERDUE",
    "WARNING",
    "ClockView",
    "clock_from_row",
    "current_clock",
    "current_due",
    "duration_text",
]


def _times(ticket, stage: str) -> tuple[dt.datetime | None, dt.datetime | None]:
    """When the ticket's current run of `stage` started and is due, from its own fields."""
    if stage == Stage.DISPATCH:
        return ticket.created_at, ticket.dispatch_deadline
    if stage == Stage.RESPONSE:
        return ticket.dispatched_at, ticket.response_deadline
    if stage == Stage.RESOLUTION:
        return ticket.dispatched_at, ticket.resolution_deadline
    return ticket.resolved_at, ticket.callback_deadline


# The columns `current_due` reads: a list can rank rows by them without loading tickets.
DUE_COLUMNS = ("id", "status", "urgency", "first_dispatched_at", "created_at", "dispatched_at", "resolved_at")
DUE_COLUMNS += ("dispatch_deadline", "response_deadline", "resolution_deadline", "callback_deadline")


def current_due(ticket) -> dt.datetime | None:
    """When the clock that matters now is due (what `current_clock` shows as due; None when none runs).
    `ticket` may be a row of its status, first dispatch, start times and deadlines."""
    stage = stage_of_status(ticket.status, ever_dispatched=ticket.first_dispatched_at is not None)
    if stage is None:
        return None
    start, due = _times(ticket, stage)
    return due if start is not None else None


def current_clock(ticket, *, now: dt.datetime) -> ClockView | None:
    """The one clock that matters now for a list row, from the ticket's own deadline fields."""
    stage = stage_of_status(ticket.status, ever_dispatched=ticket.first_dispatched_at is not None)
    if stage is None:
        return None
    start, due = _times(ticket, stage)
    if start is None or due is None:
        return None
    warn = policy.warning_time(start=start, due=due, snapshot=ticket.sla, stage=stage)
    return ClockView(stage=stage, started_at=start, warn_at=warn, due_at=due, met_at=None, now=now)


def clock_from_row(row, *, now: dt.datetime) -> ClockView:
    """A stored SLA clock cycle (tickets.SlaClock) as shown on the ticket page."""
    return ClockView(
        stage=row.stage, started_at=row.started_at, warn_at=row.warn_at, due_at=row.due_at, met_at=row.met_at, now=now
    )
