"""Last season's tickets from an older system (`heatdesk import-tickets FILE`): CSV (UTF-8 with or
without BOM, else GB18030) or XLSX (first sheet), one header row, read whole before anything is written.

Why this bypasses `ticket_act`: the one door applies *live* transitions at the present time, by an actor
with a role, starting SLA clocks and notifying stations. A historical ticket is none of that — its
transitions happened months ago in another system; replaying them would notify stations, raise alerts
and stamp today's time. So history is written as it was: Ticket rows with their status and milestones
given in the constructor (bulk_create), one `create` TicketEvent with {"imported": true} each, and the
final answer of a confirmed closure as one TicketCallback, so last season reports like this one.
No SLA clocks are started: history raises no alerts. The local days it adds tickets to are handed to
the caller's `days_written` in the same transaction (the command has the reports day book unseal them).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from heatdesk.accounts.models import Role
from heatdesk.core.tabular import table_file_read
from heatdesk.geo.models import Compound, District, Station
from heatdesk.sla import policy
from heatdesk.sla.models import Stage, Urgency
from heatdesk.tickets.models import (
    URGENT_CATEGORIES,
    Category,
    Channel,
    Kind,
    ResolutionCause,
    Satisfaction,
    Ticket,
    TicketCallback,
    TicketEvent,
)
from heatdesk.tickets.states import TicketStatus

MILESTONES = (
    "created_at",
    "first_dispatched_at",
    "dispatched_at",
    "accepted_at",
    "departed_at",
    "arrived_at",
    "resolved_at",
    "closed_at",
)
DEADLINES = ("dispatch_deadline", "response_deadline", "resolution_deadline", "callback_deadline")
COUNTS = ("reopen_count", "return_count", "callback_attempts", "urge_count", "repeat_call_count", "extension_count")
# What a status needs among the milestones; merged tickets cannot be imported (they need their parent).
STATUS_NEEDS = {
    TicketStatus.RECEIVED: (),
    TicketStatus.DISPATCHED: ("dispatched_at",),
    TicketStatus.ACCEPTED: ("accepted_at",),
    TicketStatus.RESOLVED: ("resolved_at",),
    TicketStatus.CLOSED: ("closed_at",),
    TicketStatus.RETURNED: ("dispatched_at",),
}
# Header spellings of the desk's own spreadsheets, mapped to our column names.
CHINESE_HEADERS = {
    "工单号": "number",
    "受理时间": "created_at",
    "问题分类": "category",
    "诉求类型": "kind",
    "紧急程度": "urgency",
    "来源渠道": "channel",
    "来电号码": "caller_phone",
    "来电人": "caller_name",
    "诉求内容": "description",
    "地址": "address",
    "区": "district",
    "小区": "compound",
    "楼": "building",
    "单元": "unit",
    "室": "room",
    "供暖所编码": "station_code",
    "首问负责人": "owner",
    "派单时间": "dispatched_at",
    "响应时间": "accepted_at",
    "出发时间": "departed_at",
    "到达时间": "arrived_at",
    "处置完成时间": "resolved_at",
    "办结时间": "closed_at",
    "满意度": "satisfaction",
    "重办次数": "reopen_count",
    "退单次数": "return_count",
    "到达室温": "arrival_indoor_temp",
}


TRUE_WORDS, FALSE_WORDS = {"1", "true", "yes", "y", "是", "t"}, {"0", "false", "no", "n", "否", "f", ""}
NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9\-_]{1,20}$")


class RowRejected(Exception):
    pass


def ticket_file_rows(path: str | Path) -> list[tuple[int, dict]]:
    """(line number, row) pairs of a tickets file; ValidationFailed for a file that cannot be read."""
    return table_file_read(path, headers=CHINESE_HEADERS)[1]


def _desk_zone() -> ZoneInfo:
    """The desk's wall clock (settings.TIME_ZONE): naive times in old files, and the days of the day book."""
    return ZoneInfo(settings.TIME_ZONE)


# Told, inside the import's transaction, which local days gained tickets.
DaysWritten = Callable[[set[dt.date]], None]


@dataclass
class TicketImportReport:
    created: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, number) already present
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    dry_run: bool = False

    @property
    def applied(self) -> bool:
        return not self.rejected and not self.dry_run


