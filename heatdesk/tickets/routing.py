"""Where a new ticket goes: the compound, building, unit, room and the station that serves them."""

from __future__ import annotations

from dataclasses import dataclass, field

from heatdesk.core.errors import ValidationFailed
from heatdesk.geo.models import Compound, Station, Substation
from heatdesk.geo.selectors import address_resolve, compound_serving


@dataclass
class Route:
    compound: Compound | None = None
    building: str = ""
    unit: str = ""
    room: str = ""
    station: Station | None = None
    substation: Substation | None = None
    confidence: float | None = None
    confident: bool = False
    candidates: list[dict] = field(default_factory=list)
    # Address text the operator confirmed for a compound the resolver was not sure of: learn it as an alias.
    alias_to_learn: str = ""


def ticket_route(
    *, address: str, compound_code: str | None, building: str, unit: str, room: str, station_code: str | None
) -> Route:
    """Route by an explicit compound code, else by resolving the address text; an explicit station wins."""
    route = Route(building=building, unit=unit, room=room)
    result = address_resolve(address=address) if address else None
    if result is not None:
        route.confidence, route.confident = result.confidence, result.confident
        route.candidates = result.candidates_json()
        route.building = building or result.building or ""
        route.unit = unit or result.unit or ""
        route.room = room or result.room or ""
        if result.compound is not None and result.confident:
            route.compound = result.compound
            if route.building == (result.building or ""):  # the resolver already found who serves it
                route.station, route.substation = result.station, result.substation
    if compound_code:
        related = ("station__company", "substation", "district")
        compound = Compound.objects.select_related(*related).filter(code=compound_code).first()
        if compound is None:
            raise ValidationFailed(f"未知小区 {compound_code} / unknown compound", details=[{"field": "compound"}])
        if route.compound != compound:
            route.station = route.substation = None
            if result is not None:
                route.alias_to_learn = address
        route.compound, route.confidence, route.confident = compound, 1.0, True
    if route.compound is not None and route.station is None:
        route.station, route.substation = compound_serving(compound=route.compound, building=route.building)
    if station_code:
        station = Station.objects.select_related("company").filter(code=station_code).first()
        if station is None:
            raise ValidationFailed(f"未知供暖所 {station_code} / unknown station", details=[{"field": "station"}])
        route.station = station
    return route
