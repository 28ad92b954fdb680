"""The running SLA clocks of tickets (时限计时): started, met and moved by the ticket door, inside its transaction.

Only clock rows are written here; the alerts a clock raises belong to `supervision`, which reads a
cycle's `met_at` as the moment its alerts closed. Also the one definition of "the stage a status is
in" (`stage_of_status`).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import QuerySet

from heatdesk.geo.models import Company, Station
from heatdesk.sla import policy
from heatdesk.sla.models import AlertLevel, Stage
from heatdesk.tickets.models import SlaClock, Ticket
from heatdesk.tickets.states import TicketStatus

# The stage whose clock runs while a ticket is in a status; a returned ticket is back with the desk.
STATUS_STAGES = {
    TicketStatus.RECEIVED: Stage.DISPATCH,
    TicketStatus.RETURNED: Stage.DISPATCH,
    TicketStatus.DISPATCHED: Stage.RESPONSE,
    TicketStatus.ACCEPTED: Stage.RESOLUTION,
    TicketStatus.RESOLVED: Stage.CALLBACK,
}


def stage_of_status(status: str, *, ever_dispatched: bool = False) -> Stage | None:
    """The stage a ticket in `status` is in (None once closed or merged). A ticket returned after its
    first dispatch runs no dispatch clock (its first dispatch was on record), so it has none either."""
    if status == TicketStatus.RETURNED and ever_dispatched:
        return None
    return STATUS_STAGES.get(TicketStatus(status)) if status in TicketStatus.values else None


def _first_threshold(clock: SlaClock) -> None:
    clock.next_level = AlertLevel.WARNING
    clock.next_threshold_at = clock.warn_at


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
    first: bool = False,
) -> SlaClock:
    """Start a new cycle of a ticket's stage clock; a cycle still running is met (superseded) at the start.

    Each cycle runs the whole ladder afresh (warning, overdue, escalated), so a redone ticket warns
    again. `first` says the stage never ran for this ticket: one INSERT then, no look-up.
    """
    cycle = 1
    if not first:
        previous = SlaClock.objects.filter(ticket_id=ticket_id, stage=stage).order_by("-cycle").first()
        if previous is not None:
            cycle = previous.cycle + 1
            if previous.met_at is None:
                _meet(SlaClock.objects.filter(id=previous.id), at=started_at)
    clock = _new_clock(ticket_id, stage, cycle, urgency, started_at, due_at, warn_share, station_code, company_code)
    clock.save(force_insert=True)
    return clock


def sla_clocks_start_first(
    *,
    ticket_id: int,
    stages: list[tuple[str, dt.datetime, float]],
    urgency: str,
    started_at: dt.datetime,
    station_code: str = "",
    company_code: str = "",
) -> list[SlaClock]:
    """First cycles of several stages that never ran for the ticket ((stage, due_at, warn_share) each):
    one INSERT for all (a first dispatch starts the response and resolution clocks together)."""
    clocks = [
        _new_clock(ticket_id, stage, 1, urgency, started_at, due_at, warn_share, station_code, company_code)
        for stage, due_at, warn_share in stages
    ]
    return SlaClock.objects.bulk_create(clocks)


def _new_clock(
    ticket_id: int,
    stage: str,
    cycle: int,
    urgency: str,
    started_at: dt.datetime,
    due_at: dt.datetime,
    warn_share: float,
    station_code: str,
    company_code: str,
) -> SlaClock:
    clock = SlaClock(
        ticket_id=ticket_id,
        stage=stage,
        cycle=cycle,
        urgency=urgency,
        started_at=started_at,
        warn_at=policy.warn_time(start=started_at, due=due_at, share=warn_share),
        due_at=due_at,
        station_code=station_code or "",
        company_code=company_code or "",
    )
    _first_threshold(clock)
    return clock


def _meet(clocks, *, at: dt.datetime) -> None:
    clocks.filter(met_at__isnull=True).update(met_at=at, next_level="", next_threshold_at=None)


def sla_clocks_meet(*, ticket_id: int, stages: list[str], at: dt.datetime) -> None:
    """These stages are done: their running cycles stop (and with them their open alerts)."""
    _meet(SlaClock.objects.filter(ticket_id=ticket_id, stage__in=stages), at=at)


def sla_clock_meet(*, ticket_id: int, stage: str, at: dt.datetime) -> None:
    """The stage is done: its running cycle stops."""
    sla_clocks_meet(ticket_id=ticket_id, stages=[stage], at=at)


def sla_clocks_stop_all(*, ticket_id: int, at: dt.datetime) -> None:
    """The ticket left the loop (closed or merged): no clock of it runs on."""
    _meet(SlaClock.objects.filter(ticket_id=ticket_id), at=at)


def sla_clock_move_due(*, ticket_id: int, stage: str, due_at: dt.datetime, warn_share: float) -> None:
    """An approved extension moves the running cycle's deadline; thresholds not yet raised move with it."""
    clock = SlaClock.objects.filter(ticket_id=ticket_id, stage=stage, met_at__isnull=True).first()
    if clock is None:
        return
    clock.due_at = due_at
    clock.warn_at = policy.warn_time(start=clock.started_at, due=due_at, share=warn_share)
    clock.next_threshold_at = policy.level_threshold(clock.next_level, warn_at=clock.warn_at, due_at=due_at)
    clock.save(update_fields=["due_at", "warn_at", "next_threshold_at"])


