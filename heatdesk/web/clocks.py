"""SLA clocks as the pages show them: stage, deadline, and whether it is running fine, warned or overdue.

Pure functions of their inputs (`now` is passed in); the countdown in the browser (heatdesk.js)
continues from what the server rendered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from heatdesk.sla.models import Stage
from heatdesk.tickets.states import TicketStatus

DEFAULT_WARN_SHARE = 0.8
OK, WARNING, OVERDUE, MET, MET_LATE = "ok", "warning", "overdue", "met", "met_late"


@dataclass(frozen=True)
class ClockView:
    stage: str
    started_at: dt.datetime
    warn_at: dt.datetime
    due_at: dt.datetime
    met_at: dt.datetime | None
    now: dt.datetime

    @property
    def label(self) -> str:
        return str(Stage(self.stage).label)

    @property
    def state(self) -> str:
        if self.met_at is not None:
            return MET if self.met_at <= self.due_at else MET_LATE
        if self.now >= self.due_at:
            return OVERDUE
        if self.now >= self.warn_at:
            return WARNING
        return OK

    @property
    def is_running(self) -> bool:
        return self.met_at is None

    @property
    def seconds_left(self) -> int:
        return int((self.due_at - self.now).total_seconds())

    @property
    def text(self) -> str:
        """剩余 42分 / 超时 1小时5分 / 用时 35分 (what the countdown first shows)."""
        if self.met_at is not None:
            return _("用时 %(d)s") % {"d": duration_text((self.met_at - self.started_at).total_seconds())}
        left = self.seconds_left
        if left < 0:
            return _("超时 %(d)s") % {"d": duration_text(-left)}
        return _("剩余 %(d)s") % {"d": duration_text(left)}


def duration_text(seconds: float) -> str:
    """A span the way the desk says it: 2天3小时, 1小时5分, 42分, 30秒."""
    seconds = int(max(0, seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _("%(d)s天%(h)s小时") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s小时%(m)s分") % {"h": hours, "m": minutes}
    if minutes:
        return _("%(m)s分") % {"m": minutes}
    return _("%(s)s秒") % {"s": secs}


def _warn_share(ticket, stage: str) -> float:
    try:
        return float(ticket.sla[stage]["warn_at"])
    except (KeyError, TypeError, ValueError):
        return DEFAULT_WARN_SHARE


def _view(ticket, stage: str, start, due, now) -> ClockView | None:
    if start is None or due is None:
        return None
    warn = start + (due - start) * _warn_share(ticket, stage)
    return ClockView(stage=stage, started_at=start, warn_at=warn, due_at=due, met_at=None, now=now)


def current_clock(ticket, *, now: dt.datetime) -> ClockView | None:
    """The one clock that matters now for a list row, from the ticket's own deadline fields."""
    status = ticket.status
    if status == TicketStatus.RECEIVED or (status == TicketStatus.RETURNED and ticket.first_dispatched_at is None):
        return _view(ticket, Stage.DISPATCH, ticket.created_at, ticket.dispatch_deadline, now)
    if status == TicketStatus.DISPATCHED:
        return _view(ticket, Stage.RESPONSE, ticket.dispatched_at, ticket.response_deadline, now)
    if status == TicketStatus.ACCEPTED:
        return _view(ticket, Stage.RESOLUTION, ticket.dispatched_at, ticket.resolution_deadline, now)
    if status == TicketStatus.RESOLVED:
        return _view(ticket, Stage.CALLBACK, ticket.resolved_at, ticket.callback_deadline, now)
    return None


def clock_from_row(row, *, now: dt.datetime) -> ClockView:
    """A stored SLA clock (sla.SlaClock) as shown on the ticket page."""
    return ClockView(
        stage=row.stage, started_at=row.started_at, warn_at=row.warn_at, due_at=row.due_at, met_at=row.met_at, now=now
    )
