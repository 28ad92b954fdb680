"""Writes of community data (and the logged reads of the vulnerable register). Tickets are opened only
through `community.intake`, inside the same transaction as the visit or ledger that opens them."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from heatdesk.accounts.models import User
from heatdesk.audit.models import AuditAction
from heatdesk.audit.services import audit_record
from heatdesk.community import intake
from heatdesk.community.access import Right, compounds_within, require, require_role
from heatdesk.community.models import (
    TEMPERATURE_STANDARD_CELSIUS,
    Campaign,
    Ledger,
    LedgerHousehold,
    Steward,
    StewardKind,
    Visit,
    VulnerableHousehold,
    VulnerableKind,
)
from heatdesk.community.selectors import (
    cold_snap_rows,
    compound_stewards,
    hotspots,
    ledger_progress,
    season_bounds,
    vulnerable_rows,
)
from heatdesk.core import clock
from heatdesk.core.errors import Conflict, NotFound, ValidationFailed
from heatdesk.core.vocabulary import Category
from heatdesk.geo.models import Compound
from heatdesk.tickets.models import Channel
from heatdesk.tickets.states import TicketStatus

PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9\-]{5,19}$")
MAX_LEDGER_HOUSEHOLDS = 500
MAX_GRID_WORKERS = 50
MAX_PHOTO_BYTES = 10 * 1024 * 1024


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[{"field": field}])


def compound_get(code: str) -> Compound:
    compound = Compound.objects.select_related("community", "station").filter(code=str(code or "")).first()
    if compound is None:
        raise NotFound(f"小区 {code} 不存在 / compound {code} not found")
    return compound


def _phone(value: str, field: str, *, required: bool) -> str:
    phone = re.sub(r"\s", "", value or "")
    if not phone and not required:
        return ""
    if not PHONE_PATTERN.match(phone):
        raise _invalid(field, f"{field} 不是电话号码 / {field} is not a phone number")
    return phone


def _name(value: str, field: str) -> str:
    name = (value or "").strip()
    if not name or len(name) > 40:
        raise _invalid(field, f"{field} 必填且不超过 40 字 / {field} is required, at most 40 characters")
    return name


@dataclass(frozen=True)
class StewardIn:
    name: str
    phone: str
    on_duty: bool = True


def stewards_replace(
    *, actor: User, compound: Compound, enterprise: StewardIn | None, community: StewardIn | None, grid: list[StewardIn]
) -> None:
    """Set a compound's two stewards and its grid workers (a missing one is removed), all or nothing."""
    require(user=actor, right=Right.STEWARDS_EDIT, compound=compound)
    if len(grid) > MAX_GRID_WORKERS:
        raise _invalid("grid", f"网格员最多 {MAX_GRID_WORKERS} 人 / at most {MAX_GRID_WORKERS} grid workers")
    now = clock.now()
    rows: list[Steward] = []
    for kind, people in ((StewardKind.ENTERPRISE, [enterprise]), (StewardKind.COMMUNITY, [community]), ("grid", grid)):
        for position, person in enumerate(p for p in people if p is not None):
            rows.append(
                Steward(
                    compound=compound,
                    kind=kind,
                    name=_name(person.name, f"{kind}.name"),
                    phone=_phone(person.phone, f"{kind}.phone", required=False),
                    on_duty=person.on_duty,
                    position=position,
                    updated_at=now,
                )
            )
    with transaction.atomic():
        Steward.objects.filter(compound=compound).delete()
        Steward.objects.bulk_create(rows)


def _household(building: object, unit: object, room: object) -> tuple[str, str, str]:
    parts = tuple(str(value or "").strip() for value in (building, unit, room))
    if not parts[0] or not parts[2]:
        raise _invalid("building", "楼号和房号必填 / building and room are required")
    if any(len(part) > 10 for part in parts):
        raise _invalid("room", "楼号、单元、房号各不超过 10 字 / building, unit and room at most 10 characters each")
    return parts[0], parts[1], parts[2]


@dataclass(frozen=True)
class VulnerableIn:
    compound: str
    building: str
    unit: str
    room: str
    kind: str
    contact_name: str
    contact_phone: str
    consent_at: dt.date


