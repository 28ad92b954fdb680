"""The SLA monitor (实时督办): every running stage clock raises each of its thresholds once per cycle, on time.

The rules (DESIGN §2, §4):
- warning (预警) at warn_at, overdue (超时) at due_at, escalated (升级) at due_at + escalate_after().
  A pass raises every level whose threshold has passed, so a worker that was down catches up.
- At most one Alert per ticket, stage, level and clock cycle (a unique constraint); a redone ticket's
  new cycle runs the ladder again. A stage met in time raises nothing: meeting it clears the clock's
  next threshold in the ticket's own transaction.
- Each alert's ticket event (`alert_<level>`) and outbox messages commit in the same transaction as
  the alert, so a crash loses or doubles none of them. Who is told climbs the ladder station →
  company → city heating office (供热办); the desk alone hears of its own stages (dispatch, callback).
- Several workers share the work on PostgreSQL: FOR UPDATE SKIP LOCKED over the clock and its
  ticket, so the monitor never waits for a ticket being changed nor a ticket service for the
  monitor. On SQLite one IMMEDIATE transaction at a time holds the write lock.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Min

from heatdesk.core import clock
from heatdesk.notify.messages import Message
from heatdesk.notify.models import OrgKind, Topic
from heatdesk.notify.services import Outgoing, outbox_enqueue_many
from heatdesk.sla import policy
from heatdesk.sla.models import AlertLevel, Stage
from heatdesk.supervision.logs import log_event
from heatdesk.supervision.models import Alert
from heatdesk.tickets.events import alert_events_record
from heatdesk.tickets.models import SlaClock, Ticket
from heatdesk.tickets.notifications import ticket_message

REGULATOR_CODE = "city"  # the city heating office (供热办): org_kind "regulator", one per city
DESK_CODE = "city"  # the city's 12345 heating desk (供热专席): org_kind "desk"
DESK_STAGES = frozenset({Stage.DISPATCH, Stage.CALLBACK})  # stages the desk itself must finish
# What an alert's card reads of its ticket (tickets.notifications.ticket_message): a pass loads no more.
CARD_FIELDS = (
    *("number", "status", "category", "urgency", "address", "building", "unit", "room"),
    *("dispatch_deadline", "response_deadline", "resolution_deadline", "callback_deadline"),
    *("compound__name", "station__name", "station__code"),
)
TOPICS = {
    AlertLevel.WARNING: Topic.ALERT_WARNING,
    AlertLevel.OVERDUE: Topic.ALERT_OVERDUE,
    AlertLevel.ESCALATED: Topic.ALERT_ESCALATED,
}


@dataclass
class MonitorReport:
    """What one `monitor_pass` did."""

    clocks: int = 0  # due clocks taken (and locked) in this pass
    raised: Counter[str] = field(default_factory=Counter)  # new alerts by level
    messages: int = 0  # outbox requests queued (one per recipient organisation)
    more: bool = False  # the batch was full: there may be more due clocks, call again at once
    max_lag_seconds: float = 0.0  # longest raised_at - threshold_at among the new alerts

    @property
    def raised_total(self) -> int:
        return sum(self.raised.values())


def alert_recipients(*, stage: str, level: str, station_code: str, company_code: str) -> list[tuple[str, str]]:
    """Who hears of an alert, as (org_kind, org_code). Dispatch and callback alerts go to the desk's
    group (the desk holds the ticket then). Response and resolution alerts go to the station's group;
    overdue also to the company's. Escalated ones also reach the city heating office's (供热办)."""
    if stage in DESK_STAGES:
        desk = [(str(OrgKind.DESK), DESK_CODE)]
        return [*desk, (str(OrgKind.REGULATOR), REGULATOR_CODE)] if level == AlertLevel.ESCALATED else desk
    ladder = {
        AlertLevel.WARNING: [(OrgKind.STATION, station_code)],
        AlertLevel.OVERDUE: [(OrgKind.STATION, station_code), (OrgKind.COMPANY, company_code)],
        AlertLevel.ESCALATED: [
            (OrgKind.STATION, station_code),
            (OrgKind.COMPANY, company_code),
            (OrgKind.REGULATOR, REGULATOR_CODE),
        ],
    }
    return [(str(kind), code) for kind, code in ladder[AlertLevel(level)] if code]


def _duration_text(delta: dt.timedelta) -> str:
    seconds = max(0, round(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} 秒"
    if seconds < 3600:
        return f"{seconds // 60} 分钟"
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours} 小时 {minutes} 分钟" if minutes else f"{hours} 小时"


def alert_message(*, alert: Alert, ticket: Ticket, due_at: dt.datetime) -> Message:
    """The card of an alert: 【超时】GR… 响应超时, what happened, where, the stage's deadline, the link.
    Escalations and urgent leaks mention the group's on-duty people. No phone."""
    stage_label = str(Stage(alert.stage).label)
    number = ticket.number
    if alert.level == AlertLevel.WARNING:
        title, happened = f"【预警】工单 {number} {stage_label}即将超时", f"{stage_label}即将超时，请抓紧"
    elif alert.level == AlertLevel.OVERDUE:
        title, happened = f"【超时】工单 {number} {stage_label}超时", f"{stage_label}已超时"
    else:
        overdue_for = _duration_text(alert.threshold_at - due_at)
        title = f"【升级】工单 {number} {stage_label}超时，升级督办"
        happened = f"{stage_label}超时 {overdue_for}，升级督办"
    card = ticket_message(ticket=ticket, topic=TOPICS[AlertLevel(alert.level)], title=title, happened=happened)
    return replace(
        card,
        deadline=due_at,
        deadline_label=f"{stage_label}时限",
        mention=card.mention or alert.level == AlertLevel.ESCALATED,
    )


