"""Reads of the Open311 gateway, shaped as GeoReport v2 bodies. Public: never a phone, name or email."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from heatdesk.core import clock
from heatdesk.core.errors import NotFound, ValidationFailed
from heatdesk.open311.catalog import SERVICE_BY_CODE, SERVICES, Service
from heatdesk.open311.models import Open311Submission, SubmissionStatus
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.states import TicketStatus

MAX_SPAN = dt.timedelta(days=90)
MAX_RESULTS = 1000
CLOSED_STATUSES = (TicketStatus.CLOSED, TicketStatus.MERGED)
# Digit runs long enough to be a phone number, and e-mail addresses, are masked in any text we show.
PHONE_LIKE = re.compile(r"\+?\d[\d\- ]{5,}\d")
EMAIL_LIKE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
STATUS_NOTES = {
    TicketStatus.RECEIVED: "已受理，等待专席派单 / received, waiting for the desk to dispatch it",
    TicketStatus.DISPATCHED: "已派单至供暖所 / dispatched to the heating station",
    TicketStatus.ACCEPTED: "供暖所已响应处置中 / the station has accepted it and is working on it",
    TicketStatus.RESOLVED: "已处置，等待回访确认 / fixed, waiting for the citizen to confirm by callback",
    TicketStatus.CLOSED: "市民确认后已办结 / closed after the citizen confirmed",
    TicketStatus.RETURNED: "供暖所退回专席重新派单 / returned to the desk for another station",
    TicketStatus.MERGED: "已合并至同一问题的工单 / merged into the ticket of the same problem",
}


def _w3(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def service_list() -> list[dict]:
    """Every service (ticket category), in the order GeoReport v2 lists them."""
    return [
        {
            "service_code": service.code,
            "service_name": service.name,
            "description": service.description,
            "metadata": service.metadata,
            "type": "realtime",
            "keywords": service.keywords,
            "group": service.group,
        }
        for service in SERVICES
    ]


def _definition(service: Service) -> dict:
    return {
        "service_code": service.code,
        "attributes": [
            {
                "variable": attribute.variable,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.required,
                "datatype_description": attribute.datatype_description or None,
                "order": order,
                "description": attribute.description,
                "values": [{"key": key, "name": name} for key, name in attribute.values],
            }
            for order, attribute in enumerate(service.attributes, start=1)
        ],
    }


def service_definition(*, service_code: str) -> dict:
    """The attributes a service asks for; 404 for an unknown code."""
    service = SERVICE_BY_CODE.get(service_code)
    if service is None:
        raise NotFound(f"未知 service_code {service_code} / service_code not found")
    return _definition(service)


def _scrub(text: str, names: tuple[str, ...]) -> str:
    text = EMAIL_LIKE.sub("***", PHONE_LIKE.sub("***", text))
    for name in names:
        if len(name) >= 2:
            text = text.replace(name, "***")
    return text


def _address(ticket: Ticket) -> str | None:
    """Compound and building, most specific first (GeoReport v2); never the unit or room of a household."""
    if ticket.compound is None:
        return None
    parts = [f"{ticket.building}号楼" if ticket.building else "", ticket.compound.name, ticket.compound.district.name]
    return ", ".join(part for part in parts if part)


def _running_deadline(ticket: Ticket) -> dt.datetime | None:
    return {
        TicketStatus.RECEIVED: ticket.dispatch_deadline,
        TicketStatus.RETURNED: None,
        TicketStatus.DISPATCHED: ticket.resolution_deadline,
        TicketStatus.ACCEPTED: ticket.resolution_deadline,
        TicketStatus.RESOLVED: ticket.callback_deadline,
    }.get(ticket.status)


def request_json(ticket: Ticket) -> dict:
    """One ticket as a GeoReport v2 service request."""
    submission = getattr(ticket, "open311_submission", None)
    names = (ticket.caller_name,) + ((submission.first_name, submission.last_name) if submission else ())
    compound = ticket.compound
    service = SERVICE_BY_CODE.get(ticket.category)
    return {
        "service_request_id": ticket.number,
        "status": "closed" if ticket.status in CLOSED_STATUSES else "open",
        "status_notes": STATUS_NOTES.get(ticket.status),
        "service_name": service.name if service else ticket.get_category_display(),
        "service_code": ticket.category,
        "description": _scrub(ticket.description, names) or None,
        "agency_responsible": ticket.station.name if ticket.station else None,
        "service_notice": submission.service_notice if submission else None,
        "requested_datetime": _w3(ticket.created_at),
        "updated_datetime": _w3(ticket.closed_at if ticket.status == TicketStatus.CLOSED else ticket.updated_at),
        "expected_datetime": _w3(_running_deadline(ticket)),
        "address": _address(ticket),
        "address_id": compound.code if compound else None,
        "zipcode": None,
        "lat": compound.lat if compound else None,
        "long": compound.lon if compound else None,
        "media_url": (submission.media_url or None) if submission else None,
    }


def _tickets() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("compound__district", "station", "open311_submission").order_by(
        "-created_at", "-id"
    )


def request_get(*, number: str) -> dict:
    """One request by its number (the ticket number); 404 when there is none."""
    ticket = _tickets().filter(number=number).first()
    if ticket is None:
        raise NotFound(f"service_request_id {number} 不存在 / service request not found")
    return request_json(ticket)


@dataclass(frozen=True)
class RequestQuery:
    service_request_ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start_date: str = ""
    end_date: str = ""
    statuses: tuple[str, ...] = ()


def _moment(text: str, name: str, *, end: bool) -> dt.datetime | None:
    if not text:
        return None
    try:  # a "+" in a query string arrives as a space
        moment = parse_datetime(text.replace(" ", "+"))
        if moment is None and (day := parse_date(text)) is not None:
            moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
    except ValueError:  # well formed but no such day or time
        moment = None
    if moment is None:
        raise ValidationFailed(f"{name} 须为 W3C 日期时间，如 2026-11-01T00:00:00+08:00 / {name} must be a w3 datetime")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def request_list(*, query: RequestQuery) -> list[dict]:
    """Requests by ids (which override the rest), else by service, status and a span of at most 90 days
    (default: the last 90 days); newest first, at most 1,000."""
    tickets = _tickets()
    if query.service_request_ids:
        return [request_json(t) for t in tickets.filter(number__in=query.service_request_ids[:MAX_RESULTS])]
    unknown = [code for code in query.service_codes if code not in SERVICE_BY_CODE]
    bad_status = [status for status in query.statuses if status not in ("open", "closed")]
    if unknown or bad_status:
        raise ValidationFailed(f"未知 service_code 或 status / unknown service_code or status: {unknown + bad_status}")
    start = _moment(query.start_date, "start_date", end=False)
    end = _moment(query.end_date, "end_date", end=True)
    if start and end and end - start > MAX_SPAN:
        raise ValidationFailed("start_date 与 end_date 相距不能超过90天 / the span may not exceed 90 days")
    if start is None and end is None:
        end = clock.now()
    if start is None:
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    tickets = tickets.filter(created_at__gte=start, created_at__lte=end)
    if query.service_codes:
        tickets = tickets.filter(category__in=query.service_codes)
    if set(query.statuses) == {"open"}:
        tickets = tickets.exclude(status__in=CLOSED_STATUSES)
    elif set(query.statuses) == {"closed"}:
        tickets = tickets.filter(status__in=CLOSED_STATUSES)
    return [request_json(ticket) for ticket in tickets[:MAX_RESULTS]]


def token_get(*, token: str) -> dict:
    """The request a token became: its number once the desk confirmed it, else none yet."""
    submission = Open311Submission.objects.select_related("ticket").filter(token=token).first()
    if submission is None:
        raise NotFound(f"token {token} 不存在 / token not found")
    return {"service_request_id": submission.ticket.number if submission.ticket else None, "token": submission.token}


def submission_response(submission: Open311Submission) -> dict:
    """The body of POST /requests: the number when there is a ticket, else the token (never both)."""
    if submission.ticket is not None:
        first = {"service_request_id": submission.ticket.number}
    else:
        first = {"token": submission.token}
    return {**first, "service_notice": submission.service_notice, "account_id": submission.account_id or None}


def desk_queue() -> dict:
    """What waits for the desk: uncertain addresses to confirm and filed requests no operator took yet."""
    pending = Open311Submission.objects.filter(status=SubmissionStatus.PENDING).order_by("created_at")
    waiting = (
        Ticket.objects.select_related("compound", "station")
        .filter(owner__username=settings.HEATDESK_OPEN311_INTAKE_USER, status=TicketStatus.RECEIVED)
        .order_by("created_at")
    )
    return {"pending": list(pending[:200]), "waiting": list(waiting[:200])}