def _choice(row: dict, name: str, choices, default: str | None = None) -> str:
    raw = str(row.get(name) or "").strip()
    if not raw and default is not None:
        return default
    by_label = {str(label): value for value, label in choices.choices}
    value = raw if raw in choices.values else by_label.get(raw)
    if value is None:
        raise RowRejected(f"{name} 取值无效 / {name} must be one of {', '.join(choices.values)}: {raw!r}")
    return value


def _time(row: dict, name: str, *, required: bool = False) -> dt.datetime | None:
    raw = row.get(name)
    if raw in (None, ""):
        if required:
            raise RowRejected(f"缺少 {name} / {name} is required")
        return None
    if isinstance(raw, dt.datetime):
        value = raw
    else:
        try:
            value = dt.datetime.fromisoformat(str(raw).strip().replace("/", "-"))
        except ValueError as error:
            raise RowRejected(f"{name} 不是时间 / {name} is not a time: {raw!r}") from error
    # Times without an offset are the desk's wall-clock time, as the old system and Excel write them.
    return value if value.tzinfo else value.replace(tzinfo=_desk_zone())


def _count(row: dict, name: str) -> int:
    raw = str(row.get(name) or "0").strip()
    if not raw.isdigit() or int(raw) > 1000:
        raise RowRejected(f"{name} 须为非负整数 / {name} must be a whole number ≥ 0: {raw!r}")
    return int(raw)


def _bool(row: dict, name: str) -> bool:
    raw = str(row.get(name) or "").strip().lower()
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise RowRejected(f"{name} 须为 true/false / {name} must be true or false: {raw!r}")


def _temperature(row: dict, name: str) -> Decimal | None:
    raw = row.get(name)
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).strip()).quantize(Decimal("0.1"))
    except InvalidOperation as error:
        raise RowRejected(f"{name} 不是数字 / {name} is not a number: {raw!r}") from error
    if not Decimal(-30) <= value <= Decimal(45):
        raise RowRejected(f"{name} 应在 -30 到 45 °C 之间 / {name} must be within -30…45 °C")
    return value


class _Lookups:
    """Organisations and people by code or name, loaded once per file."""

    def __init__(self) -> None:
        self.stations = {s.code: s for s in Station.objects.all()}
        self.compounds = {c.code: c for c in Compound.objects.select_related("district", "station")}
        self.compounds_by_name: dict[tuple[int, str], Compound] = {}
        for compound in self.compounds.values():
            self.compounds_by_name[(compound.district_id, compound.name)] = compound
        self.districts = {}
        for district in District.objects.all():
            self.districts[district.code] = self.districts[district.name] = district
        self.owners = {
            u.username: u
            for u in get_user_model().objects.filter(Q(role__in=[Role.OPERATOR, Role.DESK_LEAD]) | Q(is_superuser=True))
        }
        self.snapshots = {urgency: policy.policy_snapshot(urgency=urgency) for urgency in Urgency.values}

    def compound(self, raw: str, district: District | None) -> Compound | None:
        if not raw:
            return None
        if raw in self.compounds:
            return self.compounds[raw]
        matches = [c for (district_id, name), c in self.compounds_by_name.items() if name == raw]
        if district is not None:
            matches = [c for c in matches if c.district_id == district.id]
        if len(matches) != 1:
            raise RowRejected(f"小区 {raw} 无法唯一确定 / compound {raw} is unknown or ambiguous (give its code)")
        return matches[0]


def _status_from_milestones(times: dict) -> str:
    """The furthest status the milestones show (a returned ticket needs its status column)."""
    for status, milestone in (
        (TicketStatus.CLOSED, "closed_at"),
        (TicketStatus.RESOLVED, "resolved_at"),
        (TicketStatus.ACCEPTED, "accepted_at"),
        (TicketStatus.DISPATCHED, "dispatched_at"),
    ):
        if times[milestone] is not None:
            return status
    return TicketStatus.RECEIVED


