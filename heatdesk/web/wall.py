"""The supervisor's wall (督办大屏): every open clock, what is at risk or overdue, per station and today.

Computed from the running SLA clocks (sla.SlaClock: start, warn and due times of every open stage), so
the wall is right to the second even while the worker that raises alerts is behind; escalations (升级)
are the worker's decision and come from its alerts (sla.selectors.alert_counts_visible_to).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from heatdesk.accounts.models import User
from heatdesk.accounts.selectors import user_scope
from heatdesk.core.errors import DomainError
from heatdesk.sla import selectors as sla_selectors
from heatdesk.sla.models import SlaClock, Stage
from heatdesk.tickets.models import Satisfaction, Ticket, TicketCallback
from heatdesk.tickets.selectors import ticket_list_visible_to
from heatdesk.tickets.states import OPEN_STATUSES, TicketStatus
from heatdesk.web.clocks import ClockView, clock_from_row

SATISFIED = (Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED, Satisfaction.FAIRLY_SATISFIED)
LIST_LIMIT = 100
CLOCK_FIELDS = (
    "id",
    "stage",
    "started_at",
    "warn_at",
    "due_at",
    "met_at",
    "ticket__id",
    "ticket__number",
    "ticket__status",
    "ticket__category",
    "ticket__urgency",
    "ticket__building",
    "ticket__unit",
    "ticket__room",
    "ticket__address",
    "ticket__urge_count",
    "ticket__owner_id",
    "ticket__station__code",
    "ticket__station__name",
    "ticket__compound__name",
)


def day_start(now: dt.datetime) -> dt.datetime:
    """Midnight of `now`'s day in Hohhot time."""
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class Figure:
    value: int
    numerator: int | None = None
    denominator: int | None = None

    @property
    def rate(self) -> float | None:
        if not self.denominator:
            return None
        return round(100 * (self.numerator or 0) / self.denominator, 1)


@dataclass
class Today:
    received: Figure
    dispatched_on_time: Figure
    closed: Figure
    satisfaction: Figure
    open_now: int


@dataclass
class StageCounts:
    stage: str
    running: int = 0
    warning: int = 0
    overdue: int = 0

    @property
    def label(self) -> str:
        return str(Stage(self.stage).label)

    @property
    def ok(self) -> int:
        return self.running - self.warning - self.overdue


@dataclass
class StationRow:
    code: str
    name: str
    company: str
    open: int = 0
    dispatched: int = 0
    accepted: int = 0
    resolved: int = 0
    warning: int = 0
    overdue: int = 0
    escalated: int = 0


@dataclass
class CompanyRow:
    name: str
    stations: list[StationRow] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(row, name) for row in self.stations)

    @property
    def totals(self) -> dict[str, int]:
        names = ("open", "dispatched", "accepted", "resolved", "warning", "overdue", "escalated")
        return {name: self.total(name) for name in names}


@dataclass
class WallRow:
    clock: ClockView
    ticket: Ticket


@dataclass
class Wall:
    now: dt.datetime
    today: Today
    status_counts: dict[str, int]
    stages: list[StageCounts]
    overdue: list[WallRow]
    at_risk: list[WallRow]
    companies: list[CompanyRow]


def _running_clocks(user: User) -> QuerySet[SlaClock]:
    clocks = SlaClock.objects.filter(met_at__isnull=True, ticket__status__in=OPEN_STATUSES)
    if not user_scope(user=user).sees_everything:
        clocks = clocks.filter(ticket_id__in=ticket_list_visible_to(user=user).values("id"))
    return clocks


def wall_today(*, user: User, now: dt.datetime) -> Today:
    """Today's figures: received, dispatched within the dispatch SLA, closed, and callbacks' satisfaction."""
    start = day_start(now)
    visible = ticket_list_visible_to(user=user).select_related(None).order_by()
    created = visible.filter(created_at__gte=start).aggregate(
        received=Count("id"),
        dispatched=Count("id", filter=Q(first_dispatched_at__isnull=False)),
        on_time=Count(
            "id", filter=Q(first_dispatched_at__isnull=False, first_dispatched_at__lte=F("dispatch_deadline"))
        ),
    )
    closed = visible.filter(closed_at__gte=start, status=TicketStatus.CLOSED).count()
    callbacks = TicketCallback.objects.filter(at__gte=start, reached=True)
    if not user_scope(user=user).sees_everything:
        callbacks = callbacks.filter(ticket_id__in=visible.values("id"))
    answers = callbacks.aggregate(reached=Count("id"), satisfied=Count("id", filter=Q(satisfaction__in=SATISFIED)))
    open_now = visible.filter(status__in=OPEN_STATUSES).count()
    return Today(
        received=Figure(created["received"]),
        dispatched_on_time=Figure(created["on_time"], created["on_time"], created["dispatched"]),
        closed=Figure(closed),
        satisfaction=Figure(answers["satisfied"], answers["satisfied"], answers["reached"]),
        open_now=open_now,
    )


