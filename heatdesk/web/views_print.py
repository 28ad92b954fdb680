"""派工单: one printable A4 page of a ticket for the crew (masked as the viewer sees the phone)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from heatdesk.core import clock
from heatdesk.core.errors import NotFound
from heatdesk.web import selectors
from heatdesk.web.access import TICKET_READERS, role_required
from heatdesk.web.views_ticket import _not_found


def _guidance_tried(events) -> list[str]:
    """The guidance steps the desk tried on the phone, from the guide events."""
    tried: list[str] = []
    for event in events:
        if event.kind == "guide" and isinstance(event.data, dict):
            tried.extend(str(step) for step in event.data.get("steps") or [])
    return tried


@require_GET
@role_required(*TICKET_READERS)
def ticket_print(request, number: str):
    """The work order on one A4 page: number, address, caller, content, guidance tried, deadlines, blanks."""
    now = clock.now()
    try:
        page = selectors.ticket_page(user=request.user, number=number, now=now)
    except NotFound as error:
        return _not_found(request, error)
    context = {"ticket": page.ticket, "now": now, "tried": _guidance_tried(page.events)}
    return render(request, "web/ticket/print.html", context)
