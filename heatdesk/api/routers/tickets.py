"""Tickets: create, search, read, act (DESIGN §8)."""

from __future__ import annotations

from typing import Any

from ninja import File, Header, Query, Router, Schema, Status
from ninja.files import UploadedFile

from heatdesk.api import ticket_schemas as io
from heatdesk.api.presenters import (
    SUMMARY_COLUMNS,
    attachment_json,
    event_json,
    summary_json,
    summary_phone_full,
    ticket_detail,
    ticket_summary,
)
from heatdesk.api.renderers import json_response
from heatdesk.audit.services import audit_phone_read
from heatdesk.community.care import call_with_care_urgency
from heatdesk.core.errors import NotFound, ValidationFailed
from heatdesk.incidents.services import incident_call_take
from heatdesk.tickets import selectors, services
from heatdesk.tickets.attachments import ticket_attachment_add
from heatdesk.tickets.states import Action

router = Router(tags=["tickets"])


def _as_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _audit_full_phones(request, tickets: list, *, via: str) -> None:
    """One audit entry naming the tickets whose full phone this response shows (none: nothing written)."""
    user = request.auth
    shown = [t.number for t in tickets if selectors.phone_visible_in_full(user=user, ticket=t)]
    audit_phone_read(actor=user, ticket_numbers=shown, via=via, request=request)


@router.post("", response={200: io.TicketCreateOut, 201: io.TicketCreateOut})
def ticket_create(
    request,
    payload: io.TicketCreateIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
    related: bool = False,
):
    """Open a ticket (新建工单). Same Idempotency-Key → the same ticket, never a second one.

    With `?related=1` the response lists the caller's and the building's open tickets
    (`related_open_tickets`, else null: the desk fetched them while the operator typed); with
    `repeat_of` the call is attached to that ticket as a repeat call (which urges it).
    """
    user = request.auth
    data = payload.dict()
    repeat_of, dispatch, incident = data.pop("repeat_of"), data.pop("dispatch"), data.pop("incident")
    data["related_to"] = data["related_to"] or ""
    if repeat_of:
        result = services.ticket_repeat_call_register(
            actor=user,
            number=repeat_of,
            caller_phone=data["caller_phone"],
            note=data["description"],
            idempotency_key=idempotency_key,
        )
    else:
        for name in ("building", "unit", "room"):
            data[name] = _as_text(data[name])
        call = services.TicketIntake(**data, idempotency_key=idempotency_key)
        if incident:
            if dispatch:
                raise ValidationFailed(
                    "关联停热事件的来电不单独派单 / a call attached to an incident is not dispatched on its own",
                    code="incident_call_not_dispatched",
                )
            result = incident_call_take(actor=user, code=incident, call=call)
        else:
            call, route = call_with_care_urgency(user=user, call=call, request=request)
            result = services.ticket_intake(actor=user, call=call, dispatch=dispatch, route=route)
    body = ticket_detail(result.ticket, viewer=user, fresh_events=getattr(result, "events", None))
    body["repeat_call"] = result.repeat_call
    body["related_open_tickets"] = [ticket_summary(t, viewer=user) for t in result.related_open] if related else None
    return Status(201 if result.created else 200, body)


@router.get("", response=io.TicketPageOut)
def ticket_list(request, query: Query[io.TicketListQuery]):
    """Tickets the caller may see, newest first; filters: status (comma list), station, phone, q, overdue."""
    user = request.auth
    statuses = [s for s in (query.status or "").split(",") if s] or None
    filters = selectors.TicketFilters(
        status=statuses,
        station=query.station,
        phone=query.phone,
        q=query.q,
        overdue=query.overdue,
        owner=query.owner,
        category=query.category,
        urgency=query.urgency,
        open_only=query.open,
    )
    tickets = selectors.ticket_search(user=user, filters=filters)
    start = (query.page - 1) * query.page_size
    # Plain rows of the summary's columns, not Ticket instances with seven related objects each.
    rows = list(tickets.values(*SUMMARY_COLUMNS)[start : start + query.page_size])
    if 0 < len(rows) < query.page_size or (not rows and start == 0):
        count = start + len(rows)  # a short page is the last one: no COUNT over the filter
    else:
        count = tickets.count()
    shown = [(row, summary_phone_full(row, viewer=user)) for row in rows]
    audit_phone_read(
        actor=user, ticket_numbers=[r["number"] for r, full in shown if full], via="api_list", request=request
    )
    body = {
        "count": count,
        "page": query.page,
        "page_size": query.page_size,
        "items": [summary_json(row, viewer=user, full_phone=full) for row, full in shown],
    }
    # Built here in TicketPageOut's exact shape (tests/test_ticket_list_cost.py checks it against the
    # schema), so the response skips re-validating 25-200 summaries through pydantic.
    return json_response(request, body)


