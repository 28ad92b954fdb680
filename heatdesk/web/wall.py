"""The wall page's figures for today, taken from the reports' KPI definitions (reports.kpis).

The rest of the wall (clocks, lists, stations) is supervision's read model (supervision.wall); the
KPIs sit above supervision in the layers, so the page joins the two here. Today's population is the
reports' own: tickets the viewer may see created today, merged duplicates excluded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from heatdesk.accounts.models import User
from heatdesk.incidents.models import BurstSuggestion, Incident
from heatdesk.incidents.selectors import (
    IncidentCounts,
    burst_suggestion_compounds,
    burst_suggestions_open,
    incident_counts,
    incident_list_visible_to,
)
from heatdesk.reports import kpis
from heatdesk.reports.selectors import Period, ReportScope, report_tickets
from heatdesk.tickets.selectors import ticket_list_visible_to
from heatdesk.tickets.states import TicketStatus


def day_start(now: dt.datetime) -> dt.datetime:
    """Midnight of `now`'s day in Hohhot time."""
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class Figure:
    value: int | float | None
    numerator: int | float | None = None
    denominator: int | None = None

    @classmethod
    def of(cls, kpi: dict) -> Figure:
        return cls(kpi["value"], kpi["numerator"], kpi["denominator"])

    @property
    def rate(self) -> float | None:
        if not self.denominator:
            return None
        return round(100 * (self.numerator or 0) / self.denominator, 1)


@dataclass
class Today:
    received: Figure  # KPI 受理量
    dispatched_on_time: Figure  # KPI 按时派单率: value is the numerator, over the dispatched
    closed: Figure  # tickets closed today (an operational count, not a KPI)
    satisfaction: Figure  # KPI 满意率 over the reached callbacks of today's tickets
    # Today's tickets still waiting for their first dispatch past its deadline: the desk's delay, outside the
    # KPI's denominator until they are dispatched (late), so shown beside it.
    undispatched_late: int = 0


def wall_today(*, user: User, now: dt.datetime) -> Today:
    """Today's figures for the viewer: received, dispatched on time and satisfaction as the KPI module
    defines them (same formulas as the reports), and the tickets closed today."""
    day = timezone.localtime(now).date()
    tickets = report_tickets(user=user, period=Period(day, day), scope=ReportScope())
    values = kpis.kpis_assemble(kpis.kpis_raw(tickets=tickets, as_of=now))
    on_time = values["dispatch_on_time_rate"]
    closed = (
        ticket_list_visible_to(user=user)
        .filter(status=TicketStatus.CLOSED, closed_at__gte=day_start(now))
        .order_by()
        .count()
    )
    late = tickets.filter(
        status__in=[TicketStatus.RECEIVED, TicketStatus.RETURNED],
        first_dispatched_at__isnull=True,
        dispatch_deadline__lt=now,
    )
    return Today(
        undispatched_late=late.order_by().count(),
        received=Figure.of(values["received"]),
        dispatched_on_time=Figure(on_time["numerator"], on_time["numerator"], on_time["denominator"]),
        closed=Figure(closed),
        satisfaction=Figure.of(values["satisfaction_rate"]),
    )


@dataclass
class WallIncidents:
    """The wall's incident panel: open outages with their call counts, and burst suggestions (疑似停热)."""

    open: list[tuple[Incident, IncidentCounts]]
    suggestions: list[tuple[BurstSuggestion, str]]  # with the compounds (codes, comma-separated) to declare


def wall_incidents(*, user: User, now: dt.datetime) -> WallIncidents:
    """Open incidents the viewer may see, and the burst suggestions of the last 12 hours not yet declared."""
    incidents = list(incident_list_visible_to(user=user, status="open")[:20])
    counts = incident_counts(codes=[i.code for i in incidents])
    since = now - dt.timedelta(hours=12)
    suggestions = [
        (s, ",".join(burst_suggestion_compounds(suggestion=s)))
        for s in burst_suggestions_open()
        if s.last_call_at >= since
    ]
    return WallIncidents(open=[(i, counts[i.code]) for i in incidents], suggestions=suggestions)
