"""Writes to the gazetteer: importing rows of DESIGN §6, learning aliases, admin saves."""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model

from heatdesk.core.errors import ValidationFailed
from heatdesk.geo import resolver
from heatdesk.geo.address import building_number, normalize, parse_address
from heatdesk.geo.gazetteer_index import gazetteer_index_invalidate
from heatdesk.geo.models import (
    Branch,
    Building,
    Community,
    Company,
    Compound,
    CompoundAlias,
    District,
    Station,
    Street,
    Substation,
)
from heatdesk.geo.pinyin import full_pinyin, pinyin_initials, slug
from heatdesk.geo.selectors import ALIAS_SEPARATOR

GAZETTEER_COLUMNS = (
    "district",
    "street",
    "community",
    "compound",
    "aliases",
    "station_code",
    "station_name",
    "company",
    "branch",
    "substation",
    "households",
    "built_year",
)
REQUIRED_COLUMNS = ("district", "compound", "station_code", "station_name", "company")
GENERIC_SUFFIXES = ("热力有限公司", "有限公司", "热力公司", "热力", "供热", "公司", "分公司", "社区")
MAX_LENGTHS = {
    "district": 40,
    "street": 60,
    "community": 60,
    "compound": 80,
    "station_name": 80,
    "company": 80,
    "branch": 80,
    "substation": 80,
}
_STATION_CODE = re.compile(r"^[-a-zA-Z0-9_]{1,40}$")
BUILT_YEARS = range(1900, 2101)


@dataclass
class ImportReport:
    """What an import did (or, on a dry run or a rejected file, would have done)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def applied(self) -> bool:
        return not self.rejected and not self.dry_run


@cache
def official_district_codes() -> dict[str, str]:
    """District name → 6-digit admin code, from the shipped Hohhot division list."""
    text = resources.files("heatdesk.geo").joinpath("data/hohhot_admin_divisions_jionlp.tsv").read_text("utf-8")
    rows = csv.reader(text.splitlines()[1:], delimiter="\t")
    return {row[0]: row[1] for row in rows if len(row) >= 2}


def _strip_suffix(name: str) -> str:
    for suffix in GENERIC_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _unique_code(model: type[Model], base: str, extra: str) -> str:
    if not model._default_manager.filter(code=base).exists():
        return base
    candidate = f"{base}-{extra}"
    number = 2
    while model._default_manager.filter(code=candidate).exists():
        candidate = f"{base}-{extra}{number}"
        number += 1
    return candidate


def _int_or_none(raw: str, column: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        number = float(raw)
    except ValueError as error:
        raise ValidationFailed(f"{column} 不是数字 / {column} is not a number: {raw!r}") from error
    if number != int(number) or number < 0:
        raise ValidationFailed(f"{column} 须为非负整数 / {column} must be a whole number ≥ 0: {raw!r}")
    return int(number)


def _apply(instance: Model, values: Mapping[str, object]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    if changed:
        instance.save()
    return changed


def _clean_row(row: Mapping[str, str]) -> dict[str, Any]:
    """The row's values, checked; raises ValidationFailed naming the first problem."""
    values: dict[str, Any] = {key: str(row.get(key) or "").strip() for key in GAZETTEER_COLUMNS}
    missing = [key for key in REQUIRED_COLUMNS if not values[key]]
    if missing:
        raise ValidationFailed(f"必填项为空 / required value empty: {', '.join(missing)}")
    for column, limit in MAX_LENGTHS.items():
        if len(values[column]) > limit:
            raise ValidationFailed(f"{column} 超过 {limit} 字 / {column} longer than {limit} characters")
    if not _STATION_CODE.match(values["station_code"]):
        raise ValidationFailed(
            f"station_code 只能含字母、数字、-、_ / station_code may hold only letters, digits, - and _: "
            f"{values['station_code']!r}"
        )
    aliases = [alias.strip() for alias in values["aliases"].split(ALIAS_SEPARATOR) if alias.strip()]
    if any(len(alias) > 80 for alias in aliases):
        raise ValidationFailed("别名超过 80 字 / an alias is longer than 80 characters")
    values["aliases"] = list(dict.fromkeys(aliases))
    values["households"] = _int_or_none(values["households"], "households")
    values["built_year"] = _int_or_none(values["built_year"], "built_year")
    if values["built_year"] is not None and values["built_year"] not in BUILT_YEARS:
        raise ValidationFailed(f"built_year 不合理 / built_year out of range: {values['built_year']}")
    return values