def _alerts_insert(pending: list[tuple[SlaClock, Alert]]) -> list[tuple[SlaClock, Alert]]:
    """Insert the new alerts; returns those this call created. The unique constraint has the last word."""
    if not pending:
        return []
    try:
        with transaction.atomic():  # a savepoint: a conflict leaves the pass's transaction usable
            Alert.objects.bulk_create([alert for _, alert in pending])
        return pending
    except IntegrityError:
        # Someone raised one of these first (the row locks make that impossible, but if it happens
        # the existing alert stands and we neither duplicate it nor message it twice).
        created = []
        for row, alert in pending:
            with transaction.atomic():
                stored, made = Alert.objects.get_or_create(
                    ticket_id=alert.ticket_id,
                    stage=alert.stage,
                    level=alert.level,
                    cycle=alert.cycle,
                    defaults={
                        "clock": row,
                        "station_code": alert.station_code,
                        "company_code": alert.company_code,
                        "threshold_at": alert.threshold_at,
                        "raised_at": alert.raised_at,
                    },
                )
            if made:
                created.append((row, stored))
        return created


def _clocks_move(rows: list[SlaClock], chunk: int = 300) -> None:
    """Store each clock's next rung: one UPDATE … FROM (VALUES …) per `chunk` clocks (Django's bulk_update
    builds a CASE per row, which cost more than the rest of a pass). Values are adapted as the ORM does."""
    ops, postgres = connection.ops, connection.vendor == "postgresql"
    table = ops.quote_name(SlaClock._meta.db_table)
    row_sql = "(CAST(%s AS BIGINT), %s, CAST(%s AS TIMESTAMPTZ))" if postgres else "(%s, %s, %s)"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            params: list[Any] = []
            for row in part:
                params += [row.pk, row.next_level, ops.adapt_datetimefield_value(row.next_threshold_at)]
            cursor.execute(
                f"UPDATE {table} SET next_level = v.column2, next_threshold_at = v.column3 "  # noqa: S608 - model table, values bound
                f"FROM (VALUES {', '.join([row_sql] * len(part))}) AS v WHERE {table}.id = v.column1",
                params,
            )


def _due_clocks(*, at: dt.datetime, limit: int) -> list[SlaClock]:
    due = (
        SlaClock.objects.filter(next_threshold_at__lte=at).select_related("ticket").order_by("next_threshold_at", "id")
    )
    if connection.features.has_select_for_update_skip_locked:
        # Lock the ticket too: a ticket service holds the ticket and then writes the clock, so taking
        # both without waiting (skipping what is busy) can never deadlock with it.
        due = due.select_for_update(skip_locked=True, of=("self", "ticket"))
    return list(due[:limit])


