"""The SLA monitor (实时督办): every running stage clock raises each of its thresholds once, on time.

The rules (DESIGN §2, §4):
- warning (预警) at warn_at, overdue (超时) at due_at, escalated (升级) at due_at + escalate_after().
  A pass raises every level whose threshold has passed, so a worker that was down catches up.
- At most one Alert per ticket, stage and level (a unique constraint). A stage met in time raises
  nothing: meeting it clears the clock's next threshold in the ticket's own transaction.
- Each alert's outbox messages commit in the same transaction as the alert, so a crash loses or
  doubles neither. Who is told climbs the ladder station → company → city heating office (供热办);
  the desk also hears of the stages that are its own work (dispatch and callback).
- Several workers share the work on PostgreSQL: FOR UPDATE SKIP LOCKED over the clock and its
  ticket, so the monitor never waits for a ticket being changed nor a ticket service for the
  monitor. On SQLite one IMMEDIATE transaction at a time holds the write lock.

Only SlaClock and Alert rows are read here (sla sits below tickets); the ticket number for messages
comes through the clock's relation.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from heatdesk.core import clock
from heatdesk.geo.models import Station
from heatdesk.notify.models import OrgKind, Topic
from heatdesk.notify.services import outbox_enqueue
from heatdesk.sla.models import Alert, AlertLevel, SlaClock, Stage
from heatdesk.sla.selectors import sla_next_threshold_at
from heatdesk.sla.services import clock_next_threshold, escalate_after

logger = logging.getLogger("heatdesk.sla.monitor")

REGULATOR_CODE = "city"  # the city heating office (供热办): org_kind "regulator", one per city
DESK_CODE = "city"  # the city's 12345 heating desk (供热专席): org_kind "desk"
DESK_STAGES = frozenset({Stage.DISPATCH, Stage.CALLBACK})  # stages the desk itself must finish
STAGE_LABELS = {Stage.DISPATCH: "派单", Stage.RESPONSE: "响应", Stage.RESOLUTION: "处置", Stage.CALLBACK: "回访"}
LEVEL_LABELS = {AlertLevel.WARNING: "预警", AlertLevel.OVERDUE: "超时", AlertLevel.ESCALATED: "升级"}
TOPICS = {
    AlertLevel.WARNING: Topic.ALERT_WARNING,
    AlertLevel.OVERDUE: Topic.ALERT_OVERDUE,
    AlertLevel.ESCALATED: Topic.ALERT_ESCALATED,
}
_NEEDS_QUOTES = re.compile(r'[\s"=]')

# Called with each new alert inside the transaction that raises it (e.g. the tickets app writing an
# `alert_<level>` event). sla may not import tickets, so tickets registers here from its AppConfig.
AlertListener = Callable[[Alert], None]
_listeners: list[AlertListener] = []


def alert_listener_add(listener: AlertListener) -> None:
    """Run `listener(alert)` for every alert raised from now on, in the alert's own transaction."""
    if listener not in _listeners:
        _listeners.append(listener)