def wall_stage_counts(*, user: User, now: dt.datetime) -> list[StageCounts]:
    """Per SLA stage: clocks running, warned (预警, not yet due) and overdue (超时)."""
    rows = (
        _running_clocks(user)
        .order_by()
        .values("stage")
        .annotate(
            running=Count("id"),
            warning=Count("id", filter=Q(warn_at__lte=now, due_at__gt=now)),
            overdue=Count("id", filter=Q(due_at__lte=now)),
        )
    )
    by_stage = {row["stage"]: row for row in rows}
    return [
        StageCounts(
            stage=stage,
            running=by_stage.get(stage, {}).get("running", 0),
            warning=by_stage.get(stage, {}).get("warning", 0),
            overdue=by_stage.get(stage, {}).get("overdue", 0),
        )
        for stage in Stage.values
    ]


def wall_lists(*, user: User, now: dt.datetime) -> tuple[list[WallRow], list[WallRow]]:
    """(overdue, at risk): each ticket once, at its worst running clock, the most urgent first."""
    clocks = (
        _running_clocks(user)
        .filter(warn_at__lte=now)
        .select_related("ticket", "ticket__station", "ticket__compound")
        .only(*CLOCK_FIELDS)
        .order_by("due_at", "id")[: 4 * LIST_LIMIT]
    )
    worst: dict[int, WallRow] = {}
    for row in clocks:
        view = clock_from_row(row, now=now)
        current = worst.get(row.ticket_id)
        if current is None or (view.state == "overdue" and current.clock.state != "overdue"):
            worst[row.ticket_id] = WallRow(clock=view, ticket=row.ticket)
    overdue = [row for row in worst.values() if row.clock.state == "overdue"]
    at_risk = [row for row in worst.values() if row.clock.state == "warning"]
    overdue.sort(key=lambda row: row.clock.due_at)
    at_risk.sort(key=lambda row: row.clock.due_at)
    return overdue[:LIST_LIMIT], at_risk[:LIST_LIMIT]


def wall_stations(*, user: User, now: dt.datetime) -> list[CompanyRow]:
    """Open tickets per station by status, the warned and overdue among them, and escalations; grouped by company."""
    visible = ticket_list_visible_to(user=user).select_related(None).order_by()
    rows: dict[str, StationRow] = {}
    for item in (
        visible.filter(status__in=OPEN_STATUSES, station__isnull=False)
        .values("station__code", "station__name", "station__company__name")
        .annotate(
            open=Count("id"),
            dispatched=Count("id", filter=Q(status=TicketStatus.DISPATCHED)),
            accepted=Count("id", filter=Q(status=TicketStatus.ACCEPTED)),
            resolved=Count("id", filter=Q(status=TicketStatus.RESOLVED)),
        )
    ):
        rows[item["station__code"]] = StationRow(
            code=item["station__code"],
            name=item["station__name"],
            company=item["station__company__name"],
            open=item["open"],
            dispatched=item["dispatched"],
            accepted=item["accepted"],
            resolved=item["resolved"],
        )
    for item in (
        _running_clocks(user)
        .filter(warn_at__lte=now, ticket__station__isnull=False)
        .order_by()
        .values("ticket__station__code")
        .annotate(
            overdue=Count("ticket_id", distinct=True, filter=Q(due_at__lte=now)),
            warned=Count("ticket_id", distinct=True),
        )
    ):
        row = rows.get(item["ticket__station__code"])
        if row is not None:
            row.overdue = item["overdue"]
            row.warning = item["warned"] - item["overdue"]
    try:
        escalations = sla_selectors.alert_counts_visible_to(user=user)
    except DomainError:
        escalations = None
    if escalations is not None:
        for counted in escalations.stations:
            if counted.station in rows:
                rows[counted.station].escalated = counted.escalated
    companies: dict[str, CompanyRow] = defaultdict(lambda: CompanyRow(name=""))
    for row in sorted(rows.values(), key=lambda row: (-row.overdue, -row.warning, -row.open, row.code)):
        company = companies[row.company]
        company.name = row.company
        company.stations.append(row)
    return sorted(companies.values(), key=lambda company: (-company.total("overdue"), company.name))


def wall_status_counts(*, user: User) -> dict[str, int]:
    """Open tickets by status (待派单, 已派单, 已响应, 待回访, 已退回)."""
    visible = ticket_list_visible_to(user=user).select_related(None).order_by()
    counts = dict(visible.filter(status__in=OPEN_STATUSES).values_list("status").annotate(n=Count("id")))
    return {status: counts.get(status, 0) for status in TicketStatus.values if status in OPEN_STATUSES}


def wall_for(*, user: User, now: dt.datetime) -> Wall:
    """Everything the wall shows, scoped to the viewer (a company sees its stations; the desk and regulator all)."""
    overdue, at_risk = wall_lists(user=user, now=now)
    return Wall(
        now=now,
        today=wall_today(user=user, now=now),
        status_counts=wall_status_counts(user=user),
        stages=wall_stage_counts(user=user, now=now),
        overdue=overdue,
        at_risk=at_risk,
        companies=wall_stations(user=user, now=now),
    )
