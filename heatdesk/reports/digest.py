"""The morning digest (早报): each work group's summary at HEATDESK_DIGEST_AT (DESIGN §11 "Work groups").

Open tickets by stage, overdue, urged, extensions waiting, yesterday's received / on-time / satisfaction
(from `reports.kpis`, the one KPI module) and the three oldest open tickets with links. One message per
group and day: the idempotency key `digest:<org_kind>:<org_code>:<date>` makes a second run (the worker
after a restart, or `heatdesk digest` by hand) queue nothing new.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import QuerySet

from heatdesk.geo.models import Company, Station
from heatdesk.notify.messages import Message, ticket_link
from heatdesk.notify.models import Channel, OrgKind, OutboxMessage, Topic
from heatdesk.notify.services import outbox_enqueue
from heatdesk.reports.kpis import kpis_compute
from heatdesk.tickets.models import SlaClock, Ticket
from heatdesk.tickets.states import OPEN_STATUSES, TicketStatus

LOCAL = ZoneInfo("Asia/Shanghai")
CITY = "city"
STAGE_OF_STATUS = {
    TicketStatus.RECEIVED: "待派单",
    TicketStatus.RETURNED: "已退回",
    TicketStatus.DISPATCHED: "待接单",
    TicketStatus.ACCEPTED: "处置中",
    TicketStatus.RESOLVED: "待回访",
}


@dataclass(frozen=True)
class DigestGroup:
    org_kind: str
    org_code: str
    name: str


def _tickets(group: DigestGroup) -> QuerySet[Ticket]:
    """A station's or company's tickets are those sent to it (dispatched at least once); the desk and
    the regulator see all."""
    sent = Ticket.objects.filter(first_dispatched_at__isnull=False)
    if group.org_kind == OrgKind.STATION:
        return sent.filter(station__code=group.org_code)
    if group.org_kind == OrgKind.COMPANY:
        return sent.filter(station__company__code=group.org_code)
    return Ticket.objects.all()


def _rate(kpi: dict) -> str:
    value = kpi.get("value")
    return "—" if value is None else f"{float(value) * 100:.1f}%"


def digest_message(*, group: DigestGroup, day: dt.date, now: dt.datetime) -> Message:
    """The digest card of one group for the morning of `day` (yesterday = the day before)."""
    scope = _tickets(group)
    open_tickets = scope.filter(status__in=OPEN_STATUSES)
    by_stage = {label: open_tickets.filter(status=status).count() for status, label in STAGE_OF_STATUS.items()}
    overdue = SlaClock.objects.filter(ticket__in=open_tickets, met_at__isnull=True, due_at__lt=now)
    start = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(0), tzinfo=LOCAL)
    kpis = kpis_compute(
        tickets=scope.filter(created_at__gte=start, created_at__lt=start + dt.timedelta(days=1)), as_of=now
    )
    facts = [
        ("在办", " · ".join(f"{label} {count}" for label, count in by_stage.items())),
        ("超时", str(overdue.values("ticket").distinct().count())),
        ("被催办", str(open_tickets.filter(urge_count__gt=0).count())),
        ("待批延期", str(open_tickets.filter(extension_requested_until__isnull=False).count())),
        (
            "昨日",
            f"受理 {kpis['received']['value']} · 按时响应 {_rate(kpis['response_on_time_rate'])}"
            f" · 满意率 {_rate(kpis['satisfaction_rate'])}",
        ),
    ]
    oldest = open_tickets.select_related("compound").order_by("created_at")[:3]
    lines = [
        f"[{t.number}]({ticket_link(t.number)}) {t.compound.name if t.compound else ''} {t.get_status_display()}"
        for t in oldest
    ]
    text = "最久未办结：\n" + "\n".join(lines) if lines else "没有未办结工单"
    return Message(topic=Topic.DIGEST, title=f"【早报】{group.name} {day:%m-%d}", text=text, facts=tuple(facts))


def digest_groups() -> list[DigestGroup]:
    """Every organisation that has a work group: the desk, the regulator, each company and station."""
    configured = set(Channel.objects.filter(is_active=True).values_list("org_kind", "org_code"))
    groups = [
        DigestGroup(str(OrgKind.DESK), CITY, "12345 供热专席"),
        DigestGroup(str(OrgKind.REGULATOR), CITY, "供热办"),
    ]
    groups += [DigestGroup(str(OrgKind.COMPANY), c, n) for c, n in Company.objects.values_list("code", "name")]
    groups += [DigestGroup(str(OrgKind.STATION), c, n) for c, n in Station.objects.values_list("code", "name")]
    return [g for g in groups if (g.org_kind, g.org_code) in configured]


def digest_send(*, day: dt.date, now: dt.datetime) -> int:
    """Queue the morning digest of `day` to every configured group; returns the groups queued (a
    group already sent that day's digest queues nothing again)."""
    sent = 0
    for group in digest_groups():
        key = f"digest:{group.org_kind}:{group.org_code}:{day.isoformat()}"
        if OutboxMessage.objects.filter(request_key=key).exists():
            continue
        with transaction.atomic():
            message = digest_message(group=group, day=day, now=now)
            outbox_enqueue(message=message, org_kind=group.org_kind, org_code=group.org_code, idempotency_key=key)
        sent += 1
    return sent


@dataclass
class DigestJob:
    """The worker's daily job: once the local time passes `at`, send today's digest (idempotent per day)."""

    at: dt.time
    last_day: dt.date | None = None

    def run_due(self, now: dt.datetime) -> int:
        local = now.astimezone(LOCAL)
        if local.time() < self.at or self.last_day == local.date():
            return 0
        self.last_day = local.date()
        return digest_send(day=local.date(), now=now)