class _Upserter:
    """Creates or updates one row at a time, remembering organisations already seen in this import."""

    def __init__(self) -> None:
        self.districts: dict[str, District] = {}
        self.companies: dict[str, Company] = {}
        self.stations: dict[str, Station] = {}

    def district(self, name: str) -> District:
        if name not in self.districts:
            district = District.objects.filter(name=name).first()
            if district is None:
                code = official_district_codes().get(name) or _unique_code(District, slug(name), "d")
                district = District.objects.create(name=name, code=code)
            self.districts[name] = district
        return self.districts[name]

    def company(self, name: str) -> Company:
        if name not in self.companies:
            company = Company.objects.filter(name=name).first()
            if company is None:
                code = _unique_code(Company, slug(_strip_suffix(name)), "co")
                company = Company.objects.create(name=name, code=code)
            self.companies[name] = company
        return self.companies[name]

    def station(self, values: dict[str, Any]) -> Station:
        company = self.company(values["company"])
        branch = None
        if values["branch"]:
            branch = Branch.objects.filter(company=company, name=values["branch"]).first()
            if branch is None:
                code = _unique_code(Branch, f"{company.code}-{slug(_strip_suffix(values['branch']))}", "b")
                branch = Branch.objects.create(company=company, name=values["branch"], code=code)
        code = values["station_code"]
        station = self.stations.get(code) or Station.objects.filter(code=code).first()
        if station is None:
            station = Station.objects.create(code=code, name=values["station_name"], company=company, branch=branch)
        else:
            _apply(station, {"name": values["station_name"], "company": company, "branch": branch})
        self.stations[code] = station
        return station

    def substation(self, station: Station, name: str) -> Substation | None:
        if not name:
            return None
        substation = Substation.objects.filter(station=station, name=name).first()
        if substation is None:
            code = _unique_code(Substation, f"{station.code}-{slug(name)}", "s")
            substation = Substation.objects.create(station=station, name=name, code=code)
        return substation

    def place(
        self, district: District, street_name: str, community_name: str
    ) -> tuple[Street | None, Community | None]:
        street = None
        if street_name:
            street, _ = Street.objects.get_or_create(district=district, name=street_name)
        community = None
        if community_name and street is not None:
            community = Community.objects.filter(street=street, name=community_name).first()
            if community is None:
                code = _unique_code(Community, slug(_strip_suffix(community_name)), slug(street.name))
                community = Community.objects.create(street=street, name=community_name, code=code)
        return street, community

    def row(self, values: dict[str, Any]) -> str:
        """Create or update one gazetteer row; returns created, updated or unchanged."""
        district = self.district(values["district"])
        station = self.station(values)
        street, community = self.place(district, values["street"], values["community"])
        compound_values = {
            "street": street,
            "community": community,
            "station": station,
            "substation": self.substation(station, values["substation"]),
            "households": values["households"],
            "built_year": values["built_year"],
            "pinyin": full_pinyin(values["compound"]),
            "initials": pinyin_initials(values["compound"]),
        }
        compound = Compound.objects.filter(district=district, name=values["compound"]).first()
        if compound is None:
            code = _unique_code(Compound, slug(values["compound"]), slug(district.name))
            compound = Compound.objects.create(district=district, name=values["compound"], code=code, **compound_values)
            outcome = "created"
        else:
            outcome = "updated" if _apply(compound, compound_values) else "unchanged"
        known = set(compound.aliases.values_list("alias", flat=True)) if outcome != "created" else set()
        for alias in values["aliases"]:
            if alias not in known:
                CompoundAlias.objects.create(
                    compound=compound, alias=alias, pinyin=full_pinyin(alias), initials=pinyin_initials(alias)
                )
                outcome = "updated" if outcome == "unchanged" else outcome
        return outcome