def _climb(row: SlaClock, *, at: dt.datetime, raised_at: dt.datetime) -> list[tuple[SlaClock, Alert]]:
    """The alerts a due clock raises at `at`; moves the clock to the next rung not yet due."""
    passed, next_level = (
        ([], "")
        if row.met_at is not None
        else policy.ladder_due(next_level=row.next_level, warn_at=row.warn_at, due_at=row.due_at, at=at)
    )
    row.next_level = next_level
    row.next_threshold_at = policy.level_threshold(next_level, warn_at=row.warn_at, due_at=row.due_at)
    return [
        (
            row,
            Alert(
                ticket_id=row.ticket_id,
                clock=row,
                stage=row.stage,
                cycle=row.cycle,
                level=level,
                station_code=row.station_code,
                company_code=row.company_code,
                threshold_at=threshold,
                raised_at=raised_at,
            ),
        )
        for level, threshold in passed
    ]


def monitor_pass(*, now: dt.datetime | None = None, limit: int = 500) -> MonitorReport:
    """Raise every passed threshold of up to `limit` due clocks, with their events and messages, in one transaction.

    `now` (default: the clock) decides what has passed and is stored as `raised_at` when given, so
    simulations can move time. `report.more` says the batch was full and another pass is due at once.
    """
    at = now if now is not None else clock.now()
    report = MonitorReport()
    # A read first, so an idle monitor never takes SQLite's write lock.
    if limit <= 0 or not SlaClock.objects.filter(next_threshold_at__lte=at).exists():
        return report
    with transaction.atomic():
        rows = _due_clocks(at=at, limit=limit)
        report.clocks, report.more = len(rows), len(rows) == limit
        if not rows:
            return report
        raised_at = at if now is not None else clock.now()
        pending = [pair for row in rows for pair in _climb(row, at=at, raised_at=raised_at)]
        created = _alerts_insert(pending)
        report.messages = _alerts_announce(created)
        for _, alert in created:
            report.raised[alert.level] += 1
            lag = (alert.raised_at - alert.threshold_at).total_seconds()
            report.max_lag_seconds = max(report.max_lag_seconds, lag)
        _clocks_move(rows)
    for row, alert in created:
        log_event(
            logging.INFO,
            "sla.alert_raised",
            ticket=row.ticket.number,
            stage=alert.stage,
            cycle=alert.cycle,
            level=alert.level,
            station=alert.station_code or "-",
            threshold_at=alert.threshold_at.isoformat(),
            lag_ms=round((alert.raised_at - alert.threshold_at).total_seconds() * 1000),
        )
    return report


def _alerts_announce(created: list[tuple[SlaClock, Alert]]) -> int:
    """Log each new alert on its ticket and queue its messages up the ladder, the whole pass at once:
    one read of the tickets, one insert of the events, the outbox's fixed few statements. Keys (one
    per alert and organisation, one row per channel) make a replayed pass queue nothing new."""
    if not created:
        return 0
    tickets = (
        Ticket.objects.select_related("compound", "station")
        .only(*CARD_FIELDS)
        .in_bulk({row.ticket_id for row, _ in created})
    )
    alert_events_record(
        [(alert.ticket_id, alert.level, alert.stage, alert.threshold_at, alert.raised_at) for _, alert in created]
    )
    outgoing: list[Outgoing] = []
    for row, alert in created:
        message = alert_message(alert=alert, ticket=tickets[row.ticket_id], due_at=row.due_at)
        targets = alert_recipients(
            stage=alert.stage, level=alert.level, station_code=alert.station_code, company_code=alert.company_code
        )
        outgoing += [
            Outgoing(
                message=message,
                org_kind=org_kind,
                org_code=org_code,
                idempotency_key=f"alert:{alert.ticket_id}:{alert.stage}:{alert.cycle}:{alert.level}:{org_kind}:{org_code}",
            )
            for org_kind, org_code in targets
        ]
    outbox_enqueue_many(outgoing)
    return len(outgoing)


def monitor_next_wakeup() -> dt.datetime | None:
    """When the monitor next has something to do: the earliest threshold not yet raised (None: idle)."""
    earliest: dt.datetime | None = SlaClock.objects.filter(next_threshold_at__isnull=False).aggregate(
        at=Min("next_threshold_at")
    )["at"]
    return earliest
