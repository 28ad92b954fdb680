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
