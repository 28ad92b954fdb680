"""The demo city (DESIGN §9) and its accounts (DESIGN §8), seeded idempotently.

Lives at the package root because it spans every bounded context: it calls each one's services.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources

from django.contrib.auth.hashers import make_password
from django.db import transaction

from heatdesk.accounts.models import Role
from heatdesk.accounts.services import user_upsert
from heatdesk.geo.models import Community, Company, Station
from heatdesk.geo.services import ImportReport, gazetteer_import_rows
from heatdesk.guidance.services import guidance_demo_seed
from heatdesk.notify.models import Channel, ChannelKind, OrgKind

DEMO_PASSWORD = "heatdesk-demo"  # noqa: S105 - published demo password, demo mode only
DEMO_OPERATORS = (("80725", "话务员80725"), ("80720", "话务员80720"), ("80734", "话务员80734"))


@dataclass
class SeedReport:
    gazetteer: ImportReport
    users_changed: int


def demo_city_rows() -> list[dict[str, str]]:
    text = resources.files("heatdesk.geo").joinpath("data/demo_city.csv").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def _demo_password_hash() -> str:
    # A fixed salt makes the hash deterministic, so a re-seed can compare instead of re-hashing
    # (one PBKDF2 run per seed instead of one per account). Demo accounts only.
    return make_password(DEMO_PASSWORD, salt="heatdeskdemoaccountsalt2026")


def demo_accounts() -> list[dict]:
    accounts: list[dict] = [
        {"username": number, "role": Role.OPERATOR, "job_number": number, "display_name": name}
        for number, name in DEMO_OPERATORS
    ]
    accounts += [
        # The desk lead edits SLA rules and guidance scripts in the admin, so is staff.
        {"username": "lead", "role": Role.DESK_LEAD, "display_name": "专席负责人", "is_staff": True},
        {"username": "regulator", "role": Role.REGULATOR, "display_name": "市供热办"},
        {"username": "admin", "role": Role.ADMIN, "display_name": "系统管理员", "is_superuser": True},
    ]
    for station in Station.objects.order_by("code"):
        accounts.append(
            {
                "username": f"station-{station.code}",
                "role": Role.STATION,
                "station": station,
                "display_name": station.name,
            }
        )
    for company in Company.objects.order_by("code"):
        accounts.append(
            {
                "username": f"company-{company.code}",
                "role": Role.COMPANY,
                "company": company,
                "display_name": company.name,
            }
        )
    for community in Community.objects.filter(compounds__isnull=False).distinct().order_by("code"):
        accounts.append(
            {
                "username": f"community-{community.code}",
                "role": Role.COMMUNITY,
                "community": community,
                "display_name": community.name,
            }
        )
    return accounts


def _demo_work_groups() -> None:
    """A console work group for every organisation (no internet in the demo), so /groups/ fills up."""
    orgs = [(OrgKind.DESK, "city", "专席值班群"), (OrgKind.REGULATOR, "city", "供热办督办群")]
    orgs += [(OrgKind.COMPANY, code, f"{name}调度群") for code, name in Company.objects.values_list("code", "name")]
    orgs += [(OrgKind.STATION, code, f"{name}工作群") for code, name in Station.objects.values_list("code", "name")]
    for org_kind, code, name in orgs:
        Channel.objects.get_or_create(
            org_kind=org_kind, org_code=code, kind=ChannelKind.CONSOLE, defaults={"name": name[:80]}
        )


def demo_seed() -> SeedReport:
    """Load the demo city through the gazetteer importer and create every demo account."""
    with transaction.atomic():
        report = gazetteer_import_rows(rows=demo_city_rows())
        if report.rejected:
            raise RuntimeError(f"demo city rows rejected: {report.rejected}")
        password_hash = _demo_password_hash()
        changed = sum(user_upsert(password_hash=password_hash, **account)[1] for account in demo_accounts())
        guidance_demo_seed()
        _demo_work_groups()
    return SeedReport(gazetteer=report, users_changed=changed)
