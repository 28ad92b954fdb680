"""A stage clock as people read it: ok, warned, overdue, met or met late, and what the countdown shows.

Pure functions of their inputs (`now` is passed in); used by the ticket pages and the supervision wall.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from heatdesk.sla.models import Stage

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