def vulnerable_register(*, actor: User, entry: VulnerableIn) -> VulnerableHousehold:
    """Register a household with its consent; one row per household."""
    compound = compound_get(entry.compound)
    require(user=actor, right=Right.REGISTER_EDIT, compound=compound)
    building, unit, room = _household(entry.building, entry.unit, entry.room)
    if entry.kind not in VulnerableKind.values:
        raise _invalid("kind", f"kind 取值无效 / kind must be one of {', '.join(VulnerableKind.values)}")
    if entry.consent_at > clock.now().date():
        raise _invalid("consent_at", "同意日期不能晚于今天 / consent_at cannot be in the future")
    try:
        with transaction.atomic():
            return VulnerableHousehold.objects.create(
                compound=compound,
                building=building,
                unit=unit,
                room=room,
                kind=entry.kind,
                contact_name=_name(entry.contact_name, "contact_name"),
                contact_phone=_phone(entry.contact_phone, "contact_phone", required=True),
                consent_at=entry.consent_at,
                created_by=actor,
                created_at=clock.now(),
            )
    except IntegrityError:
        raise Conflict("该住户已登记 / this household is already registered") from None


def vulnerable_register_read(
    *, actor: User, compound: str | None = None, via: str, request: HttpRequest | None = None
) -> list[VulnerableHousehold]:
    """The register rows the actor may read, and one audit entry for the read (DESIGN §11 "Operations")."""
    require_role(user=actor, right=Right.REGISTER_READ)
    scope = None
    if compound:
        scope = compound_get(compound)
        require(user=actor, right=Right.REGISTER_READ, compound=scope)
    rows = list(vulnerable_rows(user=actor, compound=scope))
    _audit_register(actor=actor, rows=rows, via=via, compound=compound, request=request)
    return rows


def vulnerable_cold_snap_read(
    *, actor: User, via: str, request: HttpRequest | None = None
) -> list[tuple[VulnerableHousehold, list[str]]]:
    """The cold-snap list (registered households of compounds with open tickets or low readings), logged."""
    require_role(user=actor, right=Right.REGISTER_READ)
    rows = cold_snap_rows(user=actor)
    _audit_register(actor=actor, rows=[row for row, _ in rows], via=via, compound=None, request=request)
    return rows


def _audit_register(
    *, actor: User, rows: list[VulnerableHousehold], via: str, compound: str | None, request: HttpRequest | None
) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.VULNERABLE_READ,
        object_type="vulnerable_register",
        object_id=compound or "",
        detail={"via": via, "count": len(rows), "households": [row.pk for row in rows][:1000]},
        request=request,
    )


def _dates(starts_on: dt.date, ends_on: dt.date) -> None:
    if ends_on < starts_on:
        raise _invalid("to", "结束日期早于开始日期 / to is before from")


def campaign_create(
    *, actor: User, name: str, starts_on: dt.date, ends_on: dt.date, compounds: list[str] | None = None
) -> Campaign:
    """A visit campaign over the named compounds or, with none named, last season's hotspots among the
    compounds the actor visits (ranked by requests per 100 households)."""
    require_role(user=actor, right=Right.VISIT)
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise _invalid("name", "名称必填且不超过 80 字 / name is required, at most 80 characters")
    _dates(starts_on, ends_on)
    mine = compounds_within(user=actor, right=Right.VISIT)
    if compounds:
        chosen = [compound_get(code) for code in dict.fromkeys(compounds)]
        for compound in chosen:
            require(user=actor, right=Right.VISIT, compound=compound)
    else:
        since, until = season_bounds(today=starts_on)
        chosen = [spot.compound for spot in hotspots(compounds=mine, since=since, until=until)]
        if not chosen:
            raise _invalid("compounds", "上一供暖季没有热点小区，请指定小区 / no hotspots last season: name compounds")
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name,
            community=actor.community,
            starts_on=starts_on,
            ends_on=ends_on,
            from_hotspots=not compounds,
            created_by=actor,
            created_at=clock.now(),
        )
        campaign.compounds.set(chosen)
    return campaign


@dataclass(frozen=True)
class VisitIn:
    compound: str
    building: str
    unit: str
    room: str
    indoor_temp: Decimal | float | str | None
    problem: bool
    note: str = ""
    campaign: int | None = None
    contact_phone: str = ""
    contact_name: str = ""
    category: str = ""


