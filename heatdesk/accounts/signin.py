"""The one credential check behind every sign-in: /login/, /admin/login/ and POST /api/v1/auth/token.

Throttling (DESIGN §10 "login throttling"): an attempt is counted *before* its password is checked,
so parallel attempts cannot outrun the count. A (username, address) pair is locked after
`PAIR_LIMIT` failures in `WINDOW`; an address is slowed to `ADDRESS_LIMIT` failures per `WINDOW`
whatever names it tries. A name is never locked for everyone: the operator at another desk still
signs in while someone guesses their password elsewhere. Addresses come from `core.http.client_address`
(X-Forwarded-For only from HEATDESK_TRUSTED_PROXIES).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from heatdesk.accounts.models import LoginFailure, User
from heatdesk.core import clock
from heatdesk.core.errors import ErrorCode, NotAuthenticated, Throttled
from heatdesk.core.http import client_address

WINDOW = dt.timedelta(minutes=15)
PAIR_LIMIT = 5  # failed sign-ins of one name from one address
ADDRESS_LIMIT = 30  # failed sign-ins from one address, any names
KEEP_FOR = 4 * WINDOW

_PASSWORDS = ModelBackend()  # Django's check: active users only, equal time for unknown names


def _retry_after(times: list[dt.datetime], limit: int, now: dt.datetime) -> int:
    """Seconds until fewer than `limit` of these earlier attempts remain in the window."""
    oldest_that_counts = sorted(times, reverse=True)[limit - 1]
    return max(1, int((oldest_that_counts + WINDOW - now).total_seconds()) + 1)


def _attempt_count(*, username: str, address: str) -> LoginFailure:
    """Record the attempt (committed at once outside a transaction), then count it with the others:
    of N parallel attempts at most the limit see a count within it, whatever order they commit in."""
    now = clock.now()
    attempt = LoginFailure.objects.create(username=username, ip_address=address, at=now)
    recent = LoginFailure.objects.filter(at__gte=now - WINDOW, ip_address=address).exclude(pk=attempt.pk)
    for others, limit in (
        (list(recent.filter(username=username).values_list("at", flat=True)), PAIR_LIMIT),
        (list(recent.values_list("at", flat=True)), ADDRESS_LIMIT),
    ):
        if len(others) + 1 > limit:
            attempt.delete()  # a refused attempt checked no password and does not extend the lock
            retry_after = _retry_after(others, limit, now)
            raise Throttled(
                f"登录失败次数过多，请 {retry_after} 秒后再试 / too many failed sign-ins, try again in {retry_after} s",
                retry_after=retry_after,
            )
    return attempt


def credentials_check(*, request: HttpRequest | None, username: str, password: str) -> User:
    """The active user with these credentials; raises Throttled (429) or NotAuthenticated (401).

    A failure stays counted for its pair and address; a success clears its own pair only."""
    username = username[:150]
    address = client_address(request) if request is not None else "unknown"
    _attempt_count(username=username, address=address)
    user = _PASSWORDS.authenticate(request, username=username, password=password)
    if user is None:
        LoginFailure.objects.filter(at__lt=clock.now() - KEEP_FOR).delete()
        raise NotAuthenticated("用户名或密码错误 / wrong username or password", code=ErrorCode.INVALID_CREDENTIALS)
    LoginFailure.objects.filter(username=username, ip_address=address).delete()
    return user
