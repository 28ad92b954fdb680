"""Writes to tickets. `ticket_act` is the one door through which every status change passes (STYLE §3)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from heatdesk.accounts.models import Role, User
from heatdesk.core import clock
from heatdesk.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from heatdesk.geo.services import compound_alias_learn
from heatdesk.sla import policy
from heatdesk.sla.models import Stage, Urgency
from heatdesk.tickets import handlers
from heatdesk.tickets.events import TicketEventKind, event_record
from heatdesk.tickets.models import URGENT_CATEGORIES, Category, Channel, Kind, Ticket, TicketAttachment
from heatdesk.tickets.numbers import ticket_number_next
from heatdesk.tickets.routing import ticket_route
from heatdesk.tickets.selectors import first_of, ticket_list_visible_to, ticket_open_related
from heatdesk.tickets.states import TRANSITIONS, Action, action_refusal

PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9\-]{5,19}$")
CREATE_ROLES = frozenset({Role.OPERATOR, Role.DESK_LEAD})
IMAGE_SIGNATURES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


@dataclass
class TicketCreateResult:
    ticket: Ticket
    created: bool
    repeat_call: bool = False

    @cached_property
    def related_open(self) -> list[Ticket]:
        """The caller's and the building's other open tickets, looked up only when someone shows them."""
        return _related(self.ticket)


def _choice(value: str | None, choices: type, name: str, default: str | None = None) -> str:
    value = value or default
    if value not in choices.values:
        raise ValidationFailed(
            f"{name} 取值无效 / {name} must be one of {', '.join(choices.values)}", details=[{"field": name}]
        )
    return value


def _fingerprint(fields: dict) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _idempotent_replay(*, actor: User, key: str, fingerprint: str) -> Ticket | None:
    existing = Ticket.objects.filter(created_by=actor, idempotency_key=key).first()
    if existing is not None and existing.idempotency_fingerprint != fingerprint:
        raise Conflict(
            "同一幂等键对应了不同的内容 / Idempotency-Key reused with a different request", code="idempotency_mismatch"
        )
    return existing


def ticket_create(
    *,
    actor: User,
    caller_phone: str,
    category: str,
    kind: str = Kind.HELP,
    urgency: str | None = None,
    channel: str = Channel.PHONE,
    caller_name: str = "",
    description: str = "",
    address: str = "",
    compound: str | None = None,
    building: str = "",
    unit: str = "",
    room: str = "",
    station: str | None = None,
    repeat_of: str | None = None,
    idempotency_key: str = "",
    dispatch: bool = False,
) -> TicketCreateResult:
    """Open a ticket owned by its creator (首问负责制), routed from the address, with its SLA clock.

    With `repeat_of`, the call is attached to that open ticket as a repeat call (which urges it)
    instead. A replay with the same Idempotency-Key returns the first result and creates nothing.
    """
    if actor.role not in CREATE_ROLES:
        raise PermissionDenied("只有话务员可以新建工单 / only the desk creates tickets")
    phone = re.sub(r"\s", "", caller_phone or "")
    if not PHONE_PATTERN.match(phone):
        raise ValidationFailed(
            "来电号码格式不对 / caller_phone is not a phone number", details=[{"field": "caller_phone"}]
        )
    key = (idempotency_key or "").strip()[:80]
    if repeat_of:
        return _repeat_call(actor=actor, number=repeat_of, phone=phone, note=description, key=key)

    category = _choice(category, Category, "category")
    kind = _choice(kind, Kind, "kind")
    channel = _choice(channel, Channel, "channel", Channel.PHONE)
    # Leaks and flooding are urgent whatever was chosen (DESIGN §3).
    urgency = Urgency.URGENT if category in URGENT_CATEGORIES else _choice(urgency, Urgency, "urgency", Urgency.NORMAL)
    fields = {
        "caller_phone": phone,
        "category": category,
        "kind": kind,
        "urgency": urgency,
        "channel": channel,
        "caller_name": caller_name,
        "description": description,
        "address": address,
        "compound": compound,
        "building": building,
        "unit": unit,
        "room": room,
        "station": station,
        "dispatch": dispatch,
    }
    fingerprint = _fingerprint(fields)
    if key and (existing := _idempotent_replay(actor=actor, key=key, fingerprint=fingerprint)):
        return TicketCreateResult(ticket=existing, created=False)

    route = ticket_route(
        address=address,
        compound_code=compound,
        building=str(building or "").strip(),
        unit=str(unit or "").strip(),
        room=str(room or "").strip(),
        station_code=station,
    )
    if route.compound is None and route.station is None:
        raise ValidationFailed(
            "地址无法确定，请选择小区或供暖所 / address is uncertain: choose a compound or station",
            code="address_uncertain",
            details={"candidates": route.candidates},
        )
    try:
        with transaction.atomic():
            now = clock.now()
            snapshot = policy.policy_snapshot(urgency=urgency)
            ticket = Ticket.objects.create(
                number=ticket_number_next(at=now),
                kind=kind,
                category=category,
                urgency=urgency,
                channel=channel,
                caller_phone=phone,
                caller_name=caller_name[:40],
                description=description[:4000],
                address=(address or "")[:200],
                compound=route.compound,
                district=route.compound.district if route.compound else None,
                building=route.building[:10],
                unit=route.unit[:10],
                room=route.room[:10],
                substation=route.substation,
                station=route.station,
                routing_confidence=route.confidence,
                owner=actor,
                created_by=actor,
                sla=snapshot,
                created_at=now,
                updated_at=now,
                dispatch_deadline=policy.deadline(start=now, snapshot=snapshot, stage=Stage.DISPATCH),
                idempotency_key=key,
                idempotency_fingerprint=fingerprint if key else "",
            )
            if route.alias_to_learn:
                compound_alias_learn(compound=route.compound, text=route.alias_to_learn)
            handlers.clock_start(ticket, Stage.DISPATCH, now, first=True)
            event_record(
                ticket=ticket,
                kind=TicketEventKind.CREATE,
                actor=actor,
                at=now,
                data={
                    "category": category,
                    "urgency": urgency,
                    "channel": channel,
                    "station": route.station.code if route.station else None,
                    "compound": route.compound.code if route.compound else None,
                    "confidence": route.confidence,
                },
            )
            if dispatch:
                ticket = _apply(ticket=ticket, actor=actor, action=Action.DISPATCH, payload={})
    except IntegrityError:
        if not key:
            raise
        existing = _idempotent_replay(actor=actor, key=key, fingerprint=fingerprint)
        if existing is None:
            raise
        return TicketCreateResult(ticket=existing, created=False)
    return TicketCreateResult(ticket=ticket, created=True)


def _related(ticket: Ticket) -> list[Ticket]:
    return ticket_open_related(
        caller_phone=ticket.caller_phone, compound_id=ticket.compound_id, building=ticket.building, exclude_id=ticket.id
    )


def _repeat_call(*, actor: User, number: str, phone: str, note: str, key: str) -> TicketCreateResult:
    target = first_of(ticket_list_visible_to(user=actor).filter(number=number))
    if target is None:
        raise ValidationFailed(
            f"重复来电的工单 {number} 不存在 / repeat_of {number} not found", details=[{"field": "repeat_of"}]
        )
    if key and target.events.filter(actor=actor, data__idempotency_key=key).exists():
        return TicketCreateResult(ticket=target, created=False, repeat_call=True)
    if not target.is_open:
        raise ValidationFailed(
            "该工单已办结，请新建工单 / that ticket is closed: open a new one",
            code="repeat_of_closed",
            details=[{"field": "repeat_of"}],
        )
    ticket = ticket_act(
        actor=actor,
        number=number,
        action=Action.URGE,
        payload={"note": note or "市民重复来电", "repeat_call": True, "caller_phone": phone, "idempotency_key": key},
    )
    return TicketCreateResult(ticket=ticket, created=False, repeat_call=True)


def _check_allowed(*, ticket: Ticket, actor: User, action: str, now: dt.datetime) -> None:
    """The table's word (role, station, status, guards): the same rules `ticket_actions_available` lists."""
    if action not in TRANSITIONS:
        raise NotFound(f"未知操作 {action} / unknown action {action}", code="unknown_action")
    refusal = action_refusal(user=actor, ticket=ticket, action=action, now=now)
    if refusal is not None:
        raise refusal.as_error()


