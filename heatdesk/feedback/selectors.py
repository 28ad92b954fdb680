"""Reads of the citizen loop: SMS per ticket for the desk, and the caller's view of a ticket."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from heatdesk.accounts.models import Role, User
from heatdesk.core.errors import PermissionDenied
from heatdesk.feedback.models import SmsMessage
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.selectors import phone_masked, ticket_get_visible
from heatdesk.tickets.states import TicketStatus

DESK_ROLES = frozenset({Role.OPERATOR, Role.DESK_LEAD, Role.ADMIN})


def sms_list_for_ticket(*, user: User, number: str) -> QuerySet[SmsMessage]:
    """The SMS sent (or queued) to a ticket's caller, oldest first; desk roles only."""
    if user.role not in DESK_ROLES and not user.is_superuser:
        raise PermissionDenied("只有专席可以查看短信 / only the desk may read a ticket's SMS")
    ticket = ticket_get_visible(user=user, number=number)
    return SmsMessage.objects.filter(ticket=ticket).order_by("created_at", "id")


def sms_recent(*, limit: int = 100) -> QuerySet[SmsMessage]:
    """The newest SMS of all tickets (the demo's console page)."""
    return SmsMessage.objects.select_related("ticket").order_by("-created_at", "-id")[:limit]


def sms_json(message: SmsMessage) -> dict[str, object]:
    """The API shape of DESIGN §11: {at, to (masked), kind, text, status}."""
    return {
        "at": message.sent_at or message.created_at,
        "to": phone_masked(message.to),
        "kind": message.kind,
        "text": message.text,
        "status": message.status,
    }


@dataclass(frozen=True)
class CitizenStep:
    at: dt.datetime
    text: str


@dataclass(frozen=True)
class CitizenView:
    """What the caller may see of their ticket: no names, no phone, no crew, no notes."""

    number: str
    status: str
    status_label: str
    category: str
    station: str
    steps: list[CitizenStep]
    deadline_label: str
    deadline: dt.datetime | None
    is_open: bool


_STEP_TEXT = {
    "create": "已受理您的诉求",
    "accept": "{station}已接单",
    "depart": "维修人员已出发",
    "arrive": "维修人员已到达",
    "resolve": "已处置，请您确认是否解决",
    "return": "正在为您重新安排供暖所",
    "urge": "专席已催办",
    "approve-extension": "处置时限已调整",
    "close-unreached": "已办结",
}


def _step_text(kind: str, data: dict[str, object], station: str) -> str | None:
    if kind == "dispatch":
        return f"已派单至{station}" if station else "已派单"
    if kind == "guide":
        return "电话指导已解决，请您确认" if data.get("solved") else None
    if kind == "callback":
        outcome = data.get("outcome")
        return {"closed": "您已确认解决，工单办结", "redo": "您反映未解决，已安排重新处理"}.get(str(outcome))
    if kind == "approve-extension" and not data.get("approved"):
        return None
    text = _STEP_TEXT.get(kind)
    return text.format(station=station or "供暖所") if text else None


def _deadline(ticket: Ticket) -> tuple[str, dt.datetime | None]:
    if ticket.status == TicketStatus.DISPATCHED:
        return "最迟联系您的时间", ticket.response_deadline
    if ticket.status == TicketStatus.ACCEPTED:
        return "预计处置完成时间", ticket.resolution_deadline
    if ticket.status in (TicketStatus.RECEIVED, TicketStatus.RETURNED):
        return "最迟派单时间", ticket.dispatch_deadline
    return "", None


def citizen_view(ticket: Ticket) -> CitizenView:
    """The ticket as its caller sees it on the status page, in plain words."""
    station = ticket.station.name if ticket.station else ""
    steps = []
    for event in ticket.events.order_by("at", "id"):
        text = _step_text(event.kind, event.data or {}, station)
        if text:
            steps.append(CitizenStep(at=event.at, text=text))
    label, deadline = _deadline(ticket)
    return CitizenView(
        number=ticket.number,
        status=ticket.status,
        status_label=str(TicketStatus(ticket.status).label),
        category=ticket.get_category_display(),
        station=station,
        steps=steps,
        deadline_label=label,
        deadline=deadline,
        is_open=ticket.is_open,
    )
