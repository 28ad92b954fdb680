"""The ticket detail for its readers (明细 sheet of the report workbooks, and the reports page's CSV): headers
in the reader's language (Chinese, or English when the page is English), labels instead of codes (已办结,
新城区, 兴安北小区, 暖气不热 …), the 诉求内容 and the owner's name, phones masked as the viewer sees them.

The machine-readable variant with codes and the column names `import-tickets` reads back stays in
`exports.TICKET_COLUMNS` (`?codes=1` on the download, `heatdesk report --format csv`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import QuerySet, TextChoices
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

from heatdesk.reports.selectors import report_timezone
from heatdesk.sla.models import Urgency
from heatdesk.tickets.models import Category, Channel, Kind, ResolutionCause, Satisfaction, Ticket
from heatdesk.tickets.selectors import phone_masked, phone_visible_in_full
from heatdesk.tickets.states import TicketStatus

TEXT, CHOICE, YES_NO, TIME, NUMBER = "text", "choice", "yes_no", "time", "number"


@dataclass(frozen=True)
class Column:
    header: str  # Chinese; gettext gives the reader's language
    field: str  # the values() path
    kind: str = TEXT
    width: int = 12
    choices: type[TextChoices] | None = None


def _choice(header: str, field: str, choices: type[TextChoices], width: int = 10) -> Column:
    return Column(header, field, CHOICE, width, choices)


def _time(header: str, field: str) -> Column:
    return Column(header, field, TIME, 17)


READABLE_COLUMNS = (
    Column(_("工单号"), "number", width=18),
    _time(_("受理时间"), "created_at"),
    _choice(_("状态"), "status", TicketStatus, 13),
    _choice(_("诉求类型"), "kind", Kind, 9),
    _choice(_("问题分类"), "category", Category, 11),
    _choice(_("紧急程度"), "urgency", Urgency, 9),
    _choice(_("来源渠道"), "channel", Channel, 9),
    Column(_("来电号码"), "caller_phone", width=14),
    Column(_("区"), "district__name", width=9),
    Column(_("小区"), "compound__name", width=18),
    Column(_("楼"), "building", width=5),
    Column(_("单元"), "unit", width=5),
    Column(_("室"), "room", width=6),
    Column(_("供暖所"), "station__name", width=14),
    Column(_("供热企业"), "station__company__name", width=12),
    Column(_("首问负责人"), "owner", width=14),
    Column(_("诉求内容"), "description", width=40),
    _time(_("派单时间"), "dispatched_at"),
    _time(_("响应时间"), "accepted_at"),
    _time(_("出发时间"), "departed_at"),
    _time(_("到达时间"), "arrived_at"),
    _time(_("处置完成时间"), "resolved_at"),
    _time(_("办结时间"), "closed_at"),
    _time(_("派单时限"), "dispatch_deadline"),
    _time(_("响应时限"), "response_deadline"),
    _time(_("处置时限"), "resolution_deadline"),
    _time(_("回访时限"), "callback_deadline"),
    Column(_("电话指导解决"), "phone_resolved", YES_NO, 9),
    _choice(_("处置原因"), "resolution_cause", ResolutionCause, 16),
    Column(_("到达室温(°C)"), "arrival_indoor_temp", NUMBER, 9),
    Column(_("处置后室温(°C)"), "resolved_indoor_temp", NUMBER, 9),
    _choice(_("满意度"), "satisfaction", Satisfaction, 9),
    Column(_("回访未接通次数"), "callback_attempts", NUMBER, 9),
    Column(_("未联系上办结"), "closed_unreached", YES_NO, 9),
    Column(_("重办次数"), "reopen_count", NUMBER, 7),
    Column(_("退单次数"), "return_count", NUMBER, 7),
    Column(_("催办次数"), "urge_count", NUMBER, 7),
    Column(_("重复来电次数"), "repeat_call_count", NUMBER, 9),
    Column(_("已批准延期次数"), "extension_count", NUMBER, 9),
)
# What values() reads beside the columns: the owner's name parts and what phone masking needs.
EXTRA_FIELDS = ("owner__job_number", "owner__display_name", "owner__username", "station_id", "first_dispatched_at")


def readable_headers() -> list[str]:
    """The column headers in the active language."""
    return [gettext(column.header) for column in READABLE_COLUMNS]


def _owner(row: dict) -> str:
    name = row["owner__display_name"] or row["owner__username"] or ""
    return f"{row['owner__job_number']} {name}".strip() if row["owner__job_number"] else name


def excel_local_time(value: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: write the desk's wall-clock time, without tzinfo (a time at the calendar's
    edge, which has no local time, is written in UTC rather than breaking the download mid-stream)."""
    if not value:
        return None
    try:
        return value.astimezone(report_timezone()).replace(tzinfo=None)
    except OverflowError:
        return value.replace(tzinfo=None)


def _cell(column: Column, value: object) -> object:
    if value is None or value == "":
        return None
    if column.kind == CHOICE and column.choices is not None:
        try:
            return str(column.choices(value).label)
        except ValueError:
            return value
    if column.kind == YES_NO:
        return gettext("是") if value else gettext("否")
    if column.kind == TIME and isinstance(value, dt.datetime):
        return excel_local_time(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def readable_rows(*, tickets: QuerySet[Ticket], viewer=None, limit: int | None = None) -> Iterator[list]:
    """One list of cells per ticket, in READABLE_COLUMNS order, labels in the active language."""
    fields = [c.field for c in READABLE_COLUMNS if c.field != "owner"] + list(EXTRA_FIELDS)
    rows = tickets.order_by("created_at", "id").values(*fields)
    if limit is not None:
        rows = rows[:limit]
    mask: Callable[[dict], bool] = (
        (lambda row: not phone_visible_in_full(user=viewer, ticket=SimpleNamespace(**row)))
        if viewer is not None
        else (lambda row: False)
    )
    labels: dict[tuple[str, object], object] = {}  # (field, code) → label: one lookup per code, not per cell

    def cell(column: Column, value: object) -> object:
        if column.kind not in (CHOICE, YES_NO):
            return _cell(column, value)
        key = (column.field, value)
        if key not in labels:
            labels[key] = _cell(column, value)
        return labels[key]

    for row in rows.iterator(chunk_size=2000):
        row["owner"] = _owner(row)
        if mask(row):
            row["caller_phone"] = phone_masked(row["caller_phone"])
        yield [cell(column, row[column.field]) for column in READABLE_COLUMNS]
