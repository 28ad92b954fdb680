"""The supervisor's wall (督办大屏) read model: every open clock, what is at risk or overdue, per station.

Computed from the running SLA clocks (tickets.SlaClock: start, warn and due times of every open stage),
so the wall is right to the second even while the worker that raises alerts is behind; escalations
(升级) are the worker's decision and come from its alerts (`escalated_per_station`). Today's KPI
figures are not here: the page takes them from the reports' KPI definitions (web.wall).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from heatdesk.accounts.models import User
from heatdesk.accounts.selectors import user_scope
from heatdesk.core.errors import DomainError
from heatdesk.geo.models import Station
from heatdesk.notify.selectors import DeliveryHealth, delivery_health, groups_visible_to
from heatdesk.sla.clocks import ClockView
from heatdesk.sla.models import Stage
from heatdesk.supervision.selectors import escalated_per_station
from heatdesk.tickets.models import SlaClock, Ticket
from heatdesk.tickets.selectors import ticket_list_visible_to
from heatdesk.tickets.states import OPEN_STATUSES, TicketStatus

MAX_ID_LIST = 20_000  # open tickets passed to the database as a list of ids (bind-parameter limits)
TICKET_FIELDS = (
    "id",
    "number",
    "status",
    "category",
    "urgency",
    "building",
    "unit",
    "room",
    "address",
    "urge_count",
    "station__code",
    "station__name",
    "compound__name",
)


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
    open_now: int
    status_counts: dict[str, int]
    stages: list[StageCounts]
    overdue: list[StageColumn]  # by stage, then by holder (capped; the totals are in `alarms`)
    at_risk: list[StageColumn]
    alarms: dict[str, int]
    companies: list[CompanyRow]
    # The desk's own delays: undispatched tickets past (or near) their dispatch deadline are charged to
    # the desk that holds them, never to a station (a returned ticket still names its old station).
    desk: StationRow = field(default_factory=lambda: StationRow(code="desk", name="", company=""))
    delivery: list[DeliveryHealth] = field(default_factory=list)  # work groups with messages waiting or failing


@dataclass
class WallScope:
    """The viewer's tickets. The open ones are listed once by id (a few thousand at most in a city), so
    the clock queries start from them through the (ticket, stage) index instead of scanning every clock
    ever started; a company's or station's other queries start from their own index likewise."""

    user: User
    sees_everything: bool
    open_ids: list[int] = field(default_factory=list)
    by_ids: bool = True  # False when there are too many open tickets to pass as a list

    @classmethod
    def of(cls, user: User) -> WallScope:
        everything = user_scope(user=user).sees_everything
        scope = cls(user=user, sees_everything=everything)
        opened = scope.visible().filter(status__in=OPEN_STATUSES).values_list("id", flat=True)
        scope.open_ids = list(opened[: MAX_ID_LIST + 1])
        scope.by_ids = len(scope.open_ids) <= MAX_ID_LIST
        return scope

    def open_tickets(self) -> QuerySet[Ticket]:
        opened = self.visible().filter(status__in=OPEN_STATUSES)
        return opened.filter(id__in=self.open_ids) if self.by_ids and not self.sees_everything else opened

    def visible(self) -> QuerySet[Ticket]:
        return ticket_list_visible_to(user=self.user).select_related(None).order_by()

    def tickets_where(self, **conditions: Any) -> QuerySet[Ticket]:
        """Visible tickets meeting `conditions`, found through the conditions' own index first."""
        if self.sees_everything or not self.by_ids:
            return self.visible().filter(**conditions)
        ids = Ticket.objects.filter(**conditions).order_by().values_list("id", flat=True)
        return self.visible().filter(id__in=list(ids))

    def running_clocks(self) -> QuerySet[SlaClock]:
        clocks = SlaClock.objects.filter(met_at__isnull=True)
        if self.by_ids:
            return clocks.filter(ticket_id__in=self.open_ids)
        return clocks.filter(ticket_id__in=self.open_tickets().values("id"))


@dataclass(frozen=True)
class RunningClock:
    ticket_id: int
    stage: str
    started_at: dt.datetime
    warn_at: dt.datetime
    due_at: dt.datetime
    station: str  # code of the ticket's station; "" before routing

    def view(self, now: dt.datetime) -> ClockView:
        return ClockView(self.stage, self.started_at, self.warn_at, self.due_at, None, now)


