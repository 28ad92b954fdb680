"""Reads of the gazetteer and the heating organisations: lists, address resolution, autocomplete."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet

from heatdesk.geo import resolver
from heatdesk.geo.autocomplete import compound_suggestions
from heatdesk.geo.models import Company, Compound, CompoundAlias, Station, Substation

ALIAS_SEPARATOR = "|"


def station_list() -> QuerySet[Station]:
    return Station.objects.select_related("company", "branch").order_by("code")


def company_list() -> QuerySet[Company]:
    return Company.objects.order_by("code")


def compound_serving(*, compound: Compound, building: str | None) -> tuple[Station, Substation | None]:
    """The station and substation serving a building: the building's own where recorded, else the compound's."""
    return resolver.compound_serving(compound, building)


def address_resolve(*, address: str, district: str | None = None) -> resolver.Resolution:
    """The compound, building, unit, room and serving station an address most likely means."""
    return resolver.resolve(address, district=district)


def compound_autocomplete(*, query: str, limit: int = 10, district: str | None = None) -> list[Compound]:
    """Compounds whose name or alias starts with or contains `query`, or whose pinyin or initials do."""
    return compound_suggestions(query=query, limit=limit, district=district)


def gazetteer_export_rows() -> Iterator[dict[str, str]]:
    """Every compound as one DESIGN §6 row, aliases (imported and learned) joined by |."""
    compounds = (
        Compound.objects.select_related(
            "district", "street", "community", "station__company", "station__branch", "substation"
        )
        .prefetch_related(Prefetch("aliases", queryset=CompoundAlias.objects.order_by("id")))
        .order_by("district__code", "code")
    )
    for compound in compounds:
        station = compound.station
        yield {
            "district": compound.district.name,
            "street": compound.street.name if compound.street else "",
            "community": compound.community.name if compound.community else "",
            "compound": compound.name,
            "aliases": ALIAS_SEPARATOR.join(alias.alias for alias in compound.aliases.all()),
            "station_code": station.code,
            "station_name": station.name,
            "company": station.company.name,
            "branch": station.branch.name if station.branch else "",
            "substation": compound.substation.name if compound.substation else "",
            "households": "" if compound.households is None else str(compound.households),
            "built_year": "" if compound.built_year is None else str(compound.built_year),
        }