def alert_listener_remove(listener: AlertListener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def log_event(severity: int, event: str, /, **fields: Any) -> None:
    """One structured log line, `event key=value …`. Callers never pass phone numbers or addresses."""
    parts = [event]
    for key, value in fields.items():
        text = str(value)
        if not text or _NEEDS_QUOTES.search(text):
            text = json.dumps(text, ensure_ascii=False)
        parts.append(f"{key}={text}")
    logger.log(severity, " ".join(parts))


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


def alert_thresholds(row: SlaClock) -> list[tuple[str, dt.datetime]]:
    """The ladder of one clock, in order: (level, when it is due to be raised)."""
    return [
        (AlertLevel.WARNING, row.warn_at),
        (AlertLevel.OVERDUE, row.due_at),
        (AlertLevel.ESCALATED, row.due_at + escalate_after()),
    ]


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


def alert_message(*, alert: Alert, number: str, due_at: dt.datetime, station_name: str = "") -> dict[str, Any]:
    """The work-group message of an alert: 【超时】工单 GR… 响应超时（时限 11-26 18:30）. No phone, no address."""
    stage_label = STAGE_LABELS.get(alert.stage, alert.stage)
    due_text = timezone.localtime(due_at).strftime("%m-%d %H:%M")
    where = f"{station_name}，" if station_name else ""
    if alert.level == AlertLevel.WARNING:
        title = f"【预警】工单 {number} {stage_label}即将超时（{where}时限 {due_text}）"
    elif alert.level == AlertLevel.OVERDUE:
        title = f"【超时】工单 {number} {stage_label}超时（{where}时限 {due_text}）"
    else:
        late = _duration_text(alert.threshold_at - due_at)
        title = f"【升级】工单 {number} {stage_label}超时已逾 {late}，升级督办（{where}时限 {due_text}）"
    return {
        "title": title,
        "text": title,
        "ticket_number": number,
        "stage": alert.stage,
        "stage_label": stage_label,
        "level": alert.level,
        "level_label": LEVEL_LABELS[AlertLevel(alert.level)],
        "threshold_at": timezone.localtime(alert.threshold_at).isoformat(),
        "due_at": timezone.localtime(due_at).isoformat(),
        "station": alert.station_code or None,
        "station_name": station_name or None,
        "company": alert.company_code or None,
        "path": f"/tickets/{number}/",
    }


def _raised_levels(rows: list[SlaClock]) -> dict[tuple[int, str], set[str]]:
    raised: dict[tuple[int, str], set[str]] = defaultdict(set)
    stages = {(row.ticket_id, row.stage) for row in rows}
    existing = Alert.objects.filter(ticket_id__in={row.ticket_id for row in rows}).values_list(
        "ticket_id", "stage", "level"
    )
    for ticket_id, stage, level in existing:
        if (ticket_id, stage) in stages:
            raised[(ticket_id, stage)].add(level)
    return raised


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
                    defaults={
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


def monitor_pass(*, now: dt.datetime | None = None, limit: int = 500) -> MonitorReport:
    """Raise every passed threshold of up to `limit` due clocks, with their messages, in one transaction.

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
        raised = _raised_levels(rows)
        raised_at = at if now is not None else clock.now()
        pending: list[tuple[SlaClock, Alert]] = []
        for row in rows:
            levels = raised[(row.ticket_id, row.stage)]
            ladder = alert_thresholds(row) if row.met_at is None else []
            for level, threshold in ladder:
                if threshold > at:
                    break
                if level not in levels:
                    levels.add(level)
                    alert = Alert(
                        ticket_id=row.ticket_id,
                        stage=row.stage,
                        level=level,
                        station_code=row.station_code,
                        company_code=row.company_code,
                        threshold_at=threshold,
                        raised_at=raised_at,
                    )
                    pending.append((row, alert))
            row.next_threshold_at = clock_next_threshold(row, levels)
        created = _alerts_insert(pending)
        names = dict(
            Station.objects.filter(code__in={row.station_code for row, _ in created if row.station_code}).values_list(
                "code", "name"
            )
        )
        for row, alert in created:
            report.messages += _alert_announce(row, alert, station_name=names.get(row.station_code, ""))
            report.raised[alert.level] += 1
            lag = (alert.raised_at - alert.threshold_at).total_seconds()
            report.max_lag_seconds = max(report.max_lag_seconds, lag)
            for listener in list(_listeners):
                listener(alert)
        SlaClock.objects.bulk_update(rows, ["next_threshold_at"])
    for row, alert in created:
        log_event(
            logging.INFO,
            "sla.alert_raised",
            ticket=row.ticket.number,
            stage=alert.stage,
            level=alert.level,
            station=alert.station_code or "-",
            threshold_at=alert.threshold_at.isoformat(),
            lag_ms=round((alert.raised_at - alert.threshold_at).total_seconds() * 1000),
        )
    return report


def _alert_announce(row: SlaClock, alert: Alert, *, station_name: str) -> int:
    """Queue the alert's messages up the ladder; keys make a replayed pass queue nothing new."""
    number = row.ticket.number
    payload = alert_message(alert=alert, number=number, due_at=row.due_at, station_name=station_name)
    targets = alert_recipients(
        stage=alert.stage, level=alert.level, station_code=alert.station_code, company_code=alert.company_code
    )
    for org_kind, org_code in targets:
        outbox_enqueue(
            topic=str(TOPICS[AlertLevel(alert.level)]),
            org_kind=org_kind,
            org_code=org_code,
            payload=payload,
            idempotency_key=f"alert:{alert.ticket_id}:{alert.stage}:{alert.level}:{org_kind}:{org_code}",
        )
    return len(targets)


def monitor_next_wakeup() -> dt.datetime | None:
    """When the monitor next has something to do: the earliest threshold not yet raised (None: idle)."""
    return sla_next_threshold_at()
