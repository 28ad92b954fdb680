"""The running SLA clocks of tickets (时限计时): started, met and moved by the ticket door, inside its transaction.

Only clock rows are written here; the alerts a clock raises belong to `supervision`, which reads a
cycle's `met_at` as the moment its alerts closed. Also the one definition of "the stage a status is
in" (`stage_of_status`).
"""

from __future__ import annotations

import datetime as dt

from heatdesk.sla import policy
from heatdesk.sla.models import AlertLevel, Stage
from heatdesk.tickets.models import SlaClock
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
    clock.save(force_insert=True)
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