def _temperature(value: Decimal | float | str | None) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        reading = Decimal(str(value)).quantize(Decimal("0.1"))
    except InvalidOperation:
        raise _invalid("indoor_temp", "室温应为数字 / indoor_temp must be a number") from None
    if not Decimal(-30) <= reading <= Decimal(45):
        raise _invalid("indoor_temp", "室温应在 -30 到 45 °C 之间 / indoor_temp must be within -30..45 °C")
    return reading


def _contact(compound: Compound, household: tuple[str, str, str], phone: str, name: str) -> tuple[str, str]:
    """Whom the desk calls back: the phone given, else the registered contact, else the community steward."""
    if phone:
        return _phone(phone, "contact_phone", required=True), name[:40]
    registered = VulnerableHousehold.objects.filter(
        compound=compound, building=household[0], unit=household[1], room=household[2]
    ).first()
    if registered is not None:
        return registered.contact_phone, registered.contact_name
    stewards = compound_stewards(compound)
    for steward in (stewards.community, *stewards.grid, stewards.enterprise):
        if steward is not None and steward.phone:
            return steward.phone, name or steward.name
    raise _invalid("contact_phone", "请填写住户电话或先登记管家电话 / give contact_phone or set the stewards' phones")


def _campaign(campaign_id: int | None, compound: Compound) -> Campaign | None:
    if campaign_id is None:
        return None
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(f"走访活动 {campaign_id} 不存在 / campaign {campaign_id} not found")
    if not campaign.compounds.filter(pk=compound.pk).exists():
        raise _invalid("compound", "该小区不在此走访活动内 / the compound is not in this campaign")
    return campaign


def _household_text(compound: Compound, building: str, unit: str, room: str) -> str:
    return f"{compound.name}{building}号楼{unit + '单元' if unit else ''}{room}"


def visit_record(*, actor: User, visit: VisitIn, photo: UploadedFile | None = None) -> Visit:
    """Record a visit (访民问暖); a reading below 18 °C or a problem becomes a dispatched ticket with channel
    `proactive` (未诉先办), owned by the intake user, in the same transaction."""
    compound = compound_get(visit.compound)
    require(user=actor, right=Right.VISIT, compound=compound)
    household = _household(visit.building, visit.unit, visit.room)
    reading = _temperature(visit.indoor_temp)
    campaign = _campaign(visit.campaign, compound)
    cold = reading is not None and reading < TEMPERATURE_STANDARD_CELSIUS
    if photo is not None:
        _check_photo(photo)
    with transaction.atomic():
        row = Visit.objects.create(
            campaign=campaign,
            compound=compound,
            building=household[0],
            unit=household[1],
            room=household[2],
            indoor_temp=reading,
            problem=bool(visit.problem),
            note=(visit.note or "")[:2000],
            visited_by=actor,
            visited_at=clock.now(),
        )
        if photo is not None:
            row.photo.save(f"visit-{row.pk}-{photo.name or 'photo'}"[-80:], photo, save=True)
        if cold or visit.problem:
            phone, name = _contact(compound, household, visit.contact_phone, visit.contact_name)
            reading_text = f"入户室温 {reading} °C。" if reading is not None else ""
            row.ticket = intake.ticket_open_dispatched(
                call=intake.CommunityCall(
                    channel=Channel.PROACTIVE,
                    category=visit.category or (Category.NOT_WARM if cold else Category.OTHER),
                    compound=compound.code,
                    building=household[0],
                    unit=household[1],
                    room=household[2],
                    contact_phone=phone,
                    contact_name=name,
                    description=f"走访发现（{actor.label}）：{reading_text}{visit.note or ''}"[:4000],
                    idempotency_key=f"visit:{row.pk}",
                )
            )
            row.save(update_fields=["ticket"])
    return row


def _check_photo(photo: UploadedFile) -> None:
    if (photo.size or 0) > MAX_PHOTO_BYTES:
        raise _invalid("photo", "照片太大 / the photo is too large")
    head = photo.read(8)
    photo.seek(0)
    if not (head.startswith((b"\xff\xd8\xff", b"\x89PNG", b"GIF8")) or head[4:8] == b"ftyp"):
        raise _invalid("photo", "照片须为 JPEG/PNG/GIF/HEIC / the photo must be an image")


@dataclass(frozen=True)
class LedgerIn:
    compound: str
    title: str
    category: str
    households: list[tuple[str, str, str]]
    plan_date: dt.date | None = None
    contact_phone: str = ""


