"""The authentication backend: Django's `authenticate()` (the admin's login, any future login form)
goes through the same throttled credential check as /login/ and the API token endpoint."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from heatdesk.accounts.models import User
from heatdesk.accounts.signin import credentials_check
from heatdesk.core.errors import NotAuthenticated, Throttled


class ThrottledModelBackend(ModelBackend):
    """ModelBackend whose password check is `accounts.signin.credentials_check`."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if username is None or password is None:
            return None
        try:
            return credentials_check(request=request, username=username, password=password)
        except NotAuthenticated:
            return None
        except Throttled as error:
            if request is not None:
                request.sign_in_throttled = error  # type: ignore[attr-defined]  # the form that called authenticate() may say why
            raise PermissionDenied(error.message) from error  # stops authenticate(): no other backend
