"""The ticket page (工单详情) and the crew's view of it: every field, the SLA clocks, the event log, the
photos, and a form for each action this user may take now. Also the ticket search list."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from heatdesk.accounts.models import Role
from heatdesk.audit.services import audit_phone_read
from heatdesk.community.care import ticket_care
from heatdesk.core import clock
from heatdesk.core.errors import DomainError, ErrorCode, NotFound, PermissionDenied
from heatdesk.feedback.selectors import DESK_ROLES, sms_list_for_ticket
from heatdesk.geo.selectors import station_list
from heatdesk.tickets.attachments import IMAGE_EXTENSIONS, ticket_attachment_add
from heatdesk.tickets.models import ResolutionCause, Satisfaction
from heatdesk.tickets.selectors import phone_visible_in_full
from heatdesk.tickets.services import ticket_act
from heatdesk.tickets.states import TRANSITIONS, Action, callback_next_try
from heatdesk.web import selectors
from heatdesk.web.access import TICKET_READERS, forbidden, role_required, safe_next
from heatdesk.web.actions import CALLBACK_TRIES_NEEDED, action_payload, ticket_actions_for
from heatdesk.web.clocks import current_clock
from heatdesk.web.forms import TicketQueryForm
from heatdesk.web.timeline import step_actors, ticket_timeline

UPLOAD_ROLES = (Role.OPERATOR, Role.DESK_LEAD, Role.STATION, Role.COMMUNITY)
CAUSES = [(value, label) for value, label in ResolutionCause.choices if value != ResolutionCause.PHONE_GUIDANCE]


def _not_found(request, error: DomainError):
    return render(request, "web/not_found.html", {"message": error.message}, status=404)


def _is_crew(request) -> bool:
    return request.resolver_match.url_name == "crew-ticket" or request.POST.get("crew") == "1"


# The widest times a page can show in the desk's zone (9999-12-31 23:00 UTC is already past the calendar).
DISPLAY_EARLIEST = dt.datetime(1, 1, 2, tzinfo=dt.UTC)
DISPLAY_LATEST = dt.datetime(9999, 12, 30, tzinfo=dt.UTC)


def _displayable(*rows) -> None:
    """Clamp, in memory only, times at the calendar's edge so that rendering them in local time cannot
    overflow (a ticket extended to 9999-12-31 before extensions were bounded must still open)."""
    for row in rows:
        for field in row._meta.concrete_fields:
            value = getattr(row, field.attname)
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                setattr(row, field.attname, min(max(value, DISPLAY_EARLIEST), DISPLAY_LATEST))


def ticket_context(request, number: str, *, errors: dict | None = None, posted=None, care: bool = True) -> dict:
    """Everything the ticket page renders (raises NotFound when the user may not see the ticket). `care`: the
    stewards and the 重点关爱 flag (an audited register read), for full pages, not the live refresh."""
    now = clock.now()
    page = selectors.ticket_page(user=request.user, number=number, now=now)
    ticket = page.ticket
    _displayable(ticket)
    station_codes = {e.data.get("station") for e in page.events if isinstance(e.data, dict) and e.data.get("station")}
    stations = {s.code: s.name for s in station_list() if s.code in station_codes} if station_codes else {}
    actions = ticket_actions_for(user=request.user, ticket=ticket, now=now)
    crew = _is_crew(request)
    return {
        "page": page,
        "ticket": ticket,
        "now": now,
        "clocks": page.clocks or [c for c in [current_clock(ticket, now=now)] if c],
        "timeline": ticket_timeline(events=page.events, alerts=page.alerts, stations=stations),
        "step_actors": step_actors(page.events),
        "actions": actions,
        "action_labels": {a: Action(a).label for a in actions},
        "errors": errors or {},
        # A refusal of an action whose form is not on the page (the ticket moved on meanwhile).
        "other_errors": [text for name, text in (errors or {}).items() if name not in actions and name != "photo"],
        "posted": posted or {},
        "causes": CAUSES,
        "satisfactions": Satisfaction.choices,
        "stations": list(station_list()) if Action.DISPATCH in actions else [],
        "can_upload": request.user.role in UPLOAD_ROLES and ticket.is_open,
        "can_urge": request.user.role in TRANSITIONS[Action.URGE].roles,
        "callback_next_try": callback_next_try(ticket),
        "extend_default": _extend_default(ticket),
        "callback_tries_needed": CALLBACK_TRIES_NEEDED,
        "version": selectors.live_version(ticket, len(page.alerts)),
        "crew": crew,
        "here": reverse("web:crew-ticket" if crew else "web:ticket", args=[number]),
        "care": ticket_care(user=request.user, ticket=ticket, request=request) if care else None,
        "sms_messages": list(sms_list_for_ticket(user=request.user, number=number))
        if request.user.role in DESK_ROLES
        else None,
    }


def _extend_default(ticket) -> str:
    """A day past the current resolution deadline, as a `datetime-local` value in Hohhot time."""
    if ticket.resolution_deadline is None:
        return ""
    try:
        return timezone.localtime(ticket.resolution_deadline + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    except OverflowError:  # a deadline at the calendar's edge (data from before extensions were bounded)
        return ""


@require_GET
@role_required(*TICKET_READERS)
def ticket_detail(request, number: str):
    try:
        context = ticket_context(request, number)
    except NotFound as error:
        return _not_found(request, error)
    if phone_visible_in_full(user=request.user, ticket=context["ticket"]):
        audit_phone_read(actor=request.user, ticket_numbers=[number], via="ticket_page", request=request)
    return render(request, "web/ticket/ticket.html", context)


@require_POST
@role_required(*TICKET_READERS)
def ticket_action(request, number: str, action: str):
    """Apply one action from its form; a refusal is shown beside that form and changes nothing."""
    if action not in TRANSITIONS:
        raise Http404
    try:
        ticket_act(actor=request.user, number=number, action=action, payload=action_payload(action, request.POST))
    except NotFound as error:
        return _not_found(request, error)
    except DomainError as error:
        context = ticket_context(request, number, errors={action: error.message}, posted=request.POST)
        return render(request, "web/ticket/ticket.html", context, status=422)
    messages.success(request, _("已%(a)s") % {"a": Action(action).label})
    target = reverse("web:crew-ticket" if _is_crew(request) else "web:ticket", args=[number])
    return redirect(safe_next(request, target))  # the lead's queue acts through this door and comes back


@require_POST
@role_required(*UPLOAD_ROLES)
def ticket_photo_upload(request, number: str):
    """A photo from the phone camera or the desk (images only, size-limited by the service)."""
    upload = request.FILES.get("photo")
    try:
        if upload is None:
            raise DomainError(_("请选择照片 / choose a photo"), code=ErrorCode.FILE_MISSING)
        ticket_attachment_add(actor=request.user, number=number, upload=upload)
    except NotFound as error:
        return _not_found(request, error)
    except DomainError as error:
        context = ticket_context(request, number, errors={"photo": error.message})
        return render(request, "web/ticket/ticket.html", context, status=422)
    messages.success(request, _("照片已上传"))
    return redirect(reverse("web:crew-ticket" if _is_crew(request) else "web:ticket", args=[number]))


@require_GET
@role_required(*TICKET_READERS)
def ticket_photo(request, number: str, attachment_id: int):
    """A ticket's photo, served only to those who may see the ticket."""
    try:
        attachment = selectors.ticket_attachment_visible(user=request.user, number=number, attachment_id=attachment_id)
    except NotFound as error:
        raise Http404(error.message) from error
    # The type sniffed at upload, never guessed by the browser; inline under a name we made, not the uploader's.
    extension = IMAGE_EXTENSIONS.get(attachment.content_type, "bin")
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = f'inline; filename="{number}-{attachment.id}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@role_required(*TICKET_READERS)
def ticket_live(request, number: str):
    """Polled by the open ticket page: nothing (204) while unchanged, else the parts that changed."""
    try:
        if request.GET.get("v") == selectors.ticket_live_version(user=request.user, number=number):
            return HttpResponse(status=204)
        context = ticket_context(request, number, care=False)
    except NotFound:
        return HttpResponse(status=204)
    context["oob"] = True
    return render(request, "web/ticket/_live.html", context)


@require_GET
@role_required(*TICKET_READERS)
def ticket_list(request):
    """工单查询: filters (status, holder, stage, overdue, extension pending, phone's last four digits) and
    words, combinable and kept in the URL; newest first, 50 a page. A bad value is a message, not a 500."""
    form = TicketQueryForm(request.GET or None, user=request.user)
    context = {"form": form, "now": clock.now(), "page": None, "querystring": ""}
    if request.GET and not form.is_valid():
        return render(request, "web/ticket/list.html", context, status=400)
    query = form.query() if request.GET else selectors.TicketQuery()
    page_number = (form.cleaned_data.get("page") if request.GET else None) or 1
    try:
        page = selectors.ticket_query_page(user=request.user, query=query, page=page_number, now=context["now"])
    except PermissionDenied as error:
        return forbidden(request, error.message)
    params = request.GET.copy()
    params.pop("page", None)
    context.update(page=page, rows=page.object_list, querystring=params.urlencode(), filtered=bool(params))
    return render(request, "web/ticket/list.html", context)
