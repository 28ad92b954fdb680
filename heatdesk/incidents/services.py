"""Writes of incidents (停热事件): declare, update the estimate, restore, attach a call (DESIGN §11).

Every change is one transaction with its incident event; the calls are tickets and change only
through the tickets services (`ticket_intake`, `tickets_attach_to_incident`, `tickets_resolve_for_incident`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from heatdesk.accounts.models import Role, User
from heatdesk.core import clock
from heatdesk.core.errors import Conflict, ErrorCode, NotFound, OutOfScope, PermissionDenied, ValidationFailed
from heatdesk.geo.models import Building, Compound
from heatdesk.incidents.models import BurstSuggestion, Incident, IncidentArea, IncidentEvent, IncidentEventKind
from heatdesk.incidents.selectors import incident_covers
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.services import (
    TicketCreateResult,
    TicketIntake,
    ticket_intake,
    tickets_attach_to_incident,
    tickets_resolve_for_incident,
)

DECLARE_ROLES = frozenset({Role.DESK_LEAD, Role.COMPANY, Role.STATION})
# The repair ticket is the desk's own work order for the station; its "caller" is the desk's line.
REPAIR_CALLER_PHONE = "0471-12345"
MAX_COMPOUNDS = 200


@dataclass(frozen=True)
class IncidentDeclaration:
    """What the declarer states: affected compounds (codes), optionally some of their buildings, cause, estimate.
    `suggestion`: the burst suggestion it answers, whose calls attach; `attach`: more calls to attach."""

    compounds: tuple[str, ...]
    cause: str
    expected_restore_at: dt.datetime
    buildings: Mapping[str, Sequence[str]] = field(default_factory=dict)
    suggestion: int | None = None
    attach: tuple[str, ...] = ()


def _check_manager(actor: User, compounds: list[Compound]) -> None:
    """The desk lead declares for any compound; a company or a station only for compounds it serves."""
    if actor.role not in DECLARE_ROLES and not actor.is_superuser:
        raise PermissionDenied("只有专席负责人或供热企业/供暖所可以发布停热事件 / may not manage incidents")
    if actor.role == Role.STATION and any(c.station_id != actor.station_id for c in compounds):
        raise OutOfScope("只能发布本供暖所服务小区的停热事件 / only for your station's compounds")
    if actor.role == Role.COMPANY and any(c.station.company_id != actor.company_id for c in compounds):
        raise OutOfScope("只能发布本企业服务小区的停热事件 / only for your company's compounds")


def _check_future(at: dt.datetime, now: dt.datetime) -> None:
    if at.tzinfo is None or at <= now:
        raise ValidationFailed(
            "预计恢复时间须为带时区的将来时间 / expected_restore_at must be a future time with an offset",
            details=[{"field": "expected_restore_at"}],
        )


def _compounds(declaration: IncidentDeclaration) -> list[Compound]:
    codes = list(dict.fromkeys(code.strip() for code in declaration.compounds if code and code.strip()))
    if not codes or len(codes) > MAX_COMPOUNDS:
        raise ValidationFailed(
            f"请选择 1 至 {MAX_COMPOUNDS} 个小区 / name 1 to {MAX_COMPOUNDS} compounds",
            details=[{"field": "compounds"}],
        )
    found = {c.code: c for c in Compound.objects.select_related("station", "substation").filter(code__in=codes)}
    missing = [code for code in codes if code not in found]
    unknown_keys = [code for code in declaration.buildings if code not in found]
    if missing or unknown_keys:
        raise ValidationFailed(
            f"未知小区 / unknown compounds: {', '.join(missing + unknown_keys)}", details=[{"field": "compounds"}]
        )
    return [found[code] for code in codes]


def _buildings(declaration: IncidentDeclaration, code: str) -> list[str]:
    listed = declaration.buildings.get(code) or []
    buildings = list(dict.fromkeys(str(b).strip() for b in listed if str(b).strip()))
    if any(len(b) > 10 for b in buildings):
        raise ValidationFailed("楼号过长 / building too long", details=[{"field": "buildings"}])
    return buildings


def _households(compound: Compound, buildings: list[str]) -> int:
    """From the gazetteer: the listed buildings' households where known, else the whole compound's."""
    if buildings:
        known = Building.objects.filter(compound=compound, number__in=buildings).aggregate(n=Sum("households"))["n"]
        if known:
            return int(known)
    return compound.households or 0


def _repair_actor(actor: User) -> User | None:
    """Tickets are the desk's (首问负责制): a company's or station's declaration gets its repair ticket
    opened in the name of the desk lead on duty (the first active one)."""
    if actor.role in (Role.DESK_LEAD, Role.OPERATOR):
        return actor
    return User.objects.filter(role=Role.DESK_LEAD, is_active=True).order_by("id").first()


def _repair_open(incident: Incident, actor: User, first: IncidentArea) -> Ticket | None:
    """One repair ticket for the station, dispatched at once, with its own clocks."""
    desk = _repair_actor(actor)
    if desk is None:
        return None
    call = TicketIntake(
        caller_phone=REPAIR_CALLER_PHONE,
        category="no_heat",
        compound=first.compound.code,
        building=first.buildings[0] if len(first.buildings) == 1 else "",
        description=f"停热事件 {incident.code} 抢修：{incident.cause}（影响 {incident.households} 户）"[:4000],
    )
    return ticket_intake(actor=desk, call=call, dispatch=True).ticket


def _event(incident: Incident, kind: str, actor: User | None, at: dt.datetime, data: Mapping[str, object]) -> None:
    IncidentEvent.objects.create(incident=incident, kind=kind, actor=actor, at=at, data=dict(data))


def incident_declare(*, actor: User, declaration: IncidentDeclaration) -> Incident:
    """Declare an outage: its area and households, its repair ticket dispatched to the station, and the
    calls already taken (of the burst it answers, or listed) attached — one transaction."""
    now = clock.now()
    compounds = _compounds(declaration)
    _check_manager(actor, compounds)
    _check_future(declaration.expected_restore_at, now)
    cause = (declaration.cause or "").strip()
    if not cause or len(cause) > 200:
        raise ValidationFailed("请填写原因（200 字以内） / cause is required (≤ 200)", details=[{"field": "cause"}])
    with transaction.atomic():
        suggestion = _suggestion_locked(declaration.suggestion)
        incident = Incident.objects.create(
            code=f"tmp-{uuid.uuid4().hex[:16]}",
            cause=cause,
            expected_restore_at=declaration.expected_restore_at,
            station=compounds[0].station,
            substation=suggestion.substation if suggestion else compounds[0].substation,
            declared_at=now,
            declared_by=actor,
        )
        incident.code = f"TR{timezone.localtime(now):%Y%m%d}-{incident.id}"
        areas = [
            IncidentArea(incident=incident, compound=c, buildings=_buildings(declaration, c.code)) for c in compounds
        ]
        IncidentArea.objects.bulk_create(areas)
        incident.households = sum(_households(area.compound, area.buildings) for area in areas)
        incident.repair_ticket = _repair_open(incident, actor, areas[0])
        incident.save(update_fields=["code", "households", "repair_ticket"])
        numbers = [*(suggestion.tickets if suggestion else []), *declaration.attach]
        attached = tickets_attach_to_incident(actor=actor, numbers=numbers, incident_code=incident.code)
        if suggestion is not None:
            suggestion.incident = incident
            suggestion.save(update_fields=["incident"])
        data: dict[str, object] = {
            "compounds": [c.code for c in compounds],
            "cause": cause,
            "expected_restore_at": declaration.expected_restore_at.isoformat(),
            "households": incident.households,
            "repair_ticket": incident.repair_ticket.number if incident.repair_ticket else None,
        }
        _event(incident, IncidentEventKind.DECLARE, actor, now, data)
        if attached:
            _event(incident, IncidentEventKind.ATTACH, actor, now, {"tickets": attached})
    return incident


def _suggestion_locked(suggestion_id: int | None) -> BurstSuggestion | None:
    if suggestion_id is None:
        return None
    suggestion = BurstSuggestion.objects.select_for_update().filter(id=suggestion_id).first()
    if suggestion is None:
        raise ValidationFailed("疑似停热提示不存在 / unknown suggestion", details=[{"field": "suggestion"}])
    if suggestion.incident_id is not None:
        raise Conflict(
            "该提示已发布为停热事件 / this suggestion was already declared", code=ErrorCode.INCIDENT_NOT_OPEN
        )
    return suggestion


def _locked_open(actor: User, code: str) -> Incident:
    incident = Incident.objects.select_for_update().filter(code=code).first()
    if incident is None:
        raise NotFound(f"停热事件 {code} 不存在 / incident {code} not found")
    _check_manager(actor, [area.compound for area in incident.areas.select_related("compound__station")])
    if not incident.is_open:
        raise Conflict(f"停热事件 {code} 已恢复 / incident {code} is restored", code=ErrorCode.INCIDENT_NOT_OPEN)
    return incident


def incident_update(*, actor: User, code: str, expected_restore_at: dt.datetime, note: str = "") -> Incident:
    """A new estimate of the restore time (and a note), on the timeline."""
    now = clock.now()
    _check_future(expected_restore_at, now)
    with transaction.atomic():
        incident = _locked_open(actor, code)
        previous = incident.expected_restore_at
        incident.expected_restore_at = expected_restore_at
        incident.save(update_fields=["expected_restore_at"])
        data = {"from": previous.isoformat(), "to": expected_restore_at.isoformat(), "note": (note or "")[:2000]}
        _event(incident, IncidentEventKind.UPDATE, actor, now, data)
    return incident


def incident_restore(*, actor: User, code: str, note: str = "") -> Incident:
    """Heat is back: the incident is restored and every waiting call moves to 待回访 (callback queue) in
    the same transaction. Closure is still each caller's to confirm."""
    now = clock.now()
    with transaction.atomic():
        incident = _locked_open(actor, code)
        incident.status = "restored"
        incident.restored_at = now
        incident.restored_by = actor
        incident.save(update_fields=["status", "restored_at", "restored_by"])
        note = (note or "").strip()[:2000]
        moved = tickets_resolve_for_incident(
            actor=actor, incident_code=incident.code, note=note or f"停热事件 {incident.code} 已恢复供热"
        )
        _event(incident, IncidentEventKind.RESTORE, actor, now, {"note": note, "calls_resolved": moved})
    return incident


def incident_call_take(*, actor: User, code: str, call: TicketIntake) -> TicketCreateResult:
    """Attach a call to an open incident: a ticket owned by the operator (首问负责制), not dispatched on its
    own, without clocks of its own. The incident row is locked, so a restore never misses a call."""
    with transaction.atomic():
        incident = Incident.objects.select_for_update().filter(code=code).first()
        if incident is None or not incident.is_open:
            raise Conflict(
                f"停热事件 {code} 不存在或已恢复 / incident {code} is not open",
                code=ErrorCode.INCIDENT_NOT_OPEN,
                details=[{"field": "incident"}],
            )
        result = ticket_intake(actor=actor, call=replace(call, incident=incident.code))
        ticket = result.ticket
        if result.created and not incident_covers(
            incident=incident, compound_id=ticket.compound_id, building=ticket.building
        ):
            raise ValidationFailed(
                f"地址不在停热事件 {code} 的范围内 / the address is outside incident {code}",
                code=ErrorCode.INCIDENT_OUT_OF_AREA,
                details=[{"field": "incident"}],
            )
    return result
