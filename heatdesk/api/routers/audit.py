"""The audit log (DESIGN §11 "Operations"): reads of full phones and of the vulnerable register, and
changes to SLA policy, guidance, work groups and users. Admins only."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from heatdesk.audit.models import AuditEntry
from heatdesk.audit.selectors import AuditFilters, audit_entries_visible_to
from heatdesk.core.errors import ValidationFailed

router = Router(tags=["audit"])

AuditActionCode = Literal[
    "phone_read",
    "vulnerable_read",
    "sla_policy_change",
    "guidance_change",
    "channel_change",
    "user_change",
    "pii_purge",
]
EARLIEST_YEAR, LATEST_YEAR = 2000, 9000


class AuditQuery(Schema):
    model_config = ConfigDict(populate_by_name=True)

    action: AuditActionCode | None = None
    actor: str | None = Field(None, max_length=150, description="操作人账号 / the actor's username")
    date_from: dt.datetime | None = Field(
        None, alias="from", description="at or after (ISO 8601; a date is its midnight, Hohhot time)"
    )
    date_to: dt.datetime | None = Field(None, alias="to", description="before (ISO 8601)")
    object_type: str | None = Field(None, max_length=40, description="ticket | user | sla_policy | …")
    object_id: str | None = Field(None, max_length=64)
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


class AuditEntryOut(Schema):
    id: int
    at: str
    actor: str | None = Field(description="username; null for the system")
    action: str
    object_type: str
    object_id: str
    detail: dict[str, Any]
    ip: str | None


class AuditPageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[AuditEntryOut]


def _moment(value: dt.datetime | None, name: str) -> dt.datetime | None:
    if value is None:
        return None
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationFailed(
            f"{name} 须在 {EARLIEST_YEAR}–{LATEST_YEAR} 年之间 / {name} must lie in {EARLIEST_YEAR}–{LATEST_YEAR}",
            details=[{"field": name}],
        )
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _text(value: str | None, name: str) -> str | None:
    if value is not None and "\x00" in value:
        raise ValidationFailed(f"{name} 含有非法字符 / {name} contains a NUL byte", details=[{"field": name}])
    return value or None


def _entry(entry: AuditEntry) -> dict:
    return {
        "id": entry.id,
        "at": timezone.localtime(entry.at).isoformat(),
        "actor": entry.actor_username or None,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "detail": entry.detail,
        "ip": entry.ip,
    }


@router.get("", response=AuditPageOut)
def audit_list(request, query: Query[AuditQuery]):
    """Audit entries newest first; filters: action, actor (username), from, to, object_type, object_id."""
    filters = AuditFilters(
        action=query.action,
        actor=_text(query.actor, "actor"),
        since=_moment(query.date_from, "from"),
        until=_moment(query.date_to, "to"),
        object_type=_text(query.object_type, "object_type"),
        object_id=_text(query.object_id, "object_id"),
    )
    entries = audit_entries_visible_to(user=request.auth, filters=filters)
    start = (query.page - 1) * query.page_size
    return {
        "count": entries.count(),
        "page": query.page,
        "page_size": query.page_size,
        "items": [_entry(entry) for entry in entries[start : start + query.page_size]],
    }