@router.get("/{number}", response=io.TicketOut)
def ticket_get(request, number: str):
    """Every field, milestone, deadline, the owner, the station with its code, and the event log."""
    ticket = selectors.ticket_get_visible(user=request.auth, number=number)
    _audit_full_phones(request, [ticket], via="api_detail")
    return ticket_detail(ticket, viewer=request.auth)


@router.get("/{number}/events", response=list[io.EventOut])
def ticket_events(request, number: str):
    """The ticket's append-only event log, oldest first."""
    ticket = selectors.ticket_get_visible(user=request.auth, number=number)
    return [event_json(e) for e in ticket.events.select_related("actor").order_by("at", "id")]


@router.post("/{number}/attachments", response={201: io.AttachmentOut})
def ticket_attachment_upload(request, number: str, file: File[UploadedFile]):
    """Upload a photo (multipart field `file`; JPEG, PNG, GIF, WebP or HEIC)."""
    attachment = ticket_attachment_add(actor=request.auth, number=number, upload=file)
    return Status(201, attachment_json(attachment))


@router.get("/{number}/attachments", response=list[io.AttachmentOut])
def ticket_attachment_list(request, number: str):
    ticket = selectors.ticket_get_visible(user=request.auth, number=number)
    return [attachment_json(a) for a in ticket.attachments.select_related("uploaded_by")]


# One typed body per action (DESIGN §8); accept and depart take none.
ACTION_BODIES: dict[str, type[Schema] | None] = {
    Action.GUIDE: io.GuideIn,
    Action.DISPATCH: io.DispatchIn,
    Action.ACCEPT: None,
    Action.DEPART: None,
    Action.ARRIVE: io.ArriveIn,
    Action.NOTE: io.NoteIn,
    Action.RESOLVE: io.ResolveIn,
    Action.RETURN: io.ReturnIn,
    Action.EXTEND: io.ExtendIn,
    Action.APPROVE_EXTENSION: io.ApproveExtensionIn,
    Action.URGE: io.UrgeIn,
    Action.CALLBACK: io.CallbackIn,
    Action.CLOSE_UNREACHED: io.CloseUnreachedIn,
    Action.TRANSFER: io.TransferIn,
    Action.MERGE: io.MergeIn,
}


def _act(request, number: str, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    ticket = services.ticket_act(actor=request.auth, number=number, action=action, payload=payload)
    return ticket_detail(ticket, viewer=request.auth)


def _action_operation(action: str, body: type[Schema] | None):
    """POST /tickets/{number}/<action> with that action's typed body (an empty body means the defaults)."""
    if body is None:

        def operation(request, number: str):
            return _act(request, number, action, {})

    else:

        def operation(request, number: str, payload=None):
            return _act(request, number, action, payload.dict(exclude_none=True) if payload is not None else {})

        operation.__annotations__["payload"] = body | None
    operation.__annotations__["number"] = str
    operation.__name__ = operation.__qualname__ = f"ticket_{action.replace('-', '_')}"
    operation.__doc__ = f"{Action(action).label} ({action}): see the ticket lifecycle of DESIGN §3."
    return operation


for _action, _body in ACTION_BODIES.items():
    _operation = _action_operation(_action, _body)
    router.post(f"/{{number}}/{_action}", response=io.TicketOut, operation_id=_operation.__name__)(_operation)
    if "-" in _action:  # the underscore spelling has always been accepted too
        router.post(f"/{{number}}/{_action.replace('-', '_')}", response=io.TicketOut, include_in_schema=False)(
            _action_operation(_action, _body)
        )


@router.post("/{number}/{action}", response=io.TicketOut, include_in_schema=False)
def ticket_action_unknown(request, number: str, action: str):
    """Any other action: 404 unknown_action (after the ticket's visibility, as before)."""
    selectors.ticket_get_visible(user=request.auth, number=number)
    raise NotFound(f"未知操作 {action} / unknown action {action}", code="unknown_action")
