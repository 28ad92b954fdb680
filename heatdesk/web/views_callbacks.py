"""回访 (callbacks): the owner's resolved tickets waiting for the citizen's word, the three questions,
retries when not reached, 重办 when not fixed, and the desk lead's close-as-unreached after three tries."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from heatdesk.accounts.models import Role
from heatdesk.core import clock
from heatdesk.core.errors import DomainError
from heatdesk.tickets.models import Satisfaction
from heatdesk.tickets.selectors import ticket_list_visible_to
from heatdesk.tickets.services import ticket_act
from heatdesk.tickets.states import Action, TicketStatus, callback_next_try
from heatdesk.web import selectors
from heatdesk.web.access import DESK, is_htmx, role_required
from heatdesk.web.actions import CALLBACK_TRIES_NEEDED, callback_payload

PAGE_SIZE = 50  # one line per ticket, its form opened on demand; the most urgent deadlines first
NEW_OVERLAP = dt.timedelta(seconds=60)  # a ticket resolved as the list was drawn still shows up


def _row_context(request, ticket, **extra) -> dict:
    return {
        "t": ticket,
        "now": clock.now(),
        "satisfactions": Satisfaction.choices,
        "next_try": callback_next_try(ticket),
        "tries_needed": CALLBACK_TRIES_NEEDED,
        "is_lead": request.user.role == Role.DESK_LEAD,
        **extra,
    }


@require_GET
@role_required(*DESK)
def callbacks(request):
    """The callback list: the operator's own resolved tickets (a desk lead sees all), oldest deadline first."""
    paginator = Paginator(selectors.callbacks_due(user=request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    now = clock.now()
    rows = [_row_context(request, ticket) for ticket in page.object_list]
    return render(
        request,
        "web/callbacks/list.html",
        {
            "rows": rows,
            "page": page,
            "now": now,
            "is_lead": request.user.role == Role.DESK_LEAD,
            "poll": _poll(since=now - NEW_OVERLAP, known=[row["t"].number for row in rows]),
        },
    )


def _poll(*, since: dt.datetime, known: list[str]) -> dict:
    return {"since": since.isoformat(), "known": ",".join(known)}


@require_GET
@role_required(*DESK)
def callbacks_new(request):
    """Polled by the callback list: rows for tickets resolved since the list was drawn, appended in place."""
    try:
        since = dt.datetime.fromisoformat(request.GET.get("since", ""))
    except ValueError:
        since = clock.now()
    known = [number for number in request.GET.get("known", "").split(",") if number][:500]
    tickets = selectors.callbacks_due(user=request.user).filter(resolved_at__gte=since).exclude(number__in=known)
    rows = [_row_context(request, ticket) for ticket in tickets[:20]]
    return render(
        request,
        "web/callbacks/_new_rows.html",
        {
            "rows": rows,
            "is_lead": request.user.role == Role.DESK_LEAD,
            "poll": _poll(since=since, known=known + [row["t"].number for row in rows]),
        },
    )


def _outcome_text(ticket) -> str:
    if ticket.status == TicketStatus.CLOSED:
        if ticket.closed_unreached:
            return _("已按未联系上办结")
        return _("回访完成，工单已办结")
    if ticket.status == TicketStatus.DISPATCHED:
        station = ticket.station.name if ticket.station else ""
        return _("市民反映未解决或不满意，已重办：重新派至 %(s)s") % {"s": station}
    return _("未接通，已记录第 %(n)s 次；请换个时间再拨") % {"n": ticket.callback_attempts}


def _respond(request, number: str, action: str, payload: dict):
    try:
        ticket = ticket_act(actor=request.user, number=number, action=action, payload=payload)
    except DomainError as error:
        if not is_htmx(request):
            messages.error(request, f"{number}：{error.message}")
            return redirect("web:callbacks")
        ticket = ticket_list_visible_to(user=request.user).filter(number=number).first()
        if ticket is None:
            return render(request, "web/callbacks/_gone.html", {"number": number, "error": error.message})
        return render(request, "web/callbacks/_row.html", _row_context(request, ticket, error=error.message))
    text = _outcome_text(ticket)
    if not is_htmx(request):
        messages.success(request, f"{number}：{text}")
        return redirect("web:callbacks")
    return render(request, "web/callbacks/_row.html", _row_context(request, ticket, outcome=text))


@require_POST
@role_required(*DESK)
def callback_submit(request, number: str):
    """The citizen's answers; the outcome (办结 / 重办 / 再拨) replaces the row's form."""
    return _respond(request, number, Action.CALLBACK, callback_payload(request.POST))


@require_POST
@role_required(Role.DESK_LEAD)
def callback_close_unreached(request, number: str):
    """未联系上办结: after three unreached tries at different times, the desk lead closes (counted apart)."""
    return _respond(request, number, Action.CLOSE_UNREACHED, {"note": request.POST.get("note", "")})