def _apply(*, ticket: Ticket, actor: User, action: str, payload: dict) -> Ticket:
    """Check, change, log: the body of the one door. Runs inside the caller's transaction with the row locked."""
    now = clock.now()
    _check_allowed(ticket=ticket, actor=actor, action=action, now=now)
    before = ticket.status
    columns = Ticket._meta.concrete_fields
    values_before = [getattr(ticket, column.attname) for column in columns]
    data = handlers.HANDLERS[action](handlers.ActionContext(ticket=ticket, actor=actor, payload=payload, now=now))
    after = None if ticket.status == before else ticket.status
    if after not in TRANSITIONS[action].targets:
        raise AssertionError(f"{action} moved {before} → {ticket.status}, outside the table")
    ticket.updated_at = now
    # Write only what the handler changed: the ticket row is wide and most actions touch two columns.
    changed = [c.attname for c, old in zip(columns, values_before, strict=True) if getattr(ticket, c.attname) != old]
    ticket.save(update_fields=changed)
    event_record(ticket=ticket, kind=action, actor=actor, at=now, data=data)
    return ticket


def ticket_act(*, actor: User, number: str, action: str, payload: dict | None = None) -> Ticket:
    """Apply one lifecycle action: lock the row, check status, role and scope, change, write one event.

    Refused actions raise a DomainError and change nothing (no ticket change, no event, no message).
    """
    with transaction.atomic():
        visible = ticket_list_visible_to(user=actor).filter(number=number)
        # Lock the ticket row alone; handlers need only its station and company joined.
        ticket = first_of(
            visible.select_related(None).select_related("station__company").select_for_update(of=("self",))
        )
        if ticket is None:
            raise NotFound(f"工单 {number} 不存在或无权查看 / ticket {number} not found")
        return _apply(ticket=ticket, actor=actor, action=action, payload=dict(payload or {}))


