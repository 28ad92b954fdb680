"""Typed edges of the tickets API: the JSON names of DESIGN §8, as request and response schemas.

The services still check every rule (a handler refuses an empty `reason` with its own message); these
schemas give the OpenAPI document its properties and turn wrong types into 422 before any service runs.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field, StrictBool, WithJsonSchema

KindCode = Literal["help", "inquiry", "complaint", "suggestion", "praise"]
CategoryCode = Literal["not_warm", "leak", "no_heat", "below_standard", "billing", "service_change", "other"]
UrgencyCode = Literal["normal", "urgent"]
ChannelCode = Literal["phone", "web", "app", "community", "proactive"]
StatusCode = Literal["received", "dispatched", "accepted", "resolved", "closed", "returned", "merged"]
SatisfactionCode = Literal["very_satisfied", "satisfied", "fairly_satisfied", "not_satisfied"]
CauseCode = Literal[
    "air_lock",
    "valve",
    "filter_blocked",
    "pipe_leak",
    "supply_low",
    "balancing",
    "indoor_system",
    "building_insulation",
    "not_heating_issue",
    "other",
]
# Times are ISO 8601 strings with the desk's offset (DESIGN §8), written by the presenters.
IsoTime = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]


# ---- requests -------------------------------------------------------------------------------------


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
    repeat_of: str | None = Field(None, description="an open ticket's number: register a repeat call instead")
    dispatch: bool = False
    incident: str | None = Field(
        None, max_length=20, description="an open incident's code: attach the call (no dispatch, no clocks of its own)"
    )
    related_to: str | None = Field(
        None, max_length=20, description="关联: another household's open ticket number in the same building"
    )


class GuideIn(Schema):
    solved: StrictBool = Field(description="the guidance solved it: → resolved; else stays received")
    steps: list[str] = Field(default_factory=list, description="the guidance steps tried")
    note: str = ""


class DispatchIn(Schema):
    station: str | None = Field(None, description="a station code; default: the routed station")


class ArriveIn(Schema):
    indoor_temp: float | None = Field(None, description="indoor °C on arrival (-30…45)")


class ResolveIn(Schema):
    cause: CauseCode
    indoor_temp: float | None = None
    note: str = ""


class ReturnIn(Schema):
    reason: str


class ExtendIn(Schema):
    until: dt.datetime = Field(description="ISO 8601 with offset, after the current resolution deadline")
    reason: str


class ApproveExtensionIn(Schema):
    approved: StrictBool = True
    note: str = ""


class UrgeIn(Schema):
    note: str = ""


class CallbackIn(Schema):
    reached: StrictBool
    contacted: StrictBool | None = Field(
        None, description="是否联系: required when reached, unless the ticket was solved by phone guidance"
    )
    fixed: StrictBool | None = Field(None, description="是否解决: required when reached")
    satisfaction: SatisfactionCode | None = Field(None, description="满意度: required when reached")
    comment: str = ""
    station_controllable: StrictBool = Field(True, description="an unhappy answer redoes the ticket only if true")


class CloseUnreachedIn(Schema):
    note: str = ""


class TransferIn(Schema):
    to: str = Field(description="username of the new owner (an operator or desk lead)")
    reason: str


class MergeIn(Schema):
    into: str = Field(description="number of the open ticket this one duplicates")


class NoteIn(Schema):
    note: str


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
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(50, ge=1, le=200)


# ---- responses ------------------------------------------------------------------------------------


class OrgOut(Schema):
    code: str
    name: str


class CompoundOut(Schema):
    code: str
    name: str
    district: str


class DeadlinesOut(Schema):
    dispatch: IsoTime | None
    response: IsoTime | None
    resolution: IsoTime | None
    callback: IsoTime | None


class TicketSummaryOut(Schema):
    number: str
    status: StatusCode
    status_label: str
    kind: KindCode
    category: CategoryCode
    category_label: str
    urgency: UrgencyCode
    channel: ChannelCode
    owner: str
    station: OrgOut | None
    company: OrgOut | None
    compound: CompoundOut | None
    building: str
    unit: str
    room: str
    address: str
    caller_phone: str = Field(description="masked outside the desk and the assigned station")
    deadlines: DeadlinesOut
    created_at: IsoTime
    first_dispatched_at: IsoTime | None
    dispatched_at: IsoTime | None
    accepted_at: IsoTime | None
    departed_at: IsoTime | None
    arrived_at: IsoTime | None
    resolved_at: IsoTime | None
    closed_at: IsoTime | None
    updated_at: IsoTime
    satisfaction: SatisfactionCode | None
    reopen_count: int
    incident: str | None = Field(None, description="the code of the incident (停热事件) the call is attached to")


class EventOut(Schema):
    kind: str = Field(description="the action's code, create, attachment, or alert_<level>")
    at: IsoTime
    actor: str | None = Field(description="username; null for the system")
    actor_label: str
    data: dict[str, Any]


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str
    uploaded_by: str
    uploaded_at: IsoTime


class CallbackOut(Schema):
    at: IsoTime
    actor: str
    reached: bool
    contacted: bool | None
    fixed: bool | None
    satisfaction: SatisfactionCode | None
    comment: str
    outcome: Literal["closed", "redo", "retry"]


class SlaWindowOut(Schema):
    seconds: int
    warn_at: float


class TicketOut(TicketSummaryOut):
    caller_name: str
    description: str
    substation: OrgOut | None
    routing_confidence: float | None
    phone_resolved: bool
    guidance_steps: list[str]
    resolution_cause: str | None
    resolution_note: str
    arrival_indoor_temp: float | None
    resolved_indoor_temp: float | None
    extension_requested_until: IsoTime | None
    extension_count: int
    callback_attempts: int
    closed_unreached: bool
    return_count: int
    urge_count: int
    repeat_call_count: int
    parent: str | None
    related: list[str] = Field(default_factory=list, description="关联: numbers of the linked tickets, both ways")
    sla: dict[str, SlaWindowOut] = Field(description="the SLA windows the ticket runs under, per stage")
    attachments: list[AttachmentOut]
    callbacks: list[CallbackOut]
    allowed_actions: list[str] = Field(description="exactly the actions POST /tickets/{number}/{action} accepts now")
    events: list[EventOut]


class TicketCreateOut(TicketOut):
    repeat_call: bool
    related_open_tickets: list[TicketSummaryOut] | None = Field(
        None, description="the caller's and the building's open tickets; only with ?related=1"
    )


class TicketPageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[TicketSummaryOut]
