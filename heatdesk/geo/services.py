"""Writes to the gazetteer: importing rows of DESIGN §6 and learning aliases."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from django.db import transaction

from heatdesk.core.errors import ValidationFailed
from heatdesk.geo.models import (
    Branch,
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


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


@cache
def official_district_codes() -> dict[str, str]:
    """District name → 6-digit admin code, from the shipped Hohhot division list."""
    text = (
        resources.files("heatdesk.geo").joinpath("data/hohhot_admin_divisions_jionlp.tsv").read_text("utf-8")
    )
    rows = csv.reader(text.splitlines()[1:], delimiter="\t")
    return {row[0]: row[1] for row in rows if len(row) >= 2}


def _strip_suffix(name: str) -> str:
    for suffix in GENERIC_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _unique_code(model: type, base: str, extra: str) -> str:
    if not model.objects.filter(code=base).exists():
        return base
    candidate = f"{base}-{extra}"
    number = 2
    while model.objects.filter(code=candidate).exists():
        candidate = f"{base}-{extra}{number}"
        number += 1
    return candidate


def _int_or_none(raw: str, column: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return int(float(raw))
    except ValueError as error:
        raise ValidationFailed(f"{column} 不是数字 / {column} is not a number: {raw!r}") from error


def _apply(instance, values: Mapping[str, object]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    if changed:
        instance.save()
    return changed


def _row_upsert(row: Mapping[str, str]) -> str:
    """Create or update one gazetteer row; returns created, updated or unchanged."""
    values = {key: (row.get(key) or "").strip() for key in GAZETTEER_COLUMNS}
    missing = [key for key in REQUIRED_COLUMNS if not values[key]]
    if missing:
        raise ValidationFailed(f"缺少必填列 / missing required columns: {', '.join(missing)}")
    households = _int_or_none(values["households"], "households")
    built_year = _int_or_none(values["built_year"], "built_year")

    district_name = values["district"]
    district = District.objects.filter(name=district_name).first()
    if district is None:
        code = official_district_codes().get(district_name) or slug(district_name)
        district = District.objects.create(name=district_name, code=code)

    company_name = values["company"]
    company = Company.objects.filter(name=company_name).first()
    if company is None:
        company = Company.objects.create(
            name=company_name, code=_unique_code(Company, slug(_strip_suffix(company_name)), "co")
        )
    branch = None
    if values["branch"]:
        branch = Branch.objects.filter(company=company, name=values["branch"]).first()
        if branch is None:
            code = _unique_code(Branch, f"{company.code}-{slug(_strip_suffix(values['branch']))}", "b")
            branch = Branch.objects.create(company=company, name=values["branch"], code=code)

    station = Station.objects.filter(code=values["station_code"]).first()
    if station is None:
        station = Station.objects.create(
            code=values["station_code"], name=values["station_name"], company=company, branch=branch
        )
    else:
        _apply(station, {"name": values["station_name"], "company": company, "branch": branch})

    substation = None
    if values["substation"]:
        substation = Substation.objects.filter(station=station, name=values["substation"]).first()
        if substation is None:
            code = _unique_code(Substation, f"{station.code}-{slug(values['substation'])}", "s")
            substation = Substation.objects.create(station=station, name=values["substation"], code=code)

    street = None
    if values["street"]:
        street, _ = Street.objects.get_or_create(district=district, name=values["street"])
    community = None
    if values["community"] and street is not None:
        community = Community.objects.filter(street=street, name=values["community"]).first()
        if community is None:
            code = _unique_code(Community, slug(_strip_suffix(values["community"])), slug(street.name))
            community = Community.objects.create(street=street, name=values["community"], code=code)

    compound_values = {
        "street": street,
        "community": community,
        "station": station,
        "substation": substation,
        "households": households,
        "built_year": built_year,
        "pinyin": full_pinyin(values["compound"]),
        "initials": pinyin_initials(values["compound"]),
    }
    compound = Compound.objects.filter(district=district, name=values["compound"]).first()
    if compound is None:
        code = _unique_code(Compound, slug(values["compound"]), slug(district_name))
        compound = Compound.objects.create(
            district=district, name=values["compound"], code=code, **compound_values
        )
        outcome = "created"
    else:
        outcome = "updated" if _apply(compound, compound_values) else "unchanged"

    aliases = [alias.strip() for alias in values["aliases"].split("|") if alias.strip()]
    for alias in aliases:
        _, made = CompoundAlias.objects.get_or_create(
            compound=compound,
            alias=alias,
            defaults={"pinyin": full_pinyin(alias), "initials": pinyin_initials(alias)},
        )
        if made and outcome == "unchanged":
            outcome = "updated"
    return outcome


def gazetteer_import_rows(*, rows: Iterable[Mapping[str, str]], first_line: int = 2) -> ImportReport:
    """Create or update the gazetteer from DESIGN §6 rows, all or nothing.

    Every row is checked; if any is rejected the whole import is rolled back and the report lists
    each rejected line with its reason.
    """
    report = ImportReport()
    with transaction.atomic():
        for line, row in enumerate(rows, start=first_line):
            try:
                with transaction.atomic():
                    outcome = _row_upsert(row)
            except ValidationFailed as error:
                report.rejected.append((line, error.message))
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
        if report.rejected:
            transaction.set_rollback(True)
    return report
