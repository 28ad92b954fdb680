"""Writes of the Open311 gateway: API keys, rate windows, filing a request, the desk taking it over.

Ownership (首问负责制): a request whose address routes confidently becomes a ticket at once, owned by the
intake account (a system desk-lead account nobody can log in as) and waiting in the desk's queue; the
operator who takes it becomes its owner by a logged transfer and dispatches it, in one transaction. A
request whose address is uncertain waits without a ticket (the client gets a token); the operator who
confirms its compound files the ticket under their own name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from heatdesk.accounts.models import Role, User
from heatdesk.accounts.services import system_user_get
from heatdesk.core import clock
from heatdesk.core.errors import Conflict, NotFound, PermissionDenied, Throttled, TransitionNotAllowed, ValidationFailed
from heatdesk.open311 import intake
from heatdesk.open311.catalog import SERVICE_BY_CODE, attribute_errors, attributes_text
from heatdesk.open311.models import Open311Client, Open311Submission, RateWindow, SubmissionStatus
from heatdesk.open311.placement import Placement, place
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.services import ticket_act
from heatdesk.tickets.states import Action, TicketStatus

PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9\-]{5,19}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# The plain text fields of POST /requests and the longest value each may hold.
TEXT_FIELDS = {
    "service_code": 16,
    "description": 4000,
    "address_string": 200,
    "address_id": 60,
    "first_name": 40,
    "last_name": 40,
    "phone": 20,
    "email": 254,
    "device_id": 100,
    "account_id": 100,
    "media_url": 500,
}
DESK_ROLES = frozenset({Role.OPERATOR, Role.DESK_LEAD})
NOTICE_FILED = (
    "专席已受理，话务员确认后派往供暖所处置 / received: an operator will confirm it and dispatch it to the station"
)
NOTICE_PENDING = (
    "地址需专席人工确认，确认后生成工单号，可凭令牌查询 / the address needs the desk's confirmation: "
    "the request gets its number then; follow it with the token"
)


def _key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def open311_client_create(*, name: str) -> tuple[Open311Client, str]:
    """A new client with a fresh API key; the key is returned once and only its hash is kept."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("客户端名称不能为空 / name is required")
    if Open311Client.objects.filter(name=name).exists():
        raise Conflict(f"客户端 {name} 已存在 / client {name} exists")
    raw_key = secrets.token_urlsafe(24)
    client = Open311Client.objects.create(
        name=name, key_hash=_key_hash(raw_key), key_prefix=raw_key[:6], is_active=True, created_at=clock.now()
    )
    return client, raw_key


def open311_client_authenticate(*, api_key: str) -> Open311Client:
    """The active client holding this key; a missing, unknown or revoked key is refused (403 by the spec)."""
    client = Open311Client.objects.filter(key_hash=_key_hash(api_key or ""), is_active=True).first()
    if not api_key or client is None:
        raise PermissionDenied("api_key 无效或已吊销 / missing, invalid or revoked api_key", code="invalid_api_key")
    return client


