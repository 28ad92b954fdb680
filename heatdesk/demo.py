"""The demo city (DESIGN §9) and its accounts (DESIGN §8), seeded idempotently.

Lives at the package root because it spans every bounded context: it calls each one's services.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from importlib import resources

from django.contrib.auth.hashers import make_password
from django.db import transaction

from heatdesk.accounts.models import Role, User
from heatdesk.accounts.services import user_upsert
from heatdesk.community.models import VulnerableHousehold, VulnerableKind
from heatdesk.community.services import StewardIn, VulnerableIn, stewards_replace, vulnerable_register
from heatdesk.core import clock
from heatdesk.geo.models import Community, Company, Compound, Station
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


STEWARD_SURNAMES = "王李张刘陈杨赵黄周吴"
REGISTER_KINDS = (VulnerableKind.ELDERLY_ALONE, VulnerableKind.DISABLED, VulnerableKind.INFANT, VulnerableKind.ILL)


def demo_care_seed() -> int:
    """The demo's 双管家 and a few households on the vulnerable register (building 1, unit 1, room 101 of every
    fifth compound), entered by each community's demo account, so the desk shows 重点关爱 and stewards.
    Not part of `demo_seed`: tests build their own registers. Returns the households newly registered."""
    accounts = {user.community_id: user for user in User.objects.filter(role=Role.COMMUNITY, is_active=True)}
    compounds = Compound.objects.filter(community__isnull=False).select_related("community", "station")
    registered = 0
    for index, compound in enumerate(compounds.order_by("code")):
        actor = accounts.get(compound.community_id)
        if actor is None:
            continue
        surname = STEWARD_SURNAMES[index % len(STEWARD_SURNAMES)]
        phone = f"1390471{index:04d}"
        with transaction.atomic():
            stewards_replace(
                actor=actor,
                compound=compound,
                community=StewardIn(name=f"{surname}丽", phone=phone),
                enterprise=StewardIn(name=f"{surname}强", phone=f"1380471{index:04d}"),
                grid=[StewardIn(name=f"{surname}敏", phone=f"1370471{index:04d}")],
            )
        if index % 5 or VulnerableHousehold.objects.filter(compound=compound, building="1", room="101").exists():
            continue
        kind = REGISTER_KINDS[(index // 5) % len(REGISTER_KINDS)]
        entry = VulnerableIn(
            compound=compound.code,
            building="1",
            unit="1",
            room="101",
            kind=kind,
            contact_name=f"{surname}女士（女儿）",
            contact_phone=f"1350471{index:04d}",
            consent_at=clock.now().date() - dt.timedelta(days=30),
        )
        vulnerable_register(actor=actor, entry=entry)
        registered += 1
    return registered