def ledger_create(*, actor: User, entry: LedgerIn) -> Ledger:
    """A problem ledger (问题台账) of one compound: one ticket per household, all dispatched in one transaction."""
    compound = compound_get(entry.compound)
    require(user=actor, right=Right.LEDGER_EDIT, compound=compound)
    title = (entry.title or "").strip()
    if not title or len(title) > 120:
        raise _invalid("title", "标题必填且不超过 120 字 / title is required, at most 120 characters")
    if entry.category not in Category.values:
        raise _invalid("category", f"category 取值无效 / category must be one of {', '.join(Category.values)}")
    households = list(dict.fromkeys(_household(*h) for h in entry.households))
    if not households or len(households) > MAX_LEDGER_HOUSEHOLDS:
        raise _invalid("households", f"住户 1 到 {MAX_LEDGER_HOUSEHOLDS} 户 / 1 to {MAX_LEDGER_HOUSEHOLDS} households")
    with transaction.atomic():
        ledger = Ledger.objects.create(
            compound=compound,
            title=title,
            category=entry.category,
            plan_date=entry.plan_date,
            created_by=actor,
            created_at=clock.now(),
        )
        for household in households:
            phone, name = _contact(compound, household, entry.contact_phone, "")
            ticket = intake.ticket_open_dispatched(
                call=intake.CommunityCall(
                    channel=Channel.COMMUNITY,
                    category=entry.category,
                    compound=compound.code,
                    building=household[0],
                    unit=household[1],
                    room=household[2],
                    contact_phone=phone,
                    contact_name=name,
                    description=f"问题台账：{title}（{_household_text(compound, *household)}）",
                    idempotency_key=f"ledger:{ledger.pk}:{'-'.join(household)}",
                )
            )
            LedgerHousehold.objects.create(
                ledger=ledger, building=household[0], unit=household[1], room=household[2], ticket=ticket
            )
    return ledger


def ledger_get(*, actor: User, ledger_id: int) -> Ledger:
    """The ledger if the actor may read it (403 for another organisation's, 404 for none)."""
    ledger = Ledger.objects.select_related("compound").filter(pk=ledger_id).first()
    if ledger is None:
        raise NotFound(f"台账 {ledger_id} 不存在 / ledger {ledger_id} not found")
    require(user=actor, right=Right.LEDGER_READ, compound=ledger.compound)
    return ledger


def ledger_household_refused(*, actor: User, ledger_id: int, household_id: int, note: str = "") -> LedgerHousehold:
    """Mark a ledger household as having refused access (拒绝入户): settled without a fix."""
    with transaction.atomic():
        ledger = Ledger.objects.select_for_update().select_related("compound").filter(pk=ledger_id).first()
        if ledger is None:
            raise NotFound(f"台账 {ledger_id} 不存在 / ledger {ledger_id} not found")
        require(user=actor, right=Right.LEDGER_EDIT, compound=ledger.compound)
        row = LedgerHousehold.objects.filter(ledger=ledger, pk=household_id).select_related("ticket").first()
        if row is None:
            raise NotFound(f"住户 {household_id} 不在此台账 / household {household_id} not in this ledger")
        if ledger.closed_at is not None:
            raise Conflict("台账已销账 / the ledger is closed")
        if row.ticket.status == TicketStatus.CLOSED:
            raise Conflict("该户工单已办结 / this household's ticket is already closed")
        row.refused_at, row.refused_note = clock.now(), (note or "")[:200]
        row.save(update_fields=["refused_at", "refused_note"])
    return row


def ledger_close(*, actor: User, ledger_id: int) -> Ledger:
    """Close (销账) a ledger: only when every household is settled (fixed or refused access)."""
    with transaction.atomic():
        ledger = Ledger.objects.select_for_update().select_related("compound").filter(pk=ledger_id).first()
        if ledger is None:
            raise NotFound(f"台账 {ledger_id} 不存在 / ledger {ledger_id} not found")
        require(user=actor, right=Right.LEDGER_EDIT, compound=ledger.compound)
        if ledger.closed_at is not None:
            raise Conflict("台账已销账 / the ledger is already closed")
        if not ledger_progress(ledger).closable:
            raise Conflict("仍有住户未办结 / some households are still open")
        ledger.closed_at = clock.now()
        ledger.save(update_fields=["closed_at"])
    return ledger