def gazetteer_import_rows(
    *,
    rows: Iterable[Mapping[str, str]],
    first_line: int = 2,
    dry_run: bool = False,
    line_numbers: Iterable[int] | None = None,
) -> ImportReport:
    """Create or update the gazetteer from DESIGN §6 rows, all or nothing.

    Every row is checked; if any is rejected (or on a dry run) the whole import is rolled back and
    the report lists each rejected line with its reason. Aliases are added, never removed. Rows are
    numbered from `first_line`, or by `line_numbers` when the source skipped blank lines.
    """
    report = ImportReport(dry_run=dry_run)
    seen_compounds: dict[tuple[str, str], int] = {}
    station_names: dict[str, tuple[str, int]] = {}
    upserter = _Upserter()
    with transaction.atomic():
        numbers = line_numbers if line_numbers is not None else itertools.count(first_line)
        for line, row in zip(numbers, rows, strict=False):
            try:
                values = _clean_row(row)
                key = (values["district"], values["compound"])
                if key in seen_compounds:
                    raise ValidationFailed(
                        f"小区重复,首见于第 {seen_compounds[key]} 行 / compound repeats line {seen_compounds[key]}"
                    )
                seen_compounds[key] = line
                name, named_at = station_names.setdefault(values["station_code"], (values["station_name"], line))
                if name != values["station_name"]:
                    raise ValidationFailed(
                        f"供暖所 {values['station_code']} 在第 {named_at} 行名为 {name} / "
                        f"station {values['station_code']} is named {name} on line {named_at}"
                    )
                if report.rejected:
                    continue  # nothing will be written; keep checking the rest
                with transaction.atomic():
                    outcome = upserter.row(values)
            except ValidationFailed as error:
                report.rejected.append((line, error.message))
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
        if report.rejected or dry_run:
            transaction.set_rollback(True)
    if report.applied and (report.created or report.updated):
        gazetteer_index_invalidate()
    return report


def _same_name(compound: Compound, text: str) -> bool:
    normalized = normalize(text)
    names = [compound.name, *compound.aliases.values_list("alias", flat=True)]
    return any(normalize(name) == normalized for name in names)


def compound_alias_learn(*, compound: Compound, text: str) -> CompoundAlias | None:
    """Keep the compound part of operator-confirmed text as a learned alias (with its pinyin).

    Idempotent. Pinyin or initials are learned only when they did not already route here (initials
    shared by two compounds, ljxq): that exact text then means the chosen one. Nothing is learned
    from text that already names this compound, or from a name or alias of another compound (it
    would make both ambiguous). Returns the alias now recorded, else None.
    """
    alias = parse_address(text).compound_text.strip()
    if len(alias) < 2 or len(alias) > 80:
        return None
    if alias.isascii():
        routed = resolver.resolve(alias)
        if not any(char.isalpha() for char in alias) or (routed.confident and routed.compound == compound):
            return None
    existing = CompoundAlias.objects.filter(compound=compound, alias=alias).first()
    if existing is not None:
        return existing
    if _same_name(compound, alias):
        return None
    if (
        Compound.objects.filter(name=alias).exclude(id=compound.id).exists()
        or CompoundAlias.objects.filter(alias=alias).exclude(compound=compound).exists()
    ):
        return None
    try:
        with transaction.atomic():
            learned = CompoundAlias.objects.create(
                compound=compound,
                alias=alias,
                pinyin=full_pinyin(alias),
                initials=pinyin_initials(alias),
                learned=True,
            )
    except IntegrityError:  # learned at the same moment by another operator
        return CompoundAlias.objects.get(compound=compound, alias=alias)
    gazetteer_index_invalidate()
    return learned


def compound_alias_save(*, alias: CompoundAlias) -> CompoundAlias:
    """Save an alias entered by hand (admin), with its pinyin and initials computed."""
    alias.alias = alias.alias.strip()
    if not alias.alias:
        raise ValidationFailed("别名不能为空 / the alias is empty")
    alias.pinyin = full_pinyin(alias.alias)
    alias.initials = pinyin_initials(alias.alias)
    alias.save()
    gazetteer_index_invalidate()
    return alias


def building_assign(
    *, compound: Compound, number: str, station: Station | None = None, substation: Substation | None = None
) -> Building:
    """Record that one building of a compound is served or fed apart from it (a split compound)."""
    bare = building_number(number)
    if not bare:
        raise ValidationFailed(f"楼号无法识别 / not a building number: {number!r}")
    if station is None and substation is None:
        raise ValidationFailed("需指定供暖所或换热站 / give the building's station or substation")
    building, _ = Building.objects.update_or_create(
        compound=compound, number=bare, defaults={"station": station, "substation": substation}
    )
    return building


def compound_alias_delete(*, alias: CompoundAlias) -> None:
    """Forget an alias (admin); the index notices the lower count on its next use."""
    alias.delete()
    gazetteer_index_invalidate()


def compound_save(*, compound: Compound) -> Compound:
    """Save a compound edited by hand (admin), with its pinyin and initials computed."""
    compound.name = compound.name.strip()
    compound.pinyin = full_pinyin(compound.name)
    compound.initials = pinyin_initials(compound.name)
    compound.save()
    gazetteer_index_invalidate()
    return compound
