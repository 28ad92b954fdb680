"""Writes to the audit log. Call them inside the transaction of the change they record, so a change is
never kept without its entry (and an entry never outlives a change that was rolled back)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from heatdesk.accounts.models import User
from heatdesk.audit.models import AuditAction, AuditEntry
from heatdesk.core import clock
from heatdesk.core.http import client_address

# A mobile (138****5678) or landline number inside free text; letters before the digits mean a code
# such as a ticket number (GR202612010001), which stays.
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<![0-9A-Za-z])(0\d{2,3}-?)\d{3,4}(\d{4})(?!\d)")
PHONE_READ_MAX_NUMBERS = 1000
USER_FIELDS = (
    "username",
    "role",
    "is_active",
    "is_staff",
    "is_superuser",
    "station_id",
    "company_id",
    "community_id",
    "job_number",
)


def _masked(value: Any) -> Any:
    """The detail as JSON data with every phone number in its text masked, however deep; decimals, times
    and other values JSON has no type for become their text."""
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str):
        return _LANDLINE.sub(r"\1****\2", _MOBILE.sub(r"\1****\2", value))
    if isinstance(value, Mapping):
        return {str(key): _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_masked(item) for item in value]
    return _masked(str(value))


def _address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    object_type: str,
    object_id: str | int = "",
    detail: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Append one entry: who (None for the system), what, on which object, from which address.

    Phone numbers in `detail` are masked before they are stored.
    """
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    user = actor if isinstance(actor, User) and actor.is_authenticated else None
    return AuditEntry.objects.create(
        at=clock.now(),
        actor=user,
        actor_username=user.get_username() if user else "",
        action=action,
        object_type=object_type[:40],
        object_id=str(object_id)[:64],
        detail=_masked(dict(detail or {})),
        ip=_address(request),
    )


def audit_phone_read(
    *,
    actor: User | AnonymousUser | None,
    ticket_numbers: Iterable[str],
    via: str,
    request: HttpRequest | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEntry | None:
    """Record that `actor` was shown the full caller phone of these tickets through `via` (api_detail,
    ticket_page, export_csv, …). One entry per read; a bulk read keeps the first 1,000 numbers and the count.
    Nothing is written when no number was shown."""
    numbers = list(dict.fromkeys(str(number) for number in ticket_numbers))
    if not numbers:
        return None
    body: dict[str, Any] = {**(detail or {}), "via": via, "count": len(numbers)}
    body["tickets"] = numbers[:PHONE_READ_MAX_NUMBERS]
    if len(numbers) > PHONE_READ_MAX_NUMBERS:
        body["truncated"] = True
    return audit_record(
        actor=actor,
        action=AuditAction.PHONE_READ,
        object_type="ticket",
        object_id=numbers[0] if len(numbers) == 1 else "",
        detail=body,
        request=request,
    )


def user_state(user: User | None) -> dict[str, Any] | None:
    """The audited fields of a saved user (None if unsaved), to compare before and after a change."""
    if user is None or user.pk is None:
        return None
    row: dict[str, Any] | None = type(user).objects.filter(pk=user.pk).values(*USER_FIELDS, "password").first()
    return row


def audit_user_change(
    *,
    actor: User | AnonymousUser | None,
    user: User,
    before: Mapping[str, Any] | None,
    request: HttpRequest | None = None,
) -> AuditEntry | None:
    """Record a user's creation or what changed (role, activation, organisation, staff flags, password).

    `before` is `user_state(user)` taken before the save; nothing is written when nothing audited changed.
    """
    after = user_state(user) or {}
    if before is None:
        change, fields = "create", {name: after.get(name) for name in USER_FIELDS}
    else:
        change = "update"
        fields = {name: [before[name], after.get(name)] for name in USER_FIELDS if before[name] != after.get(name)}
    password_changed = before is not None and before["password"] != after.get("password")
    if before is not None and not fields and not password_changed:
        return None
    detail: dict[str, Any] = {"change": change, "username": user.get_username(), "fields": fields}
    if password_changed:
        detail["password_changed"] = True
    if before is not None and before["is_active"] and not after.get("is_active"):
        detail["deactivated"] = True
    return audit_record(
        actor=actor,
        action=AuditAction.USER_CHANGE,
        object_type="user",
        object_id=user.pk,
        detail=detail,
        request=request,
    )