def sla_clocks_current(*, ticket_id: int) -> list[SlaClock]:
    """The latest cycle of each stage that ever ran for the ticket, in the stages' order."""
    latest: dict[str, SlaClock] = {}
    for clock in SlaClock.objects.filter(ticket_id=ticket_id).order_by("cycle"):
        latest[clock.stage] = clock
    order = {stage: index for index, stage in enumerate(Stage.values)}
    return sorted(latest.values(), key=lambda clock: order.get(clock.stage, len(order)))


def sla_clocks_start_for(
    *, tickets: QuerySet[Ticket], stage: str, started_at: dt.datetime, due_at: dt.datetime, warn_at: dt.datetime
) -> None:
    """Start the next cycle of `stage` for every ticket of the query in one INSERT … SELECT (a restored
    incident's callbacks). The tickets run no cycle of the stage; the station codes are read from the rows."""
    ops = connection.ops
    ids_sql, ids_params = tickets.order_by().values("id").query.sql_with_params()
    clock_table, station_table = ops.quote_name(SlaClock._meta.db_table), ops.quote_name(Station._meta.db_table)
    company_table = ops.quote_name(Company._meta.db_table)
    ticket_table = ops.quote_name(Ticket._meta.db_table)
    sql = (
        f"INSERT INTO {clock_table} (ticket_id, stage, cycle, urgency, station_code, company_code, started_at, "  # noqa: S608 - model tables, values bound
        "warn_at, due_at, met_at, next_level, next_threshold_at) "
        f"SELECT t.id, %s, COALESCE((SELECT MAX(c.cycle) FROM {clock_table} c WHERE c.ticket_id = t.id "
        "AND c.stage = %s), 0) + 1, t.urgency, "
        f"COALESCE((SELECT s.code FROM {station_table} s WHERE s.id = t.station_id), ''), "
        f"COALESCE((SELECT co.code FROM {station_table} s JOIN {company_table} co ON co.id = s.company_id "
        "WHERE s.id = t.station_id), ''), "
        f"%s, %s, %s, NULL, %s, %s FROM {ticket_table} t WHERE t.id IN ({ids_sql})"
    )
    at = [ops.adapt_datetimefield_value(value) for value in (started_at, warn_at, due_at)]
    params = [stage, stage, *at, AlertLevel.WARNING.value, at[1], *ids_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
