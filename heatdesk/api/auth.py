"""Bearer tokens and sessions, both accepted on every endpoint (DESIGN §8).

A request that carries an Authorization header is decided by its token alone: a missing, bad, expired
or revoked token is 401 on every method, never a fall-back to the session's CSRF check (403).
"""

from __future__ import annotations

from ninja.security import HttpBearer, SessionAuth

from heatdesk.accounts.services import token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        found = token_authenticate(raw_token=token)
        if found is None:
            return None
        request.user = found.user
        request.api_token = found  # POST /auth/logout revokes exactly this token
        return found.user


class SignedInSession(SessionAuth):
    """Django's session; CSRF is checked only for a signed-in session (the only case it protects)."""

    def __call__(self, request):
        if "HTTP_AUTHORIZATION" in request.META or not request.user.is_authenticated:
            return None
        return super().__call__(request)


AUTH = [BearerToken(), SignedInSession()]