def wall_clocks(*, scope: WallScope, now: dt.datetime) -> list[RunningClock]:
    """The running clocks of the viewer's open tickets that are past their warning time, read once per wall."""
    rows = (
        scope.running_clocks()
        .filter(warn_at__lte=now)
        .values_list("ticket_id", "stage", "started_at", "warn_at", "due_at", "ticket__station__code")
    )
    return [RunningClock(*row[:5], station=row[5] or "") for row in rows.order_by()]


def _worst(clocks: list[RunningClock], now: dt.datetime) -> dict[int, RunningClock]:
    """Each warned ticket's most pressing clock: an overdue one before a warned one, the earliest due first."""
    worst: dict[int, RunningClock] = {}
    for clock_ in clocks:
        if clock_.warn_at > now:  # not warned yet (the wall reads only warned clocks; kept for safety)
            continue
        current = worst.get(clock_.ticket_id)
        rank = (clock_.due_at > now, clock_.due_at)
        if current is None or rank < (current.due_at > now, current.due_at):
            worst[clock_.ticket_id] = clock_
    return worst


def wall_stage_counts(*, scope: WallScope, clocks: list[RunningClock], now: dt.datetime) -> list[StageCounts]:
    """Per SLA stage: clocks running, warned (预警, not yet due) and overdue (超时)."""
    counts = {stage: StageCounts(stage=stage) for stage in Stage.values}
    for stage, running in scope.running_clocks().order_by().values_list("stage").annotate(n=Count("id")):
        if stage in counts:
            counts[stage].running = running
    for clock_ in clocks:
        row = counts.get(clock_.stage)
        if row is None:
            continue
        if clock_.due_at <= now:
            row.overdue += 1
        elif clock_.warn_at <= now:
            row.warning += 1
    return list(counts.values())


DESK_HOLDER = "desk"  # the holder of a ticket waiting for (re)dispatch: the desk, never a station
GROUPS_PER_STAGE = {"overdue": 3, "at_risk": 2}  # holders shown per stage column (the most tickets first)
ROWS_PER_GROUP = {"overdue": 2, "at_risk": 1}  # tickets shown per holder (the most pressing first)


@dataclass
class HolderGroup:
    """One holder's overdue (or at-risk) tickets at one stage: how many, and the most pressing few."""

    stage: str
    holder: str  # a station code, or DESK_HOLDER
    name: str
    total: int
    rows: list[WallRow] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


@dataclass
class StageColumn:
    """The wall's column of one SLA stage: its holders, the busiest first, capped at GROUPS_PER_STAGE."""

    stage: str
    total: int = 0
    groups: list[HolderGroup] = field(default_factory=list)
    other_holders: int = 0
    other_tickets: int = 0

    @property
    def label(self) -> str:
        return str(Stage(self.stage).label)


def holder_of(clock_: RunningClock) -> str:
    """Who a late clock is charged to: the dispatch stage is the desk's, the others the ticket's station."""
    if clock_.stage == Stage.DISPATCH or not clock_.station:
        return DESK_HOLDER
    return clock_.station


def _columns(chosen: list[RunningClock], band: str) -> tuple[list[StageColumn], list[RunningClock]]:
    """Stage columns of (capped) holder groups, and the clocks whose tickets are shown."""
    by_stage: dict[str, dict[str, list[RunningClock]]] = {stage: defaultdict(list) for stage in Stage.values}
    for clock_ in chosen:
        by_stage[clock_.stage][holder_of(clock_)].append(clock_)
    columns, shown = [], []
    groups_per_stage, rows_per_group = GROUPS_PER_STAGE[band], ROWS_PER_GROUP[band]
    for stage, holders in by_stage.items():
        column = StageColumn(stage=stage, total=sum(len(c) for c in holders.values()))
        ranked = sorted(holders.items(), key=lambda item: (-len(item[1]), item[0]))
        for holder, clocks in ranked[:groups_per_stage]:
            column.groups.append(HolderGroup(stage=stage, holder=holder, name="", total=len(clocks)))
            shown += clocks[:rows_per_group]
        column.other_holders = max(0, len(ranked) - groups_per_stage)
        column.other_tickets = sum(len(clocks) for _, clocks in ranked[groups_per_stage:])
        columns.append(column)
    return columns, shown


