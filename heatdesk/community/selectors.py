"""Reads of community data: stewards, the register (through services, which log every read), hotspots,
campaign and ledger progress. Scope is asked of `community.access`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from heatdesk.accounts.models import User
from heatdesk.community.access import Right, compounds_within
from heatdesk.community.models import (
    TEMPERATURE_STANDARD_CELSIUS,
    Campaign,
    Ledger,
    LedgerHousehold,
    Steward,
    StewardKind,
    Visit,
    VulnerableHousehold,
)
from heatdesk.core import clock
from heatdesk.core.prepared import PreparedQuery
from heatdesk.geo.models import Compound
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.selectors import phone_masked
from heatdesk.tickets.states import OPEN_STATUSES, TicketStatus

HOTSPOT_LIMIT = 10
COLD_SNAP_DAYS = 7


@dataclass(frozen=True)
class StewardView:
    name: str
    phone: str
    on_duty: bool = True

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "phone": self.phone, "on_duty": self.on_duty}


@dataclass(frozen=True)
class CompoundStewards:
    """The 双管家 of a compound and its grid workers; a missing steward is None."""

    compound: str
    enterprise: StewardView | None
    community: StewardView | None
    grid: list[StewardView] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "compound": self.compound,
            "enterprise": self.enterprise.as_json() if self.enterprise else None,
            "community": self.community.as_json() if self.community else None,
            "grid": [worker.as_json() for worker in self.grid],
        }


# Read for every card sent to a station group: compiled once.
_STEWARDS = PreparedQuery(
    Steward, lambda compound_id: Steward.objects.filter(compound_id=compound_id).order_by("kind", "position", "id")
)


def compound_stewards(compound: Compound) -> CompoundStewards:
    """Who to call about a compound: for the desk at intake, the ticket page and the station's work-group card."""
    rows = _STEWARDS.all(compound.id)

    def view(row: Steward) -> StewardView:
        return StewardView(name=row.name, phone=row.phone, on_duty=row.on_duty)

    by_kind = {row.kind: view(row) for row in rows if row.kind != StewardKind.GRID}
    return CompoundStewards(
        compound=compound.code,
        enterprise=by_kind.get(StewardKind.ENTERPRISE),
        community=by_kind.get(StewardKind.COMMUNITY),
        grid=[view(row) for row in rows if row.kind == StewardKind.GRID],
    )


@dataclass(frozen=True)
class RegisteredHousehold:
    """What intake may know of a registered household: the kind, and the contact phone masked."""

    kind: str
    contact_name: str
    contact_phone_masked: str


# Read on every API create that leaves the urgency to the register: compiled once.
_HOUSEHOLD = PreparedQuery(
    VulnerableHousehold,
    lambda compound_id, building, unit, room: (
        VulnerableHousehold.objects.filter(compound_id=compound_id)
        .filter(building=building)
        .filter(unit=unit)
        .filter(room=room)
        .order_by()[:1]
    ),
)


def vulnerable_household(compound: Compound | None, building: str, unit: str, room: str) -> RegisteredHousehold | None:
    """The register's row for this household, if any, with the phone masked: intake flags it urgent by default."""
    if compound is None or not building or not room:
        return None
    row = _HOUSEHOLD.first(compound.id, str(building).strip(), str(unit or "").strip(), str(room).strip())
    if row is None:
        return None
    return RegisteredHousehold(
        kind=row.kind, contact_name=row.contact_name, contact_phone_masked=phone_masked(row.contact_phone)
    )


def vulnerable_rows(*, user: User, compound: Compound | None = None) -> QuerySet[VulnerableHousehold]:
    """The register rows `user` may read (none when the role may not); services log the read."""
    rows = VulnerableHousehold.objects.select_related("compound").filter(
        compound__in=compounds_within(user=user, right=Right.REGISTER_READ)
    )
    return rows.filter(compound=compound) if compound is not None else rows


def cold_snap_rows(*, user: User) -> list[tuple[VulnerableHousehold, list[str]]]:
    """Registered households of compounds with open tickets or a low reading (visit or arrival) in the last
    week, each with its reasons: who to check on first when it turns cold."""
    since = clock.now() - dt.timedelta(days=COLD_SNAP_DAYS)
    compounds = compounds_within(user=user, right=Right.REGISTER_READ)
    open_ids = set(
        Ticket.objects.filter(compound__in=compounds, status__in=OPEN_STATUSES).values_list("compound_id", flat=True)
    )
    low = Decimal(TEMPERATURE_STANDARD_CELSIUS)
    cold_ids = set(
        Visit.objects.filter(compound__in=compounds, visited_at__gte=since, indoor_temp__lt=low).values_list(
            "compound_id", flat=True
        )
    ) | set(
        Ticket.objects.filter(compound__in=compounds, arrived_at__gte=since, arrival_indoor_temp__lt=low).values_list(
            "compound_id", flat=True
        )
    )
    result = []
    for row in vulnerable_rows(user=user).filter(compound_id__in=open_ids | cold_ids):
        reasons = [
            name for name, ids in (("open_tickets", open_ids), ("low_readings", cold_ids)) if row.compound_id in ids
        ]
        result.append((row, reasons))
    return result


