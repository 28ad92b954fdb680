"""Bearer tokens and sessions, both accepted on every endpoint (DESIGN §8)."""

from __future__ import annotations

from ninja.security import HttpBearer, django_auth

from heatdesk.accounts.services import token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        user = token_authenticate(raw_token=token)
        if user is not None:
            request.user = user
        return user


AUTH = [BearerToken(), django_auth]


def client_address(request) -> str:
    """The caller's address for throttling; behind a proxy, the first X-Forwarded-For hop."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"