def _sniff_image(head: bytes) -> str | None:
    for signature, content_type in IMAGE_SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        return "image/heic"
    return None


def ticket_attachment_add(*, actor: User, number: str, upload: UploadedFile) -> TicketAttachment:
    """Store a photo on an open ticket the user may work on; images only, size-limited."""
    if actor.role not in (Role.OPERATOR, Role.DESK_LEAD, Role.STATION, Role.COMMUNITY):
        raise PermissionDenied("无权上传照片 / may not upload photos")
    limit = settings.HEATDESK_MAX_UPLOAD_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationFailed(
            f"照片不能超过 {limit // (1024 * 1024)} MB / photo larger than the limit",
            code="file_too_large",
            details=[{"field": "file"}],
        )
    head = upload.read(16)
    upload.seek(0)
    content_type = _sniff_image(head)
    if content_type is None:
        raise ValidationFailed(
            "只能上传图片（JPEG/PNG/GIF/WebP/HEIC） / images only", code="not_an_image", details=[{"field": "file"}]
        )
    with transaction.atomic():
        ticket = first_of(ticket_list_visible_to(user=actor).filter(number=number).select_for_update(of=("self",)))
        if ticket is None:
            raise NotFound(f"工单 {number} 不存在或无权查看 / ticket {number} not found")
        if not ticket.is_open:
            raise TransitionNotAllowed("工单已办结，不能再上传照片 / ticket is no longer open")
        now = clock.now()
        name = re.sub(r"[^\w.\-]", "_", (upload.name or "photo"))[-80:]
        attachment = TicketAttachment(
            ticket=ticket,
            content_type=content_type,
            size=upload.size,
            original_name=name,
            uploaded_by=actor,
            uploaded_at=now,
        )
        attachment.file.save(f"{now:%Y%m%d%H%M%S}-{name}", upload, save=False)
        attachment.save()
        event_record(
            ticket=ticket,
            kind=TicketEventKind.ATTACHMENT,
            actor=actor,
            at=now,
            data={"name": name, "size": upload.size, "attachment": attachment.id},
        )
        ticket.updated_at = now
        ticket.save(update_fields=["updated_at"])
    return attachment
