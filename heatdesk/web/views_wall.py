"""督办大屏 (the supervisor's wall): clocks by stage, at-risk and overdue tickets, urge in one click,
per-station counts and today's figures. Scoped to the viewer; the regulator and companies read only."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from heatdesk.accounts.models import Role
from heatdesk.core import clock
from heatdesk.core.errors import DomainError
from heatdesk.supervision.wall import wall_for
from heatdesk.tickets.services import ticket_act
from heatdesk.tickets.states import TRANSITIONS, Action
from heatdesk.web.access import DESK, WALL_VIEWERS, is_htmx, role_required
from heatdesk.web.selectors import lead_queue
from heatdesk.web.wall import wall_incidents, wall_today


def _wall_context(request) -> dict:
    now = clock.now()
    board = wall_for(user=request.user, now=now)
    return {
        "wall": board,
        "today": wall_today(user=request.user, now=now),
        "incidents": wall_incidents(user=request.user, now=now),
        "now": now,
        "queue": lead_queue(user=request.user, rows=False) if request.user.role == Role.DESK_LEAD else None,
        "can_urge": request.user.role in TRANSITIONS[Action.URGE].roles,
    }


@require_GET
@role_required(*WALL_VIEWERS)
def wall(request):
    return render(request, "web/wall/wall.html", _wall_context(request))


@require_GET
@role_required(*WALL_VIEWERS)
def wall_live(request):
    """The wall's live part, polled every few seconds (fragment)."""
    return render(request, "web/wall/_live.html", _wall_context(request))


@require_POST
@role_required(*DESK)
def wall_urge(request, number: str):
    """催办 in one click; the button becomes a note of what was done (or why it was refused)."""
    try:
        ticket = ticket_act(
            actor=request.user,
            number=number,
            action=Action.URGE,
            payload={"note": request.POST.get("note", "").strip() or "督办大屏催办"},
        )
    except DomainError as error:
        context = {"number": number, "error": error.message}
    else:
        context = {"number": number, "ticket": ticket}
    if not is_htmx(request):
        return redirect("web:wall")
    return render(request, "web/wall/_urged.html", context)
