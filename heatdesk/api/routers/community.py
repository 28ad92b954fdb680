"""Community (双管家 · 未诉先办, DESIGN §11 "Community"): stewards, the vulnerable register (every read logged),
visit campaigns, visits that become proactive tickets, and problem ledgers."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from heatdesk.community import access, selectors, services
from heatdesk.community.models import Campaign, Visit, VulnerableHousehold

router = Router(tags=["community"])


class PersonIn(Schema):
    name: str = Field(max_length=40)
    phone: str = Field("", max_length=30)
    on_duty: bool = True


class StewardsIn(Schema):
    enterprise: PersonIn | None = Field(None, description="供热管家 / the heating company's steward")
    community: PersonIn | None = Field(None, description="社区管家 / the community's steward")
    grid: list[PersonIn] = Field(default_factory=list, description="网格员 / grid workers")


class PersonOut(Schema):
    name: str
    phone: str
    on_duty: bool


class StewardsOut(Schema):
    compound: str
    enterprise: PersonOut | None
    community: PersonOut | None
    grid: list[PersonOut]


def _person(person: PersonIn | None) -> services.StewardIn | None:
    return services.StewardIn(name=person.name, phone=person.phone, on_duty=person.on_duty) if person else None


@router.get("/compounds/{code}/stewards", response=StewardsOut)
def stewards_get(request, code: str):
    """The compound's enterprise and community stewards and grid workers."""
    compound = services.compound_get(code)
    access.require(user=request.auth, right=access.Right.STEWARDS_READ, compound=compound)
    return selectors.compound_stewards(compound).as_json()


@router.put("/compounds/{code}/stewards", response=StewardsOut)
def stewards_put(request, code: str, body: StewardsIn):
    """Replace the stewards (the community for its compounds, the company for compounds its stations serve)."""
    compound = services.compound_get(code)
    services.stewards_replace(
        actor=request.auth,
        compound=compound,
        enterprise=_person(body.enterprise),
        community=_person(body.community),
        grid=[p for p in map(_person, body.grid) if p is not None],
    )
    return selectors.compound_stewards(compound).as_json()


VulnerableKindCode = Literal["elderly_alone", "disabled", "infant", "ill", "other"]


class VulnerableIn(Schema):
    compound: str = Field(max_length=60)
    building: str = Field(max_length=10)
    unit: str = Field("", max_length=10)
    room: str = Field(max_length=10)
    kind: VulnerableKindCode
    contact_name: str = Field(max_length=40)
    contact_phone: str = Field(max_length=30)
    consent_at: dt.date


class VulnerableOut(Schema):
    id: int
    compound: str
    building: str
    unit: str
    room: str
    kind: str
    contact_name: str
    contact_phone: str
    consent_at: dt.date


class ColdSnapOut(VulnerableOut):
    reasons: list[str] = Field(description="open_tickets | low_readings")


def _vulnerable(row: VulnerableHousehold) -> dict:
    return {
        "id": row.pk,
        "compound": row.compound.code,
        "building": row.building,
        "unit": row.unit,
        "room": row.room,
        "kind": row.kind,
        "contact_name": row.contact_name,
        "contact_phone": row.contact_phone,
        "consent_at": row.consent_at,
    }


@router.get("/vulnerable", response=list[VulnerableOut])
def vulnerable_list(request, compound: str | None = Query(None, max_length=60)):
    """The register (the community, the serving station and the desk lead only); every read is logged."""
    rows = services.vulnerable_register_read(actor=request.auth, compound=compound, via="api", request=request)
    return [_vulnerable(row) for row in rows]


@router.post("/vulnerable", response={201: VulnerableOut})
def vulnerable_add(request, body: VulnerableIn):
    """Register a household with its consent."""
    row = services.vulnerable_register(actor=request.auth, entry=services.VulnerableIn(**body.dict()))
    return Status(201, _vulnerable(row))


@router.get("/vulnerable/cold-snap", response=list[ColdSnapOut])
def vulnerable_cold_snap(request):
    """Registered households of compounds with open tickets or low readings in the last week (logged)."""
    rows = services.vulnerable_cold_snap_read(actor=request.auth, via="api_cold_snap", request=request)
    return [{**_vulnerable(row), "reasons": reasons} for row, reasons in rows]


class CampaignIn(Schema):
    model_config = ConfigDict(populate_by_name=True)

    name: str = Field(max_length=80)
    compounds: list[str] | None = Field(None, max_length=200, description="小区编码; none: last season's hotspots")
    date_from: dt.date = Field(alias="from")
    date_to: dt.date = Field(alias="to")


class ProgressOut(Schema):
    households_visited: int
    problems_found: int
    fixed: int


class CampaignOut(Schema):
    model_config = ConfigDict(populate_by_name=True)

    id: int
    name: str
    compounds: list[str]
    date_from: dt.date = Field(serialization_alias="from")
    date_to: dt.date = Field(serialization_alias="to")
    from_hotspots: bool
    progress: ProgressOut


def _campaign(campaign: Campaign) -> dict:
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "compounds": list(campaign.compounds.order_by("code").values_list("code", flat=True)),
        "date_from": campaign.starts_on,
        "date_to": campaign.ends_on,
        "from_hotspots": campaign.from_hotspots,
        "progress": selectors.campaign_progress(campaign).as_json(),
    }


