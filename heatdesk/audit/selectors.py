"""Reads of the audit log: admins only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from heatdesk.accounts.models import Role, User
from heatdesk.audit.models import AuditEntry
from heatdesk.core.errors import PermissionDenied


@dataclass(frozen=True)
class AuditFilters:
    action: str | None = None
    actor: str | None = None  # username
    since: dt.datetime | None = None  # at or after
    until: dt.datetime | None = None  # before
    object_type: str | None = None
    object_id: str | None = None


def audit_reader(user: User | AnonymousUser) -> bool:
    """Only the system's keepers read the audit log."""
    return isinstance(user, User) and user.is_active and (user.is_superuser or user.role == Role.ADMIN)


def audit_entries_visible_to(*, user: User, filters: AuditFilters) -> QuerySet[AuditEntry]:
    """Entries matching the filters, newest first; PermissionDenied unless the user is an admin."""
    if not audit_reader(user):
        raise PermissionDenied("只有系统管理员可以查看审计日志 / only an admin may read the audit log")
    entries = AuditEntry.objects.select_related("actor").order_by("-at", "-id")
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.actor:
        entries = entries.filter(actor_username=filters.actor)
    if filters.since:
        entries = entries.filter(at__gte=filters.since)
    if filters.until:
        entries = entries.filter(at__lt=filters.until)
    if filters.object_type:
        entries = entries.filter(object_type=filters.object_type)
    if filters.object_id:
        entries = entries.filter(object_id=filters.object_id)
    return entries
