"""Who may open which page, and small request helpers shared by the page views."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from heatdesk.accounts.models import Role

DESK = (Role.OPERATOR, Role.DESK_LEAD)
WALL_VIEWERS = (Role.OPERATOR, Role.DESK_LEAD, Role.COMPANY, Role.REGULATOR, Role.ADMIN)
TICKET_READERS = (
    Role.OPERATOR,
    Role.DESK_LEAD,
    Role.STATION,
    Role.COMPANY,
    Role.COMMUNITY,
    Role.REGULATOR,
    Role.ADMIN,
)


def forbidden(request, message: str = ""):
    """The 403 page: signed in, but this page is not for this role."""
    return render(request, "web/forbidden.html", {"message": message}, status=403)


def role_required(*roles: Iterable[str] | str) -> Callable:
    """Signed-in users of these roles only: others get 403, anonymous users the login page."""
    allowed = frozenset(str(role) for role in roles)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                if is_htmx(request):  # a poll after the session ended: send the whole page to login
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = resolve_url(settings.LOGIN_URL) + "?next=" + quote(request.path)
                    return response
                return redirect_to_login(request.get_full_path())
            if user.role not in allowed and not (user.is_superuser and Role.ADMIN in allowed):
                return forbidden(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def safe_next(request, default: str) -> str:
    """The `next` the form names when it is a path on this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return default


def workspace_url(user) -> str | None:
    """Where each role works (DESIGN §1); None for roles that stay on the home page (community)."""
    names = {
        Role.OPERATOR: "web:desk",
        Role.DESK_LEAD: "web:wall",
        Role.STATION: "web:station",
        Role.COMPANY: "web:wall",
        Role.REGULATOR: "web:wall",
        Role.ADMIN: "web:wall",
    }
    name = names.get(user.role)
    return reverse(name) if name else None