def season_bounds(*, today: dt.date) -> tuple[dt.date, dt.date]:
    """Last heating season (Oct 1 → May 1 of the next year) before the one `today` is in or follows."""
    current_start_year = today.year if today.month >= 10 else today.year - 1
    return dt.date(current_start_year - 1, 10, 1), dt.date(current_start_year, 5, 1)


@dataclass(frozen=True)
class Hotspot:
    compound: Compound
    requests: int
    per_100_households: float


def hotspots(
    *, compounds: QuerySet[Compound], since: dt.date, until: dt.date, limit: int = HOTSPOT_LIMIT
) -> list[Hotspot]:
    """Compounds ranked by requests per 100 households created in [since, until) (merged duplicates out)."""
    start, end = _midnight(since), _midnight(until)
    counted = (
        compounds.filter(households__gt=0)
        .annotate(
            requests=Count(
                "tickets",
                filter=Q(tickets__created_at__gte=start, tickets__created_at__lt=end)
                & ~Q(tickets__status=TicketStatus.MERGED),
            )
        )
        .filter(requests__gt=0)
    )
    ranked = [
        Hotspot(compound=c, requests=c.requests, per_100_households=round(c.requests * 100 / (c.households or 1), 2))
        for c in counted
    ]
    ranked.sort(key=lambda h: (-h.per_100_households, -h.requests, h.compound.code))
    return ranked[:limit]


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_current_timezone())


def campaigns_visible(*, user: User) -> QuerySet[Campaign]:
    """Campaigns over compounds the user visits in (the community's own; all for the desk lead)."""
    compounds = compounds_within(user=user, right=Right.VISIT)
    return Campaign.objects.filter(compounds__in=compounds).distinct().order_by("-starts_on", "-id")


@dataclass(frozen=True)
class CampaignProgress:
    households_visited: int
    problems_found: int
    fixed: int

    def as_json(self) -> dict[str, int]:
        return {
            "households_visited": self.households_visited,
            "problems_found": self.problems_found,
            "fixed": self.fixed,
        }


def campaign_progress(campaign: Campaign) -> CampaignProgress:
    """Households visited (distinct), problems found (visits that became tickets), fixed (their tickets closed
    with the citizen's confirmation)."""
    visits = Visit.objects.filter(campaign=campaign)
    households = visits.values("compound_id", "building", "unit", "room").distinct().count()
    problems = visits.filter(ticket__isnull=False)
    fixed = problems.filter(ticket__status=TicketStatus.CLOSED, ticket__closed_unreached=False).count()
    return CampaignProgress(households_visited=households, problems_found=problems.count(), fixed=fixed)


def ledgers_visible(*, user: User) -> QuerySet[Ledger]:
    return Ledger.objects.select_related("compound").filter(
        compound__in=compounds_within(user=user, right=Right.LEDGER_READ)
    )


class HouseholdState:
    FIXED = "fixed"
    OPEN = "open"
    REFUSED = "refused_access"


def household_state(row: LedgerHousehold) -> str:
    """Fixed: its ticket closed with the citizen's confirmation; refused access; else open."""
    if row.ticket.status == TicketStatus.CLOSED and not row.ticket.closed_unreached:
        return HouseholdState.FIXED
    if row.refused_at is not None:
        return HouseholdState.REFUSED
    return HouseholdState.OPEN


@dataclass(frozen=True)
class LedgerProgress:
    ledger: Ledger
    rows: list[tuple[LedgerHousehold, str]]

    @property
    def counts(self) -> dict[str, int]:
        states = [state for _, state in self.rows]
        return {s: states.count(s) for s in (HouseholdState.FIXED, HouseholdState.OPEN, HouseholdState.REFUSED)}

    @property
    def closable(self) -> bool:
        """Every household settled: fixed or refused access."""
        return self.ledger.closed_at is None and self.counts[HouseholdState.OPEN] == 0

    def as_json(self) -> dict[str, object]:
        counts = self.counts
        ledger = self.ledger
        return {
            "id": ledger.pk,
            "compound": ledger.compound.code,
            "title": ledger.title,
            "category": ledger.category,
            "plan_date": ledger.plan_date.isoformat() if ledger.plan_date else None,
            "closed_at": ledger.closed_at.isoformat() if ledger.closed_at else None,
            "households": len(self.rows),
            "fixed": counts[HouseholdState.FIXED],
            "open": counts[HouseholdState.OPEN],
            "refused_access": counts[HouseholdState.REFUSED],
            "closable": self.closable,
            "tickets": [row.ticket.number for row, _ in self.rows],
            "items": [
                {
                    "id": row.pk,
                    "building": row.building,
                    "unit": row.unit,
                    "room": row.room,
                    "ticket": row.ticket.number,
                    "ticket_status": row.ticket.status,
                    "state": state,
                }
                for row, state in self.rows
            ],
        }


def ledger_progress(ledger: Ledger) -> LedgerProgress:
    """The ledger household by household: fixed, open or refused access."""
    rows = LedgerHousehold.objects.filter(ledger=ledger).select_related("ticket").order_by("building", "unit", "room")
    return LedgerProgress(ledger=ledger, rows=[(row, household_state(row)) for row in rows])
