"""Writes for accounts: creating users, issuing and revoking bearer tokens (sign-in: `accounts.signin`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

from heatdesk.accounts.models import ApiToken, Role, User
from heatdesk.accounts.signin import credentials_check
from heatdesk.core import clock
from heatdesk.core.errors import ValidationFailed
from heatdesk.core.prepared import PreparedQuery

TOKEN_LIFETIME = dt.timedelta(days=30)

ORG_FIELD_BY_ROLE = {Role.STATION: "station", Role.COMPANY: "company", Role.COMMUNITY: "community"}


def _hash(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def _password_apply(user: User, *, password: str | None, password_hash: str | None) -> bool:
    """Set the given password (plain or hashed) on the user; True when it differs from the current one."""
    if password_hash is not None and user.password != password_hash:
        user.password = password_hash
        return True
    if password is not None and not user.check_password(password):
        user.set_password(password)
        return True
    return False


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
        password_changed = _password_apply(user, password=password, password_hash=password_hash)
        if changed or password_changed:
            user.save()
        if password_changed:
            user_tokens_revoke(user=user)
        return user, changed or password_changed


def _password_stamp(user: User) -> str:
    """Changes whenever the password does (Django's session hash): a token carries the stamp it was
    issued under, so a password change by any path (admin, command, service) revokes every token."""
    return user.get_session_auth_hash()


def token_issue(*, request: HttpRequest | None, username: str, password: str) -> tuple[str, ApiToken]:
    """A new bearer token for valid credentials; the plain token is returned once and never stored."""
    user = credentials_check(request=request, username=username, password=password)
    raw = secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken.objects.create(
        user=user,
        key_hash=_hash(raw),
        password_stamp=_password_stamp(user),
        created_at=now,
        expires_at=now + TOKEN_LIFETIME,
    )
    return raw, token


# Every API request runs this one; compiled once (its ORM compile cost more than the lookup itself).
_LIVE_TOKEN = PreparedQuery(
    ApiToken,
    lambda key_hash, now: (
        ApiToken.objects.select_related("user", "user__station", "user__company", "user__community")
        .filter(key_hash=key_hash)
        .filter(expires_at__gt=now)[:1]
    ),
)


def token_authenticate(*, raw_token: str) -> ApiToken | None:
    """The live token (with its user) behind a bearer token; None when it is unknown, expired, or its
    user was deactivated or changed password since (those tokens are deleted on sight)."""
    now = clock.now()
    token = _LIVE_TOKEN.first(_hash(raw_token), now)
    if token is None:
        return None
    if not token.user.is_active:
        user_tokens_revoke(user=token.user)
        return None
    if not constant_time_compare(token.password_stamp, _password_stamp(token.user)):
        token.delete()
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def token_revoke(*, token: ApiToken) -> None:
    """Sign a token out (POST /api/v1/auth/logout)."""
    ApiToken.objects.filter(pk=token.pk).delete()


def user_tokens_revoke(*, user: User) -> int:
    """Revoke every token of a user (password change, deactivation); returns how many there were."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


def user_password_set(*, user: User, password: str) -> None:
    """Set a new password and revoke the user's tokens, in one transaction."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        user_tokens_revoke(user=user)


def user_deactivate(*, user: User) -> None:
    """Deactivate a user: no sign-in, no session (Django refuses inactive users), no token."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        user_tokens_revoke(user=user)


def system_user_get(*, username: str, display_name: str) -> User:
    """A system account that owns tickets filed without a person on the phone (Open311 apps, community
    visits) until an operator takes them: a desk lead nobody can sign in as (no usable password)."""
    user, created = User.objects.get_or_create(
        username=username, defaults={"role": Role.DESK_LEAD, "display_name": display_name, "is_active": True}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
