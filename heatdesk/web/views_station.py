"""供暖所看板 (the station's board) and the crew's phone view of a ticket."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
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
# A card re-sent this long after its change, so a write committed while the last poll rendered is not missed.
DIFF_MARGIN = dt.timedelta(seconds=10)
LANES = (("waiting", "waiting"), ("working", "working"), ("done", "done_today"))


def _mark_repairs(tickets: list) -> None:
    """An incident's repair ticket shows as one card with the incident's call count (停热事件 · N 来电)."""
    repairs = incident_repair_calls(ticket_ids=[t.id for t in tickets]) if tickets else {}
    for ticket in tickets:
        ticket.incident_repair = repairs.get(ticket.id)


def _board_context(request, version: str | None = None, now: dt.datetime | None = None) -> dict:
    now = now or clock.now()
    since = day_start(now)
    board = selectors.station_board(user=request.user, since=since)
    _mark_repairs([*board.waiting, *board.working, *board.done_today])
    return {
        "board": board,
        "now": now,
        "new_since": now - NEW_FOR,
        "station": request.user.station,
        "version": version or selectors.station_board_version(user=request.user, since=since),
    }


@require_GET
@role_required(Role.STATION)
def station(request):
    """The board: to accept, in hand, resolved today; refreshed every 3 seconds."""
    return render(request, "web/station/board.html", _board_context(request))


@require_GET
@role_required(Role.STATION)
def station_board(request):
    """The board's live part, polled every 3 s: nothing (204) while unchanged, else what changed.

    The page's script asks for a diff (header `X-Board-Diff`, `since` = the stamp of its last answer):
    JSON with each lane's count and card order (ticket numbers) and the markup of only the cards changed
    since then. Without it (first load, a browser without the script) the whole live part, as before.
    """
    now = clock.now()
    version = selectors.station_board_version(user=request.user, since=day_start(now))
    if request.GET.get("v") == version:
        return HttpResponse(status=204)
    since = _since(request)
    if since is None or request.headers.get("X-Board-Diff") != "1":
        response = render(request, "web/station/_board_live.html", _board_context(request, version, now))
    else:
        response = _board_diff(request, now=now, since=since, version=version)
    response["X-Board-Since"] = f"{now.timestamp():.6f}"
    response["X-Board-Version"] = version
    return response


def _since(request) -> dt.datetime | None:
    # A stamp that is no time at all (nan, inf, 1e300, -1e300) is no stamp: the whole board, never a 500.
    try:
        return dt.datetime.fromtimestamp(float(request.GET.get("since", "")), tz=dt.UTC) - DIFF_MARGIN
    except (ValueError, OverflowError, OSError):
        return None


class _ChangedCards(list):
    """A lane's changed cards, sized as the whole lane: the template's counts, "more" line and empty
    placeholder stay those of the full lane while only changed cards are rendered."""

    def __init__(self, cards, shown: int) -> None:
        super().__init__(cards)
        self.shown = shown

    def __len__(self) -> int:
        return self.shown


def _board_diff(request, *, now: dt.datetime, since: dt.datetime, version: str) -> JsonResponse:
    """Each lane's count and order from narrow reads; only the changed cards are loaded and rendered."""
    badge_from, badge_to = since - NEW_FOR, now - NEW_FOR  # the 新 badge dropped in between
    changed = Q(updated_at__gte=since) | Q(dispatched_at__gte=badge_from, dispatched_at__lt=badge_to)
    lanes = selectors.station_board_lanes(user=request.user, since=day_start(now), changed=changed)
    rows = {attr: getattr(lanes, attr) for _name, attr in LANES}
    wanted = [ticket_id for lane in rows.values() for _number, ticket_id, fresh in lane if fresh]
    cards = selectors.station_board_cards(user=request.user, ids=wanted) if wanted else {}
    _mark_repairs(list(cards.values()))
    partial = {
        attr: _ChangedCards([cards[r[1]] for r in lane if r[1] in cards], len(lane)) for attr, lane in rows.items()
    }
    diff_board = selectors.StationBoard(**partial, counts=lanes.counts)
    context = {"board": diff_board, "now": now, "new_since": now - NEW_FOR}
    html = render_to_string("web/station/_board.html", context, request=request)
    order = {name: {"count": lanes.counts[name], "order": [r[0] for r in rows[attr]]} for name, attr in LANES}
    return JsonResponse({"version": version, "lanes": order, "html": html})


@require_GET
@role_required(Role.STATION)
def crew_ticket(request, number: str):
    """The ticket as a crew member sees it on a phone: address, phone, clock, then big buttons."""
    try:
        context = ticket_context(request, number)
    except NotFound as error:
        return _not_found(request, error)
    return render(request, "web/ticket/ticket.html", context)
