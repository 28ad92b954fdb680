"""Reads of the outbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, Q

from heatdesk.accounts.models import READ_ALL_ROLES, Role, User
from heatdesk.geo.models import Company, Station
from heatdesk.notify.models import Channel, OrgKind, OutboxMessage, OutboxStatus


def outbox_next_due_at() -> dt.datetime | None:
    """Earliest `next_attempt_at` of pending messages (a claimed one's lease end included); None if idle.

    The worker sleeps until then (bounded by its own poll interval, since new rows may arrive sooner).
    """
    due = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).aggregate(earliest=Min("next_attempt_at"))
    earliest: dt.datetime | None = due["earliest"]
    return earliest


@dataclass(frozen=True)
class GroupKey:
    """A work group: an organisation's robots together, as (org_kind, org_code)."""

    org_kind: str
    org_code: str

    @property
    def slug(self) -> str:
        return f"{self.org_kind}:{self.org_code}"


def groups_visible_to(*, user: User) -> list[GroupKey]:
    """The work groups whose messages this user may read: the desk, the regulator and admins all; a
    company its own and its stations'; a station its own. Everyone else none."""
    if user.role in READ_ALL_ROLES or user.is_superuser:
        keys = set(OutboxMessage.objects.values_list("org_kind", "org_code").distinct())
        keys |= set(Channel.objects.values_list("org_kind", "org_code").distinct())
        return sorted((GroupKey(kind, code) for kind, code in keys), key=_group_order)
    if user.role == Role.COMPANY and user.company is not None:
        codes = Station.objects.filter(company=user.company).values_list("code", flat=True)
        stations = [GroupKey(str(OrgKind.STATION), code) for code in sorted(codes)]
        return [GroupKey(str(OrgKind.COMPANY), user.company.code), *stations]
    if user.role == Role.STATION and user.station is not None:
        return [GroupKey(str(OrgKind.STATION), user.station.code)]
    return []


def _group_order(key: GroupKey) -> tuple[int, str]:
    order = {OrgKind.DESK: 0, OrgKind.REGULATOR: 1, OrgKind.COMPANY: 2, OrgKind.STATION: 3}
    return order.get(OrgKind(key.org_kind), 9), key.org_code


def group_messages(*, group: GroupKey, limit: int = 20) -> list[OutboxMessage]:
    """What a group was sent, newest first, with the robot each went to."""
    rows = OutboxMessage.objects.filter(org_kind=group.org_kind, org_code=group.org_code).select_related("channel")
    return list(rows.order_by("-id")[:limit])


def group_message_visible(*, user: User, message_id: int) -> OutboxMessage | None:
    """The message if it went to a group this user may read."""
    row = OutboxMessage.objects.filter(pk=message_id).first()
    if row is None or GroupKey(row.org_kind, row.org_code) not in groups_visible_to(user=user):
        return None
    return row


@dataclass(frozen=True)
class DeliveryHealth:
    """A group's delivery health for the wall: messages waiting, and failed in the last hour."""

    group: GroupKey
    name: str
    pending: int
    failed_last_hour: int


def delivery_health(*, groups: list[GroupKey], now: dt.datetime) -> list[DeliveryHealth]:
    """Pending and recently failed messages per group (only groups with something to show)."""
    since = now - dt.timedelta(hours=1)
    pending = Count("id", filter=Q(status=OutboxStatus.PENDING))
    # A failed message's last attempt is its last claim.
    failed = Count("id", filter=Q(status=OutboxStatus.FAILED, claimed_at__gte=since))
    counts = {
        (row["org_kind"], row["org_code"]): (row["pending"], row["failed"])
        for row in OutboxMessage.objects.filter(Q(status=OutboxStatus.PENDING) | Q(status=OutboxStatus.FAILED))
        .values("org_kind", "org_code")
        .annotate(pending=pending, failed=failed)
    }
    shown = [key for key in groups if any(counts.get((key.org_kind, key.org_code), (0, 0)))]
    return [
        DeliveryHealth(
            group=key,
            name=group_name(key),
            pending=counts[key.org_kind, key.org_code][0],
            failed_last_hour=counts[key.org_kind, key.org_code][1],
        )
        for key in shown
    ]


def group_name(key: GroupKey) -> str:
    """The organisation's name as people say it: 12345 供热专席, 供热办, the company's, the station's."""
    if key.org_kind == OrgKind.DESK:
        return "12345 供热专席"
    if key.org_kind == OrgKind.REGULATOR:
        return "供热办"
    model = Station if key.org_kind == OrgKind.STATION else Company
    name = model.objects.filter(code=key.org_code).values_list("name", flat=True).first()
    return str(name or key.org_code)
