"""Building-level routing inside a split compound (楼栋段): rows of `compound, buildings, station_code,
substation`, buildings written like `1-12,15` (or `A,B`, `10B`).

An import replaces the ranges of every compound it names and is all or nothing: each bad line is
reported with its number and nothing changes. Ranges of one compound may not overlap. The serving
station of a building is its own `Building` record's where one exists, then its range's, then the
compound's (`resolver.compound_serving`).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from heatdesk.core.errors import ValidationFailed
from heatdesk.core.prepared import PreparedQuery
from heatdesk.geo.models import BuildingRange, Compound, Station, Substation
from heatdesk.geo.pinyin import slug

BUILDING_RANGE_COLUMNS = ("compound", "buildings", "station_code", "substation")
EXPORT_COLUMNS = (*BUILDING_RANGE_COLUMNS, "district")
_ITEM_SEPARATORS = re.compile(r"[,，、;；\s]+")
_SPAN = re.compile(r"^(\d{1,6})\s*[-~～—至到]\s*(\d{1,6})$")
_SINGLE = re.compile(r"^(?:\d{1,6}[a-z]?|[a-z]\d{0,3}|[甲乙丙丁东西南北中])$", re.IGNORECASE)
_BUILDING_WORD = re.compile(r"(?:号楼|栋|幢|座|号)$")
MAX_SPAN = 2000


@dataclass(frozen=True)
class BuildingSet:
    """The buildings a range names: numeric spans and single labels (A, 10B)."""

    spans: tuple[tuple[int, int], ...]
    labels: frozenset[str]

    def __contains__(self, building: object) -> bool:
        if not isinstance(building, str) or not building:
            return False
        if building.isdigit() and len(building) <= 9:
            number = int(building)
            if any(low <= number <= high for low, high in self.spans):
                return True
        return building.upper() in self.labels

    def overlaps(self, other: BuildingSet) -> bool:
        if self.labels & other.labels:
            return True
        if any(low <= high_2 and low_2 <= high for low, high in self.spans for low_2, high_2 in other.spans):
            return True
        return any(label in other for label in self.labels) or any(label in self for label in other.labels)


def building_set(text: str) -> BuildingSet:
    """`1-12,15` → spans 1..12 and 15; raises ValidationFailed for what is not a building list."""
    spans: list[tuple[int, int]] = []
    labels: set[str] = set()
    items = [item for item in _ITEM_SEPARATORS.split((text or "").strip()) if item]
    if not items:
        raise ValidationFailed("楼号为空 / buildings are empty")
    for item in items:
        item = _BUILDING_WORD.sub("", unicodedata.normalize("NFKC", item))
        span = _SPAN.match(item)
        if span:
            low, high = int(span.group(1)), int(span.group(2))
            if low > high or high - low > MAX_SPAN:
                raise ValidationFailed(f"楼号范围不合理 / not a building range: {item!r}")
            spans.append((low, high))
        elif _SINGLE.match(item):
            labels.add(str(int(item)) if item.isdigit() else item.upper())
        else:
            raise ValidationFailed(f"楼号无法识别 / not a building number or range: {item!r}")
    return BuildingSet(tuple(spans), frozenset(labels))


def building_set_text(text: str) -> str:
    """The canonical spelling of a building list: `1-12,15`."""
    found = building_set(text)
    parts = [f"{low}-{high}" if low != high else str(low) for low, high in sorted(found.spans)]
    return ",".join(parts + sorted(found.labels, key=lambda label: (not label.isdigit(), len(label), label)))


_RANGES = PreparedQuery(
    BuildingRange,
    lambda compound_id: BuildingRange.objects.filter(compound_id=compound_id).select_related("station", "substation"),
)


def building_range_for(compound: Compound, building: str | None) -> BuildingRange | None:
    """The imported range of the compound that holds the building, if any."""
    if not building:
        return None
    for record in _RANGES.all(compound.id):
        if building in building_set(record.buildings):
            return record
    return None


@dataclass
class BuildingImportReport:
    """What an import of building ranges did (or, rejected or on a dry run, would have done)."""

    compounds: int = 0
    ranges: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def applied(self) -> bool:
        return not self.rejected and not self.dry_run


def _compound(values: Mapping[str, str]) -> Compound:
    name, district = values["compound"], values.get("district", "")
    found = Compound.objects.filter(Q(code=name) | Q(name=name))
    if district:
        found = found.filter(Q(district__name=district) | Q(district__code=district))
    compounds = list(found.select_related("district")[:2])
    if not compounds:
        raise ValidationFailed(f"未知小区 / unknown compound: {name!r}")
    if len(compounds) > 1:
        raise ValidationFailed(
            f"小区 {name} 不止一个,请加 district 列 / {name!r} is in more than one district: add a district column"
        )
    return compounds[0]


def _substation(station: Station, name: str) -> Substation | None:
    if not name:
        return None
    found = Substation.objects.filter(code=name).first()
    found = found or Substation.objects.filter(station=station, name=name).first()
    if found is None:
        code = f"{station.code}-{slug(name)}"
        while Substation.objects.filter(code=code).exists():
            code += "-x"
        found = Substation.objects.create(station=station, name=name, code=code)
    return found


def _clean(values: Mapping[str, str]) -> tuple[Compound, BuildingSet, str, Station]:
    missing = [column for column in ("compound", "buildings", "station_code") if not values.get(column)]
    if missing:
        raise ValidationFailed(f"必填项为空 / required value empty: {', '.join(missing)}")
    compound = _compound(values)
    buildings = building_set(values["buildings"])
    station = Station.objects.filter(code=values["station_code"]).first()
    if station is None:
        raise ValidationFailed(f"未知供暖所 / unknown station: {values['station_code']!r}")
    return compound, buildings, building_set_text(values["buildings"]), station


def building_ranges_import_rows(
    *, rows: Iterable[Mapping[str, str]], line_numbers: Iterable[int] | None = None, dry_run: bool = False
) -> BuildingImportReport:
    """Replace the building ranges of every compound the rows name, all or nothing."""
    report = BuildingImportReport(dry_run=dry_run)
    seen: dict[int, list[tuple[BuildingSet, int]]] = {}
    with transaction.atomic():
        numbers = line_numbers if line_numbers is not None else itertools.count(2)
        for line, raw in zip(numbers, rows, strict=False):
            values = {key: str(value or "").strip() for key, value in raw.items()}
            try:
                compound, buildings, text, station = _clean(values)
                for other, other_line in seen.get(compound.id, []):
                    if buildings.overlaps(other):
                        raise ValidationFailed(f"与第 {other_line} 行楼号重叠 / overlaps line {other_line}")
                if compound.id not in seen:
                    compound.building_ranges.all().delete()
                    report.compounds += 1
                seen.setdefault(compound.id, []).append((buildings, line))
                substation = _substation(station, values.get("substation", ""))
                BuildingRange.objects.create(compound=compound, buildings=text, station=station, substation=substation)
                report.ranges += 1
            except ValidationFailed as error:
                report.rejected.append((line, error.message))
        if report.rejected or dry_run:
            transaction.set_rollback(True)
    return report


def building_range_export_rows() -> Iterator[dict[str, str]]:
    """Every building range as an import-ready row (with the compound's district to tell names apart)."""
    records = BuildingRange.objects.select_related("compound__district", "station", "substation").order_by(
        "compound__district__code", "compound__code", "id"
    )
    for record in records:
        yield {
            "compound": record.compound.name,
            "buildings": record.buildings,
            "station_code": record.station.code,
            "substation": record.substation.name if record.substation else "",
            "district": record.compound.district.name,
        }