def _place(row: dict, lookups: _Lookups) -> tuple[District | None, Compound | None, Station | None]:
    """District, compound and station of a row; the compound's station unless one is named."""
    raw_district = str(row.get("district") or "").strip()
    district = lookups.districts.get(raw_district) if raw_district else None
    if raw_district and district is None:
        raise RowRejected(f"未知区 / unknown district {raw_district!r}")
    compound = lookups.compound(str(row.get("compound") or "").strip(), district)
    station_code = str(row.get("station_code") or "").strip()
    station = lookups.stations.get(station_code) if station_code else (compound.station if compound else None)
    if station_code and station is None:
        raise RowRejected(f"未知供暖所 / unknown station_code {station_code!r}")
    return district or (compound.district if compound else None), compound, station


def _times_and_status(row: dict) -> tuple[dict, str]:
    """The milestones (in order) and the status they support: a status column, else the furthest milestone."""
    times = {name: _time(row, name, required=name == "created_at") for name in MILESTONES}
    times["first_dispatched_at"] = times["first_dispatched_at"] or times["dispatched_at"]
    present = [(name, value) for name, value in times.items() if value is not None]
    for (earlier, first), (later, second) in itertools.pairwise(present):
        if second < first:
            raise RowRejected(f"{later} 早于 {earlier} / {later} is before {earlier}")
    if str(row.get("status") or "").strip():
        status = _choice(row, "status", TicketStatus)
        if status not in STATUS_NEEDS:
            raise RowRejected("已合并的工单不能导入 / merged tickets cannot be imported")
    else:
        status = _status_from_milestones(times)
    missing = [name for name in STATUS_NEEDS[status] if times[name] is None]
    if missing:
        raise RowRejected(f"状态 {status} 需要 {', '.join(missing)} / status {status} needs {', '.join(missing)}")
    return times, status


def _deadlines(row: dict, times: dict, snapshot: dict) -> dict:
    """Deadlines as given, else derived from the milestones with the SLA policy of today."""
    deadlines = {name: _time(row, name) for name in DEADLINES}
    derived = {
        "dispatch_deadline": (times["created_at"], Stage.DISPATCH),
        "response_deadline": (times["dispatched_at"], Stage.RESPONSE),
        "resolution_deadline": (times["dispatched_at"], Stage.RESOLUTION),
        "callback_deadline": (times["resolved_at"], Stage.CALLBACK),
    }
    for name, (start, stage) in derived.items():
        if deadlines[name] is None and start is not None:
            deadlines[name] = policy.deadline(start=start, snapshot=snapshot, stage=stage)
    return deadlines


def _outcome(row: dict) -> dict:
    """How it ended: cause, phone guidance, temperatures, satisfaction, unreached closure."""
    cause = str(row.get("resolution_cause") or "").strip()
    if cause and cause not in ResolutionCause.values:
        raise RowRejected(f"未知处置原因 / unknown resolution_cause {cause!r}")
    phone_resolved = (
        _bool(row, "phone_resolved") if str(row.get("phone_resolved") or "").strip() else cause == "phone_guidance"
    )
    return {
        "phone_resolved": phone_resolved,
        "resolution_cause": cause,
        "arrival_indoor_temp": _temperature(row, "arrival_indoor_temp"),
        "resolved_indoor_temp": _temperature(row, "resolved_indoor_temp"),
        "satisfaction": _choice(row, "satisfaction", Satisfaction, "") if row.get("satisfaction") else "",
        "closed_unreached": _bool(row, "closed_unreached"),
    }


