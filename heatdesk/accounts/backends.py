"""The authentication backend: Django's `authenticate()` (the admin's login, any future login form)
goes through the same throttled credential check as /login/ and the API token endpoint."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from heatdesk.accounts.signin import credentials_check
from heatdesk.core.errors import NotAuthenticated, Throttled


class ThrottledModelBackend(ModelBackend):
    """ModelBackend whose password check is `accounts.signin.credentials_check`."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        try:
            return credentials_check(request=request, username=username, password=password)
        except NotAuthenticated:
            return None
        except Throttled as error:
            if request is not None:
                request.sign_in_throttled = error  # the form that called authenticate() may say why
            raise PermissionDenied(error.message) from error  # stops authenticate(): no other backend
