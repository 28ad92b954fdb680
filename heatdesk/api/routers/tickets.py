"""Tickets: create, search, read, act (DESIGN §8)."""

from __future__ import annotations

import json
from typing import Any, Literal

from ninja import File, Header, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from heatdesk.api.presenters import attachment_json, event_json, ticket_detail, ticket_summary
from heatdesk.core.errors import ValidationFailed
from heatdesk.tickets import selectors, services

router = Router(tags=["tickets"])

KindCode = Literal["help", "inquiry", "complaint", "suggestion", "praise"]
CategoryCode = Literal["not_warm", "leak", "no_heat", "below_standard", "billing", "service_change", "other"]
UrgencyCode = Literal["normal", "urgent"]
ChannelCode = Literal["phone", "web", "app", "community", "proactive"]


class TicketCreateIn(Schema):
    caller_phone: str = Field(min_length=5, max_length=20)
    caller_name: str = Field("", max_length=40)
    address: str = Field("", max_length=200)
    compound: str | None = None
    building: str | int | None = None
    unit: str | int | None = None
    room: str | int | None = None
    station: str | None = None
    kind: KindCode = "help"
    category: CategoryCode = "not_warm"
    urgency: UrgencyCode | None = None
    channel: ChannelCode = "phone"
    description: str = Field("", max_length=4000)
    repeat_of: str | None = None
    dispatch: bool = False


class TicketListQuery(Schema):
    status: str | None = None
    station: str | None = None
    phone: str | None = None
    q: str | None = None
    overdue: bool | None = None
    owner: str | None = None
    category: CategoryCode | None = None
    urgency: UrgencyCode | None = None
    open: bool = False
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


def _as_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


@router.post("", response={200: dict, 201: dict})
def ticket_create(request, payload: TicketCreateIn, idempotency_key: str = Header("", alias="Idempotency-Key")):
    """Open a ticket (新建工单). Same Idempotency-Key → the same ticket, never a second one.

    The response lists the caller's and the building's open tickets (`related_open_tickets`); with
    `repeat_of` the call is attached to that ticket as a repeat call (which urges it).
    """
    user = request.auth
    data = payload.dict()
    repeat_of, dispatch = data.pop("repeat_of"), data.pop("dispatch")
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
        result = services.ticket_intake(actor=user, call=call, dispatch=dispatch)
    body = ticket_detail(result.ticket, viewer=user)
    body["repeat_call"] = result.repeat_call
    body["related_open_tickets"] = [ticket_summary(t, viewer=user) for t in result.related_open]
    return Status(201 if result.created else 200, body)


@router.get("", response=dict)
def ticket_list(request, query: Query[TicketListQuery]):
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
    count = tickets.count()
    start = (query.page - 1) * query.page_size
    page = tickets[start : start + query.page_size]
    return {
        "count": count,
        "page": query.page,
        "page_size": query.page_size,
        "items": [ticket_summary(t, viewer=user) for t in page],
    }


@router.get("/{number}", response=dict)
def ticket_get(request, number: str):
    """Every field, milestone, deadline, the owner, the station with its code, and the event log."""
    return ticket_detail(selectors.ticket_get_visible(user=request.auth, number=number), viewer=request.auth)


@router.get("/{number}/events", response=list[dict])
def ticket_events(request, number: str):
    """The ticket's append-only event log, oldest first."""
    ticket = selectors.ticket_get_visible(user=request.auth, number=number)
    return [event_json(e) for e in ticket.events.select_related("actor").order_by("at", "id")]


@router.post("/{number}/attachments", response={201: dict})
def ticket_attachment_upload(request, number: str, file: File[UploadedFile]):
    """Upload a photo (multipart field `file`; JPEG, PNG, GIF, WebP or HEIC)."""
    attachment = services.ticket_attachment_add(actor=request.auth, number=number, upload=file)
    return Status(201, attachment_json(attachment))


@router.get("/{number}/attachments", response=list[dict])
def ticket_attachment_list(request, number: str):
    ticket = selectors.ticket_get_visible(user=request.auth, number=number)
    return [attachment_json(a) for a in ticket.attachments.select_related("uploaded_by")]


def _json_object(request) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationFailed("请求体不是合法 JSON / body is not valid JSON") from error
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ValidationFailed("请求体须为 JSON 对象 / body must be a JSON object")
    return body


@router.post(
    "/{number}/{action}",
    response=dict,
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}, "required": False}},
)
def ticket_action(request, number: str, action: str):
    """Apply a lifecycle action: guide, dispatch, accept, depart, arrive, note, resolve, return, extend,
    approve-extension, urge, callback, close-unreached, transfer, merge. Body fields per DESIGN §8."""
    ticket = services.ticket_act(
        actor=request.auth, number=number, action=action.replace("_", "-"), payload=_json_object(request)
    )
    return ticket_detail(ticket, viewer=request.auth)