def _ticket_from_row(row: dict, lookups: _Lookups, default_owner: str | None) -> Ticket:
    number = str(row.get("number") or "").strip()
    if not NUMBER_PATTERN.match(number):
        raise RowRejected(f"工单号无效 / number must be 1–20 letters, digits or dashes: {number!r}")
    category = _choice(row, "category", Category)
    urgency = Urgency.URGENT if category in URGENT_CATEGORIES else _choice(row, "urgency", Urgency, Urgency.NORMAL)
    phone = re.sub(r"\s", "", str(row.get("caller_phone") or ""))
    if not phone or len(phone) > 20:
        raise RowRejected("缺少来电号码 / caller_phone is required (at most 20 characters)")
    district, compound, station = _place(row, lookups)
    owner_name = str(row.get("owner") or "").strip() or default_owner or ""
    owner = lookups.owners.get(owner_name)
    if owner is None:
        raise RowRejected(f"首问负责人须为话务员账号 / owner {owner_name!r} is not an operator account")
    times, status = _times_and_status(row)
    snapshot = lookups.snapshots[urgency]
    return Ticket(
        number=number,
        status=status,
        kind=_choice(row, "kind", Kind, Kind.HELP),
        category=category,
        urgency=urgency,
        channel=_choice(row, "channel", Channel, Channel.PHONE),
        caller_phone=phone,
        caller_name=str(row.get("caller_name") or "")[:40],
        description=str(row.get("description") or "")[:4000],
        address=str(row.get("address") or "")[:200],
        district=district,
        compound=compound,
        building=str(row.get("building") or "")[:10],
        unit=str(row.get("unit") or "")[:10],
        room=str(row.get("room") or "")[:10],
        station=station,
        owner=owner,
        created_by=owner,
        sla=snapshot,
        updated_at=max(value for value in times.values() if value is not None),
        last_repeat_call_at=_time(row, "last_repeat_call_at"),
        **_outcome(row),
        **times,
        **_deadlines(row, times, snapshot),
        **{name: _count(row, name) for name in COUNTS},
    )


def _history_write(built: list[Ticket], days_written: DaysWritten | None) -> list[Ticket]:
    """The tickets, one imported `create` event each and the final answer of confirmed closures, at once."""
    with transaction.atomic():
        tickets = Ticket.objects.bulk_create(built, batch_size=1000)
        TicketEvent.objects.bulk_create(
            [
                TicketEvent(
                    ticket=ticket,
                    kind="create",
                    at=ticket.created_at,
                    actor=ticket.owner,
                    data={"imported": True, "category": ticket.category, "urgency": ticket.urgency},
                )
                for ticket in tickets
            ],
            batch_size=1000,
        )
        # The old system's final answer, for closed tickets the citizen confirmed (closing needs "fixed").
        TicketCallback.objects.bulk_create(
            [
                TicketCallback(
                    ticket=ticket,
                    at=ticket.closed_at,
                    actor=ticket.owner,
                    reached=True,
                    fixed=True,
                    satisfaction=ticket.satisfaction,
                    comment="导入 / imported",
                    outcome="closed",
                )
                for ticket in tickets
                if ticket.satisfaction and ticket.status == TicketStatus.CLOSED and not ticket.closed_unreached
            ],
            batch_size=1000,
        )
        # Days that gained tickets: the caller (the command) has the reports day book unseal them, in
        # this transaction, so a sealed day is never stale.
        if days_written is not None:
            days_written({ticket.created_at.astimezone(_desk_zone()).date() for ticket in tickets})
    return tickets


def tickets_import_rows(
    *,
    rows: list[tuple[int, dict]],
    default_owner: str | None = None,
    dry_run: bool = False,
    days_written: DaysWritten | None = None,
) -> TicketImportReport:
    """Load historical tickets, all or nothing, idempotent by number.

    Every row is checked; if any is rejected (or on a dry run) nothing is written and the report lists
    each bad line with its reason. Numbers already in the database are skipped (a re-run adds nothing).
    """
    report = TicketImportReport(dry_run=dry_run)
    lookups = _Lookups()
    numbers = [str(row.get("number") or "").strip() for _, row in rows]
    existing = set(Ticket.objects.filter(number__in=numbers).values_list("number", flat=True))
    seen: dict[str, int] = {}
    built: list[Ticket] = []
    for line, row in rows:
        number = str(row.get("number") or "").strip()
        if number in seen:
            report.rejected.append(
                (line, f"工单号重复,首见于第 {seen[number]} 行 / number repeats line {seen[number]}")
            )
            continue
        seen[number] = line
        if number in existing:
            report.skipped.append((line, number))
            continue
        try:
            built.append(_ticket_from_row(row, lookups, default_owner))
        except RowRejected as error:
            report.rejected.append((line, str(error)))
    if report.rejected or dry_run:
        report.created = 0 if report.rejected else len(built)
        return report
    tickets = _history_write(built, days_written)
    report.created = len(tickets)
    return report
