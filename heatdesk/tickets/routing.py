"""Where a new ticket goes: the compound, building, unit, room and the station that serves them."""

from __future__ import annotations

from dataclasses import dataclass, field

from heatdesk.core.errors import ValidationFailed
from heatdesk.geo.models import Building, Compound, Station, Substation


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


def _serving(compound: Compound, building: str) -> tuple[Station, Substation | None]:
    """Building-level overrides first, then the compound's station and substation."""
    if building:
        override = (
            Building.objects.filter(compound=compound, number=building).select_related("station", "substation").first()
        )
        if override is not None:
            return override.station or compound.station, override.substation or compound.substation
    return compound.station, compound.substation


def _resolve_text(text: str):
    from heatdesk.geo.resolver import resolve  # the resolver owns parsing, aliases, pinyin, fuzzy

    return resolve(text)


def ticket_route(
    *, address: str, compound_code: str | None, building: str, unit: str, room: str, station_code: str | None
) -> Route:
    """Route by an explicit compound code, else by resolving the address text; an explicit station wins."""
    route = Route(building=building, unit=unit, room=room)
    if compound_code:
        compound = (
            Compound.objects.select_related("station", "substation", "district").filter(code=compound_code).first()
        )
        if compound is None:
            raise ValidationFailed(f"未知小区 {compound_code} / unknown compound", details=[{"field": "compound"}])
        route.compound, route.confidence, route.confident = compound, 1.0, True
    elif address:
        result = _resolve_text(address)
        route.confidence, route.confident = result.confidence, result.confident
        route.candidates = result.candidates_json()
        route.building = building or result.building or ""
        route.unit = unit or result.unit or ""
        route.room = room or result.room or ""
        if result.compound is not None and result.confident:
            route.compound = result.compound
    if route.compound is not None:
        route.station, route.substation = _serving(route.compound, route.building)
    if station_code:
        station = Station.objects.filter(code=station_code).first()
        if station is None:
            raise ValidationFailed(f"未知供暖所 {station_code} / unknown station", details=[{"field": "station"}])
        route.station = station
    return route
