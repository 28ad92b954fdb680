"""供暖所看板 (the station's board) and the crew's phone view of a ticket."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from heatdesk.accounts.models import Role
from heatdesk.core import clock
from heatdesk.core.errors import NotFound
from heatdesk.incidents.selectors import incident_repair_calls
from heatdesk.web import selectors
from heatdesk.web.access import role_required
from heatdesk.web.views_ticket import _not_found, ticket_context
from heatdesk.web.wall import day_start

NEW_FOR = dt.timedelta(minutes=15)  # a dispatch this recent is marked 新


def _mark_repairs(board) -> None:
    """An incident's repair ticket shows as one card with the incident's call count (停热事件 · N 来电)."""
    tickets = [*board.waiting, *board.working, *board.done_today]
    repairs = incident_repair_calls(ticket_ids=[t.id for t in tickets])
    for ticket in tickets:
        ticket.incident_repair = repairs.get(ticket.id)


def _board_context(request) -> dict:
    now = clock.now()
    since = day_start(now)
    board = selectors.station_board(user=request.user, since=since)
    _mark_repairs(board)
    return {
        "board": board,
        "now": now,
        "new_since": now - NEW_FOR,
        "station": request.user.station,
        "version": selectors.station_board_version(user=request.user, since=since),
    }


@require_GET
@role_required(Role.STATION)
def station(request):
    """The board: to accept, in hand, resolved today; refreshed every 3 seconds."""
    return render(request, "web/station/board.html", _board_context(request))


@require_GET
@role_required(Role.STATION)
def station_board(request):
    """The board's live part, polled every 3 s: nothing (204) while unchanged, else the new board."""
    version = selectors.station_board_version(user=request.user, since=day_start(clock.now()))
    if request.GET.get("v") == version:
        return HttpResponse(status=204)
    return render(request, "web/station/_board_live.html", _board_context(request))


@require_GET
@role_required(Role.STATION)
def crew_ticket(request, number: str):
    """The ticket as a crew member sees it on a phone: address, phone, clock, then big buttons."""
    try:
        context = ticket_context(request, number)
    except NotFound as error:
        return _not_found(request, error)
    return render(request, "web/ticket/ticket.html", context)
