"""Where an Open311 request is: a compound the desk may route to, or not sure (the desk confirms).

An uncertain address is never guessed: it comes back without a compound, with candidates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.conf import settings

from heatdesk.core.errors import ValidationFailed
from heatdesk.geo.models import Compound
from heatdesk.geo.selectors import address_resolve

EARTH_RADIUS_METERS = 6_371_000.0


@dataclass
class Placement:
    compound: Compound | None = None
    building: str = ""
    unit: str = ""
    room: str = ""
    # True when the compound came from resolving the address text (so the text may stay on the ticket).
    from_address: bool = False
    candidates: list[dict] = field(default_factory=list)

    @property
    def certain(self) -> bool:
        return self.compound is not None


def distance_meters(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) between two WGS84 points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_METERS * math.asin(math.sqrt(a))


def _candidate(compound: Compound, meters: float | None = None) -> dict:
    found = {"code": compound.code, "name": compound.name, "district": compound.district.name}
    if meters is not None:
        found["meters"] = round(meters)
    return found


def place_by_coordinates(*, lat: float, lon: float) -> Placement:
    """The nearest compound with coordinates, if it is within HEATDESK_OPEN311_NEAREST_METERS."""
    compounds = list(
        Compound.objects.select_related("district").filter(lat__isnull=False, lon__isnull=False).order_by("code")
    )
    if not compounds:
        raise ValidationFailed(
            "地名库尚无小区坐标，请提供 address_string / the gazetteer has no coordinates yet: send address_string",
            code="no_coordinates",
        )
    ranked = sorted(((distance_meters(lat, lon, c.lat, c.lon), c) for c in compounds), key=lambda pair: pair[0])
    nearest_meters, nearest = ranked[0]
    candidates = [_candidate(compound, meters) for meters, compound in ranked[:3]]
    if nearest_meters <= settings.HEATDESK_OPEN311_NEAREST_METERS:
        return Placement(compound=nearest, candidates=candidates)
    return Placement(candidates=candidates)


def place(*, address_string: str, address_id: str, lat: float | None, lon: float | None) -> Placement:
    """`address_id` (a compound code) first, then the address text, then the coordinates."""
    if address_id:
        compound = Compound.objects.select_related("district").filter(code=address_id).first()
        if compound is None:
            raise ValidationFailed(f"未知 address_id {address_id} / unknown address_id", code="unknown_address_id")
        placement = Placement(compound=compound)
        if address_string:
            parsed = address_resolve(address=address_string)
            placement.building, placement.unit, placement.room = _parts(parsed)
        return placement
    placement = Placement()
    if address_string:
        result = address_resolve(address=address_string)
        placement.building, placement.unit, placement.room = _parts(result)
        placement.candidates = [
            {**candidate["compound"], "score": candidate["score"]} for candidate in result.candidates_json()
        ]
        if result.compound is not None and result.confident:
            placement.compound, placement.from_address = result.compound, True
            return placement
    if lat is not None and lon is not None:
        by_point = place_by_coordinates(lat=lat, lon=lon)
        placement.compound = by_point.compound
        placement.candidates = placement.candidates or by_point.candidates
    return placement


def _parts(result) -> tuple[str, str, str]:
    return (result.building or "")[:10], (result.unit or "")[:10], (result.room or "")[:10]
