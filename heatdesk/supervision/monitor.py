"""The SLA monitor (实时督办): every running stage clock raises each of its thresholds once per cycle, on time.

The rules (DESIGN §2, §4):
- warning (预警) at warn_at, overdue (超时) at due_at, escalated (升级) at due_at + escalate_after().
  A pass raises every level whose threshold has passed, so a worker that was down catches up.
- At most one Alert per ticket, stage, level and clock cycle (a unique constraint); a redone ticket's
  new cycle runs the ladder again. A stage met in time raises nothing: meeting it clears the clock's
  next threshold in the ticket's own transaction.
- Each alert's ticket event (`alert_<level>`) and outbox messages commit in the same transaction as
  the alert, so a crash loses or doubles none of them. Who is told climbs the ladder station →
  company → city heating office (供热办); the desk also hears of its own stages (dispatch, callback).
- Several workers share the work on PostgreSQL: FOR UPDATE SKIP LOCKED over the clock and its
  ticket, so the monitor never waits for a ticket being changed nor a ticket service for the
  monitor. On SQLite one IMMEDIATE transaction at a time holds the write lock.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Min
from django.utils import timezone

from heatdesk.core import clock
from heatdesk.geo.models import Station
from heatdesk.notify.messages import Message
from heatdesk.notify.models import OrgKind, Topic
from heatdesk.notify.services import Outgoing, outbox_enqueue_many
from heatdesk.sla import policy
from heatdesk.sla.models import AlertLevel, Stage
from heatdesk.supervision.logs import log_event
from heatdesk.supervision.models import Alert
from heatdesk.tickets.events import alert_event_record
from heatdesk.tickets.models import SlaClock

REGULATOR_CODE = "city"  # the city heating office (供热办): org_kind "regulator", one per city
DESK_CODE = "city"  # the city's 12345 heating desk (供热专席): org_kind "desk"
DESK_STAGES = frozenset({Stage.DISPATCH, Stage.CALLBACK})  # stages the desk itself must finish
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
    """Who hears of an alert, as (org_kind, org_code): warning → station; overdue → station and company;
    escalated → company and the city heating office. Dispatch and callback alerts also go to the desk."""
    ladder = {
        AlertLevel.WARNING: [(OrgKind.STATION, station_code)],
        AlertLevel.OVERDUE: [(OrgKind.STATION, station_code), (OrgKind.COMPANY, company_code)],
        AlertLevel.ESCALATED: [(OrgKind.COMPANY, company_code), (OrgKind.REGULATOR, REGULATOR_CODE)],
    }
    targets = [(str(kind), code) for kind, code in ladder[AlertLevel(level)] if code]
    if stage in DESK_STAGES:
        targets.append((str(OrgKind.DESK), DESK_CODE))
    return targets


def _duration_text(delta: dt.timedelta) -> str:
    seconds = max(0, round(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} 秒"
    if seconds < 3600:
        return f"{seconds // 60} 分钟"
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours} 小时 {minutes} 分钟" if minutes else f"{hours} 小时"


def alert_message(*, alert: Alert, number: str, due_at: dt.datetime, station_name: str = "") -> Message:
    """The work-group message of an alert: 【超时】工单 GR… 响应超时, then the station and the deadline.
    No phone, no address."""
    stage_label = str(Stage(alert.stage).label)
    due_text = timezone.localtime(due_at).strftime("%m-%d %H:%M")
    if alert.level == AlertLevel.WARNING:
        title = f"【预警】工单 {number} {stage_label}即将超时"
    elif alert.level == AlertLevel.OVERDUE:
        title = f"【超时】工单 {number} {stage_label}超时"
    else:
        title = f"【升级】工单 {number} {stage_label}超时，升级督办"
    lines = [f"供暖所：{station_name}"] if station_name else []
    lines.append(f"{stage_label}时限：{due_text}")
    if alert.level == AlertLevel.ESCALATED:
        lines.append(f"已超时 {_duration_text(alert.threshold_at - due_at)}")
    topic = TOPICS[AlertLevel(alert.level)]
    return Message.about_ticket(topic=topic, number=number, title=title, text="\n".join(lines))


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
        codes = {row.station_code for row, _ in created if row.station_code}
        names = dict(Station.objects.filter(code__in=codes).values_list("code", "name"))
        outgoing: list[Outgoing] = []
        for row, alert in created:
            report.messages += _alert_announce(row, alert, station_name=names.get(row.station_code, ""), out=outgoing)
            report.raised[alert.level] += 1
            lag = (alert.raised_at - alert.threshold_at).total_seconds()
            report.max_lag_seconds = max(report.max_lag_seconds, lag)
        outbox_enqueue_many(outgoing)  # the pass's messages in one insert, not a few round trips each
        SlaClock.objects.bulk_update(rows, ["next_level", "next_threshold_at"])
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


def _alert_announce(row: SlaClock, alert: Alert, *, station_name: str, out: list[Outgoing]) -> int:
    """Log the alert on its ticket and add its messages up the ladder to `out` (queued together by the
    pass); keys make a replayed pass queue nothing new."""
    number = row.ticket.number
    alert_event_record(
        ticket=row.ticket, level=alert.level, stage=alert.stage, threshold_at=alert.threshold_at, at=alert.raised_at
    )
    message = alert_message(alert=alert, number=number, due_at=row.due_at, station_name=station_name)
    targets = alert_recipients(
        stage=alert.stage, level=alert.level, station_code=alert.station_code, company_code=alert.company_code
    )
    for org_kind, org_code in targets:
        out.append(
            Outgoing(
                message=message,
                org_kind=org_kind,
                org_code=org_code,
                idempotency_key=f"alert:{alert.ticket_id}:{alert.stage}:{alert.cycle}:{alert.level}:{org_kind}:{org_code}",
            )
        )
    return len(targets)


def monitor_next_wakeup() -> dt.datetime | None:
    """When the monitor next has something to do: the earliest threshold not yet raised (None: idle)."""
    return SlaClock.objects.filter(next_threshold_at__isnull=False).aggregate(at=Min("next_threshold_at"))["at"]
