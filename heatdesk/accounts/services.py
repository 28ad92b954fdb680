"""Writes for accounts: creating users, issuing bearer tokens, throttling failed sign-ins."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest

from heatdesk.accounts.models import ApiToken, LoginFailure, Role, User
from heatdesk.core import clock
from heatdesk.core.errors import ErrorCode, NotAuthenticated, Throttled, ValidationFailed

TOKEN_LIFETIME = dt.timedelta(days=30)
THROTTLE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_ADDRESS = 30

ORG_FIELD_BY_ROLE = {Role.STATION: "station", Role.COMPANY: "company", Role.COMMUNITY: "community"}


def _hash(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def user_upsert(
    *,
    username: str,
    role: str,
    password: str | None = None,
    password_hash: str | None = None,
    station: Model | None = None,
    company: Model | None = None,
    community: Model | None = None,
    job_number: str = "",
    display_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> tuple[User, bool]:
    """Create the user or bring an existing one to these values; True when anything changed.

    Give either the plain `password` or an already computed `password_hash`.
    """
    if (password is None) == (password_hash is None):
        raise ValidationFailed("需要密码或密码散列之一 / give a password or a password hash")
    if role not in Role.values:
        raise ValidationFailed(f"未知角色 / unknown role: {role}")
    org_field = ORG_FIELD_BY_ROLE.get(Role(role))
    orgs = {"station": station, "company": company, "community": community}
    if org_field and orgs[org_field] is None:
        raise ValidationFailed(f"角色 {role} 需要所属单位 / role {role} needs its {org_field}")
    values = {
        "role": role,
        "job_number": job_number,
        "display_name": display_name,
        "is_staff": is_staff or is_superuser,
        "is_superuser": is_superuser,
        **orgs,
    }
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        if user is None:
            user = User(username=username, **values)
            if password_hash is not None:
                user.password = password_hash
            else:
                user.set_password(password)
            user.save()
            return user, True
        changed = False
        for name, value in values.items():
            if getattr(user, name) != value:
                setattr(user, name, value)
                changed = True
        if password_hash is not None and user.password != password_hash:
            user.password = password_hash
            changed = True
        elif password is not None and not user.check_password(password):
            user.set_password(password)
            changed = True
        if changed:
            user.save()
        return user, changed


def login_throttle_check(*, username: str, ip_address: str) -> None:
    """Refuse a sign-in attempt while too many recent ones failed for this name or address."""
    now = clock.now()
    since = now - THROTTLE_WINDOW
    recent = LoginFailure.objects.filter(at__gte=since)
    for failures, limit in (
        (recent.filter(username=username), MAX_FAILURES_PER_USERNAME),
        (recent.filter(ip_address=ip_address), MAX_FAILURES_PER_ADDRESS),
    ):
        times = list(failures.order_by("-at").values_list("at", flat=True)[:limit])
        if len(times) >= limit:
            retry_after = max(1, int((times[-1] + THROTTLE_WINDOW - now).total_seconds()) + 1)
            raise Throttled(
                f"登录失败次数过多，请 {retry_after} 秒后再试 / too many failed sign-ins, try again in {retry_after} s",
                retry_after=retry_after,
            )


def login_failure_record(*, username: str, ip_address: str) -> None:
    LoginFailure.objects.create(username=username[:150], ip_address=ip_address[:45], at=clock.now())
    LoginFailure.objects.filter(at__lt=clock.now() - 4 * THROTTLE_WINDOW).delete()


def credentials_check(*, request: HttpRequest | None, username: str, password: str, ip_address: str) -> User:
    """The user for these credentials, with throttling; raises NotAuthenticated or Throttled."""
    login_throttle_check(username=username, ip_address=ip_address)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        login_failure_record(username=username, ip_address=ip_address)
        raise NotAuthenticated("用户名或密码错误 / wrong username or password", code=ErrorCode.INVALID_CREDENTIALS)
    LoginFailure.objects.filter(username=username).delete()
    return user


def token_issue(*, request: HttpRequest | None, username: str, password: str, ip_address: str) -> tuple[str, ApiToken]:
    """A new bearer token for valid credentials; the plain token is returned once and never stored."""
    user = credentials_check(request=request, username=username, password=password, ip_address=ip_address)
    raw = secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken.objects.create(user=user, key_hash=_hash(raw), created_at=now, expires_at=now + TOKEN_LIFETIME)
    return raw, token


def token_authenticate(*, raw_token: str) -> User | None:
    """The active user behind a bearer token, or None when it is unknown or expired."""
    now = clock.now()
    token = (
        ApiToken.objects.select_related("user", "user__station", "user__company", "user__community")
        .filter(key_hash=_hash(raw_token), expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