def rate_limit_take(*, bucket: str, limit: int, window_seconds: int | None = None) -> None:
    """Count one request in `bucket`'s fixed window; refuse it (429) once the window holds `limit`."""
    window = window_seconds or settings.HEATDESK_OPEN311_WINDOW_SECONDS
    now = clock.now()
    start = dt.datetime.fromtimestamp(int(now.timestamp()) // window * window, tz=dt.UTC)
    with transaction.atomic():
        row, _created = RateWindow.objects.select_for_update().get_or_create(bucket=bucket[:80], window_start=start)
        if row.count >= limit:
            retry_after = max(1, int((start + dt.timedelta(seconds=window) - now).total_seconds()))
            raise Throttled("请求过于频繁 / too many requests", retry_after=retry_after)
        RateWindow.objects.filter(pk=row.pk).update(count=F("count") + 1)
    # Old windows are of no use; drop them now and then rather than keep a sweeper.
    if secrets.randbelow(100) == 0:
        RateWindow.objects.filter(window_start__lt=now - dt.timedelta(seconds=window * 2)).delete()


@dataclass(frozen=True)
class RequestSubmission:
    """The form of POST /requests, parsed (GeoReport v2 field names)."""

    service_code: str
    description: str = ""
    address_string: str = ""
    address_id: str = ""
    lat: float | None = None
    lon: float | None = None
    attributes: dict[str, list[str]] = field(default_factory=dict)
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    media_url: str = ""
    idempotency_key: str = ""


def _validate(submission: RequestSubmission) -> str:
    """The request's phone, normalised, once every field is checked; refuses with every problem at once."""
    if not submission.service_code:
        raise ValidationFailed("须提供 service_code / service_code is required")
    service = SERVICE_BY_CODE.get(submission.service_code)
    if service is None:
        raise NotFound(f"未知 service_code {submission.service_code} / service_code not found", code="unknown_service")
    problems = attribute_errors(service, submission.attributes)
    if not (submission.address_string or submission.address_id) and (submission.lat is None or submission.lon is None):
        problems.append("须提供 address_string、address_id 或 lat 与 long / a location is required")
    if (submission.lat is None) != (submission.lon is None):
        problems.append("lat 与 long 须同时提供 / lat and long go together")
    located = submission.lat is not None and submission.lon is not None
    if located and not (-90 <= submission.lat <= 90 and -180 <= submission.lon <= 180):
        problems.append("lat/long 超出范围 / lat/long out of range")
    for name, longest in TEXT_FIELDS.items():
        if len(getattr(submission, name)) > longest:
            problems.append(f"{name} 不能超过{longest}字 / {name} is limited to {longest} characters")
    if submission.email and not EMAIL_PATTERN.match(submission.email):
        problems.append("email 格式不对 / email is not an e-mail address")
    if submission.media_url and not submission.media_url.startswith(("http://", "https://")):
        problems.append("media_url 须为 http(s) 链接 / media_url must be an http(s) URL")
    phone = re.sub(r"[\s\-()]", "", submission.phone)
    if not PHONE_PATTERN.match(phone):
        problems.append("须提供可回访的 phone / phone is required: the desk calls every citizen back")
    if problems:
        raise ValidationFailed(" ; ".join(problems), code="invalid_request", details=problems)
    return phone


def _fingerprint(submission: RequestSubmission) -> str:
    fields = {k: v for k, v in asdict(submission).items() if k != "idempotency_key"}
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def intake_user() -> User:
    """The system account that owns confidently routed requests until an operator takes them."""
    return system_user_get(username=settings.HEATDESK_OPEN311_INTAKE_USER, display_name="Open311 受理")


def _description(submission: Open311Submission) -> str:
    service = SERVICE_BY_CODE[submission.service_code]
    parts = [submission.description.strip(), attributes_text(service, submission.attributes)]
    return "\n".join(part for part in parts if part)[:4000]


def _call(submission: Open311Submission, placement: Placement, compound_code: str) -> intake.IntakeCall:
    return intake.IntakeCall(
        caller_phone=submission.phone,
        caller_name=f"{submission.last_name}{submission.first_name}"[:40],
        category=submission.service_code,
        description=_description(submission),
        compound=compound_code,
        building=placement.building,
        unit=placement.unit,
        room=placement.room,
        address=submission.address_string if placement.from_address else "",
        idempotency_key=f"open311:{submission.token}",
    )


def _replay(client: Open311Client, key: str, fingerprint: str) -> Open311Submission | None:
    existing = Open311Submission.objects.filter(client=client, idempotency_key=key).first()
    if existing is not None and existing.fingerprint != fingerprint:
        raise Conflict("同一幂等键对应了不同的内容 / idempotency key reused with a different request")
    return existing


def open311_request_submit(*, client: Open311Client, submission: RequestSubmission) -> Open311Submission:
    """File one GeoReport v2 request: a ticket when the address is certain, else a token for the desk to confirm.

    The same client and idempotency key return the first submission and create nothing.
    """
    phone = _validate(submission)
    key = submission.idempotency_key.strip()[:80]
    fingerprint = _fingerprint(submission)
    if key and (existing := _replay(client, key, fingerprint)):
        return existing
    placement = place(
        address_string=submission.address_string,
        address_id=submission.address_id,
        lat=submission.lat,
        lon=submission.lon,
    )
    row = Open311Submission(
        client=client,
        token=secrets.token_hex(8),
        idempotency_key=key,
        fingerprint=fingerprint if key else "",
        **{k: v for k, v in asdict(submission).items() if k != "idempotency_key"},
        candidates=placement.candidates,
        created_at=clock.now(),
    )
    row.phone = phone
    try:
        with transaction.atomic():
            if placement.certain:
                row.ticket = intake.ticket_file(
                    actor=intake_user(), call=_call(row, placement, placement.compound.code), dispatch=False
                )
                row.status, row.service_notice = SubmissionStatus.FILED, NOTICE_FILED
            else:
                row.status, row.service_notice = SubmissionStatus.PENDING, NOTICE_PENDING
            row.save()
    except IntegrityError:
        if key and (existing := _replay(client, key, fingerprint)):
            return existing
        raise
    return row


def _require_desk(actor: User) -> None:
    if actor.role not in DESK_ROLES:
        raise PermissionDenied("只有专席可以确认 Open311 诉求 / only the desk confirms Open311 requests")


def open311_submission_confirm(
    *, actor: User, token: str, compound: str, building: str = "", unit: str = "", room: str = ""
) -> Ticket:
    """The operator names the compound of an uncertain request: the ticket is filed and dispatched under
    their name (they are its first-ask owner), and the token now leads to its number."""
    _require_desk(actor)
    with transaction.atomic():
        row = Open311Submission.objects.select_for_update().filter(token=token).first()
        if row is None:
            raise NotFound(f"令牌 {token} 不存在 / token not found")
        if row.status != SubmissionStatus.PENDING:
            raise TransitionNotAllowed("该诉求已建单 / this request already has a ticket")
        placement = Placement(building=building.strip(), unit=unit.strip(), room=room.strip(), from_address=True)
        row.ticket = intake.ticket_file(actor=actor, call=_call(row, placement, compound), dispatch=True)
        row.status, row.service_notice = SubmissionStatus.FILED, NOTICE_FILED
        row.confirmed_by, row.confirmed_at = actor, clock.now()
        row.save(update_fields=["ticket", "status", "service_notice", "confirmed_by", "confirmed_at"])
    return row.ticket


def open311_ticket_take(*, actor: User, number: str) -> Ticket:
    """The operator takes a request the intake account filed: it becomes theirs (a logged transfer) and is
    dispatched to the routed station, in one transaction."""
    _require_desk(actor)
    intake_account = intake_user()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(number=number, owner=intake_account).first()
        if ticket is None:
            raise NotFound(f"待确认的 Open311 工单 {number} 不存在 / no Open311 ticket {number} waits for the desk")
        if ticket.status != TicketStatus.RECEIVED:
            raise TransitionNotAllowed("该工单已派单 / this ticket was already dispatched")
        reason = "专席确认 Open311 诉求，首问负责 / the desk takes the Open311 request as its first-ask owner"
        ticket_act(
            actor=intake_account,
            number=number,
            action=Action.TRANSFER,
            payload={"to": actor.username, "reason": reason},
        )
        return ticket_act(actor=actor, number=number, action=Action.DISPATCH, payload={})