@router.post("/campaigns", response={201: CampaignOut}, by_alias=True)
def campaign_add(request, body: CampaignIn):
    """A visit campaign (访民问暖) over the named compounds, or last season's hotspots ranked."""
    campaign = services.campaign_create(
        actor=request.auth,
        name=body.name,
        starts_on=body.date_from,
        ends_on=body.date_to,
        compounds=body.compounds,
    )
    return Status(201, _campaign(campaign))


@router.get("/campaigns", response=list[CampaignOut], by_alias=True)
def campaign_list(request):
    """The campaigns over the user's compounds, with their progress."""
    access.require_role(user=request.auth, right=access.Right.VISIT)
    return [_campaign(c) for c in selectors.campaigns_visible(user=request.auth)[:200]]


class VisitIn(Schema):
    campaign: int | None = None
    compound: str = Field(max_length=60)
    building: str = Field(max_length=10)
    unit: str = Field("", max_length=10)
    room: str = Field(max_length=10)
    indoor_temp: float | None = Field(None, ge=-30, le=45, description="°C")
    note: str = Field("", max_length=2000)
    problem: bool = False
    contact_phone: str = Field("", max_length=30, description="住户电话 (optional; else the register or steward)")
    contact_name: str = Field("", max_length=40)


class VisitOut(Schema):
    id: int
    campaign: int | None
    compound: str
    building: str
    unit: str
    room: str
    indoor_temp: float | None
    problem: bool
    note: str
    visited_at: dt.datetime
    ticket: str | None = Field(description="the proactive ticket's number, if the visit opened one")


def _visit(visit: Visit) -> dict:
    return {
        "id": visit.pk,
        "campaign": visit.campaign_id,
        "compound": visit.compound.code,
        "building": visit.building,
        "unit": visit.unit,
        "room": visit.room,
        "indoor_temp": float(visit.indoor_temp) if visit.indoor_temp is not None else None,
        "problem": visit.problem,
        "note": visit.note,
        "visited_at": visit.visited_at,
        "ticket": visit.ticket.number if visit.ticket else None,
    }


@router.post("/visits", response={201: VisitOut})
def visit_add(request, body: VisitIn):
    """Record a visit; below 18 °C or `problem: true` opens a dispatched ticket with channel `proactive`."""
    visit = services.visit_record(actor=request.auth, visit=services.VisitIn(**body.dict()))
    return Status(201, _visit(visit))


class HouseholdIn(Schema):
    building: str = Field(max_length=10)
    unit: str = Field("", max_length=10)
    room: str = Field(max_length=10)


class LedgerIn(Schema):
    compound: str = Field(max_length=60)
    title: str = Field(max_length=120)
    category: str = Field(max_length=20)
    households: list[HouseholdIn] = Field(max_length=services.MAX_LEDGER_HOUSEHOLDS)
    plan_date: dt.date | None = None
    contact_phone: str = Field("", max_length=30, description="whom the desk calls back (else the steward)")


class LedgerItemOut(Schema):
    id: int
    building: str
    unit: str
    room: str
    ticket: str
    ticket_status: str
    state: str = Field(description="fixed | open | refused_access")


class LedgerOut(Schema):
    id: int
    compound: str
    title: str
    category: str
    plan_date: dt.date | None
    closed_at: str | None
    households: int
    fixed: int
    open: int
    refused_access: int
    closable: bool
    tickets: list[str]
    items: list[LedgerItemOut]


class RefusedIn(Schema):
    note: str = Field("", max_length=200)


@router.post("/ledgers", response={201: LedgerOut})
def ledger_add(request, body: LedgerIn):
    """A problem ledger (问题台账): one ticket per household, batch-dispatched in one transaction."""
    ledger = services.ledger_create(
        actor=request.auth,
        entry=services.LedgerIn(
            compound=body.compound,
            title=body.title,
            category=body.category,
            households=[(h.building, h.unit, h.room) for h in body.households],
            plan_date=body.plan_date,
            contact_phone=body.contact_phone,
        ),
    )
    return Status(201, selectors.ledger_progress(ledger).as_json())


@router.get("/ledgers", response=list[LedgerOut])
def ledger_list(request):
    access.require_role(user=request.auth, right=access.Right.LEDGER_READ)
    return [
        selectors.ledger_progress(ledger).as_json() for ledger in selectors.ledgers_visible(user=request.auth)[:200]
    ]


@router.get("/ledgers/{ledger_id}", response=LedgerOut)
def ledger_get(request, ledger_id: int):
    """The ledger household by household: `households`, `fixed`, `open`, `tickets`, each item's state."""
    ledger = services.ledger_get(actor=request.auth, ledger_id=ledger_id)
    return selectors.ledger_progress(ledger).as_json()


@router.post("/ledgers/{ledger_id}/households/{household_id}/refused", response=LedgerOut)
def ledger_household_refused(request, ledger_id: int, household_id: int, body: RefusedIn):
    """Mark a household as having refused access (拒绝入户): settled without a fix."""
    services.ledger_household_refused(
        actor=request.auth, ledger_id=ledger_id, household_id=household_id, note=body.note
    )
    return selectors.ledger_progress(services.ledger_get(actor=request.auth, ledger_id=ledger_id)).as_json()


@router.post("/ledgers/{ledger_id}/close", response=LedgerOut)
def ledger_close(request, ledger_id: int):
    """Close (销账) the ledger; refused (409) while a household is still open."""
    ledger = services.ledger_close(actor=request.auth, ledger_id=ledger_id)
    return selectors.ledger_progress(ledger).as_json()
