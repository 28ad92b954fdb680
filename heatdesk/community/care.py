"""重点关爱 at intake and on the ticket (DESIGN §10 "Community"): the compound's stewards and whether the household
is on the vulnerable register, for the desk taking the call, the ticket page and the station's card.

A household found on the register is a read of the register: it is written to the audit log (who, which
compound and household, through which screen). A lookup that finds nothing reveals no row and is not logged.
Who sees what: the flag (kind, contact masked) goes to the desk, the serving station and the compound's
community — those the register is shown to, and the operator who takes that household's call; stewards'
phones are shown in full to the desk and the serving station (they call them), masked to everyone else.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.http import HttpRequest

from heatdesk.accounts.models import Role, User
from heatdesk.audit.models import AuditAction
from heatdesk.audit.services import audit_record
from heatdesk.community.models import VulnerableKind
from heatdesk.community.selectors import (
    CompoundStewards,
    RegisteredHousehold,
    StewardView,
    compound_stewards,
    vulnerable_household,
)
from heatdesk.core.errors import ValidationFailed
from heatdesk.geo.models import Compound
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.routing import Route
from heatdesk.tickets.selectors import phone_masked
from heatdesk.tickets.services import TicketIntake, intake_route

DESK_ROLES = frozenset({Role.OPERATOR, Role.DESK_LEAD})


@dataclass(frozen=True)
class Care:
    """What the operator sees beside the resolved address."""

    stewards: CompoundStewards | None
    household: RegisteredHousehold | None

    @property
    def kind_label(self) -> str:
        return str(VulnerableKind(self.household.kind).label) if self.household else ""

    @property
    def has_stewards(self) -> bool:
        stewards = self.stewards
        return stewards is not None and bool(stewards.enterprise or stewards.community or stewards.grid)


def _serves(user: User, compound: Compound, station_id: int | None) -> bool:
    """A station user of the station serving the household (the ticket's, else the compound's)."""
    serving = station_id or compound.station_id
    return user.role == Role.STATION and user.station_id is not None and user.station_id == serving


def _sees_full_steward_phones(user: User, compound: Compound, station_id: int | None) -> bool:
    return user.role in DESK_ROLES or _serves(user, compound, station_id)


def _sees_flag(user: User, compound: Compound, station_id: int | None) -> bool:
    if user.role in DESK_ROLES:
        return True
    if user.role == Role.STATION:
        return _serves(user, compound, station_id)
    return user.role == Role.COMMUNITY and user.community_id is not None and user.community_id == compound.community_id


def _masked(view: StewardView | None) -> StewardView | None:
    return None if view is None else replace(view, phone=phone_masked(view.phone) if view.phone else "")


def stewards_for(*, user: User, compound: Compound, station_id: int | None = None) -> CompoundStewards:
    """The compound's stewards, phones masked unless `user` is the desk or the serving station."""
    stewards = compound_stewards(compound)
    if _sees_full_steward_phones(user, compound, station_id):
        return stewards
    return replace(
        stewards,
        enterprise=_masked(stewards.enterprise),
        community=_masked(stewards.community),
        grid=[v for v in (_masked(view) for view in stewards.grid) if v is not None],
    )


def _audit_household_read(
    *, user: User, compound: Compound, household: str, via: str, request: HttpRequest | None
) -> None:
    audit_record(
        actor=user,
        action=AuditAction.VULNERABLE_READ,
        object_type="vulnerable_register",
        object_id=compound.code,
        detail={"via": via, "count": 1, "household": household},
        request=request,
    )


def care_lookup(
    *,
    user: User,
    compound: Compound | None,
    building: str,
    unit: str,
    room: str,
    via: str,
    request: HttpRequest | None = None,
    station_id: int | None = None,
) -> Care:
    """Stewards of the compound and, for those who may see it, the household's register flag (audited when found)."""
    if compound is None:
        return Care(stewards=None, household=None)
    sees = _sees_flag(user, compound, station_id)
    household = vulnerable_household(compound, building, unit, room) if sees else None
    if household is not None:
        _audit_household_read(
            user=user, compound=compound, household=f"{building}-{unit}-{room}", via=via, request=request
        )
    return Care(stewards=stewards_for(user=user, compound=compound, station_id=station_id), household=household)


def ticket_care(*, user: User, ticket: Ticket, request: HttpRequest | None = None) -> Care:
    """The same for a ticket's page."""
    return care_lookup(
        user=user,
        compound=ticket.compound,
        building=ticket.building,
        unit=ticket.unit,
        room=ticket.room,
        via="ticket_page",
        request=request,
        station_id=ticket.station_id,
    )


def station_card_facts(ticket: Ticket) -> list[tuple[str, str]]:
    """The compound's stewards as one line of the station group's card, phones masked like every number on a card
    (the ticket page behind the card's link shows the station the full numbers)."""
    if ticket.compound is None:
        return []
    stewards = compound_stewards(ticket.compound)
    named = [("社区管家", stewards.community), ("供热管家", stewards.enterprise)]
    named += [("网格员", worker) for worker in stewards.grid if worker.on_duty]
    parts = [
        f"{label} {view.name} {phone_masked(view.phone) if view.phone else ''}".strip() for label, view in named if view
    ]
    return [("小区管家", "；".join(parts))] if parts else []


def call_with_care_urgency(
    *, user: User, call: TicketIntake, request: HttpRequest | None = None
) -> tuple[TicketIntake, Route | None]:
    """A call from a household on the register is urgent unless the caller said otherwise (API intake).

    Returns the call and the route found on the way (None when none was looked up), which the intake takes
    instead of routing the same address a second time."""
    if call.urgency is not None:
        return call, None
    try:
        route = intake_route(call)
    except ValidationFailed:  # the intake refuses it, in its own order of checks
        return call, None
    if route.compound is None or not _sees_flag(user, route.compound, route.station.id if route.station else None):
        return call, route
    if vulnerable_household(route.compound, route.building, route.unit, route.room) is None:
        return call, route
    where = f"{route.building}-{route.unit}-{route.room}"
    _audit_household_read(user=user, compound=route.compound, household=where, via="api", request=request)
    return replace(call, urgency="urgent"), route