def wall_lists(
    *, scope: WallScope, clocks: list[RunningClock], now: dt.datetime
) -> tuple[list[StageColumn], list[StageColumn], dict[str, Any]]:
    """(overdue, at risk, totals): each ticket once at its most pressing clock, grouped by stage and by
    holder (the desk before dispatch, else the station); a few tickets per holder, the most urgent first,
    and how many there are in all."""
    worst = _worst(clocks, now)
    overdue = sorted((c for c in worst.values() if c.due_at <= now), key=lambda c: (c.due_at, c.ticket_id))
    at_risk = sorted((c for c in worst.values() if c.due_at > now), key=lambda c: (c.due_at, c.ticket_id))
    overdue_columns, overdue_shown = _columns(overdue, "overdue")
    risk_columns, risk_shown = _columns(at_risk, "at_risk")
    tickets = scope.visible().filter(id__in=[c.ticket_id for c in overdue_shown + risk_shown])
    by_id = {t.id: t for t in tickets.select_related("station", "compound").only(*TICKET_FIELDS)}
    codes = {g.holder for col in overdue_columns + risk_columns for g in col.groups} - {DESK_HOLDER}
    names = dict(Station.objects.filter(code__in=codes).values_list("code", "name"))
    for columns, shown in ((overdue_columns, overdue_shown), (risk_columns, risk_shown)):
        for column in columns:
            for group in column.groups:
                group.name = names.get(group.holder, group.holder)
                group.rows = [
                    WallRow(clock=c.view(now), ticket=by_id[c.ticket_id])
                    for c in shown
                    if c.stage == group.stage and holder_of(c) == group.holder and c.ticket_id in by_id
                ]
    totals = {"overdue": len(overdue), "at_risk": len(at_risk)}
    return overdue_columns, risk_columns, totals


def wall_stations(*, scope: WallScope, clocks: list[RunningClock], now: dt.datetime) -> list[CompanyRow]:
    """Open tickets per station by status, the warned and overdue among them, and escalations; grouped by company."""
    rows: dict[str, StationRow] = {}
    for item in (
        scope.open_tickets()
        .filter(station__isnull=False)
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
    for clock_ in _worst(clocks, now).values():
        row = rows.get(clock_.station) if clock_.stage != Stage.DISPATCH else None
        if row is None:  # the dispatch stage is the desk's (see wall_desk)
            continue
        if clock_.due_at <= now:
            row.overdue += 1
        else:
            row.warning += 1
    try:
        escalations = escalated_per_station(user=scope.user)
    except DomainError:
        escalations = {}
    for code, count in escalations.items():
        if code in rows:
            rows[code].escalated = count
    companies: dict[str, CompanyRow] = defaultdict(lambda: CompanyRow(name=""))
    for row in sorted(rows.values(), key=lambda row: (-row.overdue, -row.warning, -row.open, row.code)):
        company = companies[row.company]
        company.name = row.company
        company.stations.append(row)
    return sorted(companies.values(), key=lambda company: (-company.total("overdue"), company.name))


def wall_desk(*, scope: WallScope, clocks: list[RunningClock], now: dt.datetime) -> StationRow:
    """The desk's row: tickets waiting for (re)dispatch, and the warned and overdue dispatch clocks."""
    desk = StationRow(code="desk", name="", company="")
    desk.open = scope.open_tickets().filter(status__in=[TicketStatus.RECEIVED, TicketStatus.RETURNED]).count()
    for clock_ in _worst(clocks, now).values():
        if clock_.stage == Stage.DISPATCH:
            if clock_.due_at <= now:
                desk.overdue += 1
            else:
                desk.warning += 1
    return desk


def wall_status_counts(*, scope: WallScope) -> dict[str, int]:
    """Open tickets by status (待派单, 已派单, 已响应, 待回访, 已退回)."""
    counts = dict(scope.open_tickets().values_list("status").annotate(n=Count("id")))
    return {status: counts.get(status, 0) for status in TicketStatus.values if status in OPEN_STATUSES}


def wall_for(*, user: User, now: dt.datetime) -> Wall:
    """Everything the wall shows but today's KPI figures, scoped to the viewer (a company sees its
    stations; the desk and the regulator everything)."""
    scope = WallScope.of(user)
    clocks = wall_clocks(scope=scope, now=now)
    overdue, at_risk, alarms = wall_lists(scope=scope, clocks=clocks, now=now)
    return Wall(
        now=now,
        open_now=len(scope.open_ids) if scope.by_ids else scope.open_tickets().count(),
        status_counts=wall_status_counts(scope=scope),
        stages=wall_stage_counts(scope=scope, clocks=clocks, now=now),
        overdue=overdue,
        at_risk=at_risk,
        alarms=alarms,
        companies=wall_stations(scope=scope, clocks=clocks, now=now),
        desk=wall_desk(scope=scope, clocks=clocks, now=now),
        delivery=delivery_health(groups=groups_visible_to(user=user), now=now),
    )
