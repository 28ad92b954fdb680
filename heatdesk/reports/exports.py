"""Exports: the day report (日报) and season report as XLSX workbooks, and tickets with every milestone as
CSV (UTF-8 with BOM, so Excel opens Chinese text). Numbers are written as numbers (rates as fractions
with a percent format), times in the desk's local time, headers frozen.

Phone numbers follow the same rule as the API: in full for the desk and the assigned station,
masked for everyone else.

Text that a spreadsheet would run as a formula (it starts with =, +, -, @, a tab or a CR; OWASP "CSV
injection") is written as text: in CSV behind a leading `'` (which `core.tabular` drops on import), in
XLSX as a string cell with Excel's quote prefix. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from types import SimpleNamespace

from django.db.models import QuerySet
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from heatdesk.audit.services import audit_phone_read
from heatdesk.reports import kpis, ticket_sheet
from heatdesk.reports.overview import DAILY_KPIS
from heatdesk.reports.selectors import report_timezone
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.selectors import phone_full_q, phone_masked, phone_visible_in_full

MAX_DETAIL_ROWS = 50_000
# A CSV export streams at most this many tickets (with the 400-day period cap: a bounded cost per request).
MAX_CSV_ROWS = 200_000
PERCENT, MINUTES_FORMAT, INTEGER, DATETIME_FORMAT = "0.00%", "0.00", "0", "yyyy-mm-dd hh:mm:ss"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1D2433")
TITLE_FONT = Font(bold=True, size=14)
RED_FILL = PatternFill("solid", fgColor="FDECEC")
BLACK_FILL = PatternFill("solid", fgColor="E3E6EB")

# The CSV columns: every milestone and deadline; the same names `import-tickets` reads back.
TICKET_COLUMNS = (
    ("number", "number"),
    ("created_at", "created_at"),
    ("status", "status"),
    ("kind", "kind"),
    ("category", "category"),
    ("urgency", "urgency"),
    ("channel", "channel"),
    ("caller_phone", "caller_phone"),
    ("district", "district__code"),
    ("compound", "compound__code"),
    ("building", "building"),
    ("unit", "unit"),
    ("room", "room"),
    ("station_code", "station__code"),
    ("company_code", "station__company__code"),
    ("owner", "owner__username"),
    ("first_dispatched_at", "first_dispatched_at"),
    ("dispatched_at", "dispatched_at"),
    ("accepted_at", "accepted_at"),
    ("departed_at", "departed_at"),
    ("arrived_at", "arrived_at"),
    ("resolved_at", "resolved_at"),
    ("closed_at", "closed_at"),
    ("dispatch_deadline", "dispatch_deadline"),
    ("response_deadline", "response_deadline"),
    ("resolution_deadline", "resolution_deadline"),
    ("callback_deadline", "callback_deadline"),
    ("phone_resolved", "phone_resolved"),
    ("resolution_cause", "resolution_cause"),
    ("arrival_indoor_temp", "arrival_indoor_temp"),
    ("resolved_indoor_temp", "resolved_indoor_temp"),
    ("satisfaction", "satisfaction"),
    ("callback_attempts", "callback_attempts"),
    ("closed_unreached", "closed_unreached"),
    ("reopen_count", "reopen_count"),
    ("return_count", "return_count"),
    ("urge_count", "urge_count"),
    ("repeat_call_count", "repeat_call_count"),
    ("last_repeat_call_at", "last_repeat_call_at"),
    ("extension_count", "extension_count"),
)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
UNIT_FORMATS = {kpis.RATE: PERCENT, kpis.MINUTES: MINUTES_FORMAT, kpis.MEDIAN: MINUTES_FORMAT, kpis.COUNT: INTEGER}


def formula_like(value: object) -> bool:
    """True for text a spreadsheet would evaluate (or re-evaluate on edit) as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_text(value: object) -> object:
    """A CSV cell that no spreadsheet runs: formula-like text gets a leading `'`; everything else as is."""
    return f"'{value}" if formula_like(value) else value


def _xlsx_cell(ws, value: object) -> WriteOnlyCell:
    """A cell holding `value`; formula-like text stays a string cell with the quote prefix set."""
    cell = WriteOnlyCell(ws, value=value)
    if formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def ticket_rows(*, tickets: QuerySet[Ticket], viewer=None, limit: int | None = None) -> Iterator[dict]:
    """Tickets as flat dicts of TICKET_COLUMNS (local naive datetimes), phones masked for the viewer."""
    fields = [field for _, field in TICKET_COLUMNS] + ["station_id"]
    rows = tickets.order_by("created_at", "id").values(*fields)
    if limit is not None:
        rows = rows[:limit]
    for row in rows.iterator(chunk_size=2000):
        record = {name: row[field] for name, field in TICKET_COLUMNS}
        if viewer is not None and not phone_visible_in_full(user=viewer, ticket=SimpleNamespace(**row)):
            record["caller_phone"] = phone_masked(record["caller_phone"])
        for name, value in record.items():
            if isinstance(value, dt.datetime):
                record[name] = ticket_sheet.excel_local_time(value)
        yield record


def export_phones_audit(*, tickets: QuerySet[Ticket], viewer, via: str, limit: int) -> None:
    """Audit the full phones an export carries (all of them for the command line, whose viewer is None)."""
    shown = tickets if viewer is None else tickets.filter(phone_full_q(user=viewer))
    numbers = shown.order_by("created_at", "id").values_list("number", flat=True)[:limit]
    audit_phone_read(actor=viewer, ticket_numbers=numbers, via=via)


def tickets_csv_lines(*, tickets: QuerySet[Ticket], viewer=None, codes: bool = True) -> Iterator[str]:
    """CSV text (BOM first) of every ticket with its milestones, one chunk per line, for streaming; the full
    phones it carries are audited before the first line. `codes`: the machine variant (codes, the column
    names `import-tickets` reads back); else the readers' variant of `ticket_sheet` (labels, names,
    诉求内容, headers in the active language)."""
    export_phones_audit(tickets=tickets, viewer=viewer, via="export_csv", limit=MAX_CSV_ROWS)
    if codes:
        header = [name for name, _ in TICKET_COLUMNS]
        rows: Iterator = (
            list(record.values()) for record in ticket_rows(tickets=tickets, viewer=viewer, limit=MAX_CSV_ROWS)
        )
    else:
        header = ticket_sheet.readable_headers()
        rows = ticket_sheet.readable_rows(tickets=tickets, viewer=viewer, limit=MAX_CSV_ROWS)
    return _csv_lines(header, rows)


def _csv_lines(header: list[str], rows: Iterator[list]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff"
    writer.writerow(header)
    yield flush()
    for values in rows:
        writer.writerow(
            [
                value.strftime("%Y-%m-%d %H:%M:%S")
                if isinstance(value, dt.datetime)
                else ("" if value is None else csv_text(value))
                for value in values
            ]
        )
        yield flush()


# ---- XLSX --------------------------------------------------------------------------------------


class _Sheet:
    """A write-only sheet with a title block, a frozen bold header row, widths and number formats."""

    def __init__(self, workbook: Workbook, title: str, headers: list[tuple[str, int]], intro: list[str]) -> None:
        self.ws = workbook.create_sheet(title)
        for index, (_, width) in enumerate(headers, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        self.ws.freeze_panes = f"A{len(intro) + 2}"
        for number, line in enumerate(intro):
            cell = _xlsx_cell(self.ws, line)
            if number == 0:
                cell.font = TITLE_FONT
            self.ws.append([cell])
        header_cells = []
        for name, _ in headers:
            cell = _xlsx_cell(self.ws, name)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            header_cells.append(cell)
        self.ws.append(header_cells)

    def row(self, values: list, formats: list[str | None] | None = None, fill: PatternFill | None = None) -> None:
        cells = []
        for index, value in enumerate(values):
            cell = _xlsx_cell(self.ws, value)
            number_format = formats[index] if formats else None
            if number_format:
                cell.number_format = number_format
            if fill is not None:
                cell.fill = fill
            cells.append(cell)
        self.ws.append(cells)


def _intro(bundle: dict, title: str) -> list[str]:
    period = bundle["period"]
    as_of = bundle["as_of"].astimezone(report_timezone())
    return [
        title,
        f"时段 Period: {period.first_day} — {period.last_day}(按受理时间 by creation time, {report_timezone().key})",
        f"范围 Scope: {bundle['scope'].label()}    统计时刻 As of: {as_of:%Y-%m-%d %H:%M}",
    ]


def _overview_sheet(workbook: Workbook, bundle: dict, title: str) -> None:
    headers = [
        ("指标代码 key", 28),
        ("指标", 18),
        ("Indicator", 30),
        ("数值 value", 12),
        ("分子 numerator", 14),
        ("分母 denominator", 14),
        ("单位 unit", 10),
        ("定义", 60),
        ("Definition", 70),
    ]
    sheet = _Sheet(workbook, "概览", headers, _intro(bundle, title))
    for key, definition in kpis.REPORT_KPI_DEFINITIONS.items():
        value = bundle["kpis"][key]
        number_format = UNIT_FORMATS[definition.unit]
        numerator_format = MINUTES_FORMAT if definition.unit == kpis.MINUTES else INTEGER
        sheet.row(
            [
                key,
                definition.label_zh,
                definition.label_en,
                value["value"],
                value["numerator"],
                value["denominator"],
                definition.unit,
                definition.formula_zh,
                definition.formula_en,
            ],
            [None, None, None, number_format, numerator_format, INTEGER, None, None, None],
        )


RANKING_COLUMNS = (
    ("received", "受理量", INTEGER),
    ("avg_response_minutes", "平均响应(分钟)", MINUTES_FORMAT),
    ("response_on_time_rate", "响应及时率", PERCENT),
    ("resolution_on_time_rate", "处置及时率", PERCENT),
    ("first_time_resolution_rate", "一次办结率", PERCENT),
    ("satisfaction_rate", "满意率", PERCENT),
    ("resolution_rate", "解决率", PERCENT),
    ("return_rate", "退单率", PERCENT),
    ("redo_rate", "重办率", PERCENT),
    ("overdue_response", "响应超时", INTEGER),
    ("overdue_resolution", "处置超时", INTEGER),
)
LIST_LABELS = {"red": "红榜", "black": "黑榜", None: ""}


def _ranking_sheet(workbook: Workbook, bundle: dict, key: str, title: str, with_company: bool) -> None:
    ranking = bundle[key]
    headers = [("名次", 6), ("榜单", 6), ("编码", 16), ("名称", 16)]
    headers += [("所属企业", 12)] if with_company else []
    headers += [("综合得分", 10)] + [(label, 12) for _, label, _ in RANKING_COLUMNS]
    intro = [*_intro(bundle, title), f"规则: {ranking['rule']['zh']}", f"Rule: {ranking['rule']['en']}"]
    sheet = _Sheet(workbook, title, headers, intro)
    for item in ranking["items"]:
        values = [item["rank"], LIST_LABELS[item["list"]], item["code"], item["name"]]
        formats: list[str | None] = [INTEGER, None, None, None]
        if with_company:
            values.append(item.get("company", ""))
            formats.append(None)
        values.append(item["score"])
        formats.append(MINUTES_FORMAT)
        for column, _, number_format in RANKING_COLUMNS:
            values.append(item["kpis"][column]["value"])
            formats.append(number_format)
        fill = RED_FILL if item["list"] == "red" else BLACK_FILL if item["list"] == "black" else None
        sheet.row(values, formats, fill)


def _categories_sheet(workbook: Workbook, bundle: dict) -> None:
    sheet = _Sheet(
        workbook, "分类", [("分类代码", 16), ("分类", 14), ("工单数", 10), ("占比", 10)], _intro(bundle, "分类")
    )
    total = sum(row["count"] for row in bundle["categories"]) or 1
    for row in bundle["categories"]:
        sheet.row([row["code"], row["label"], row["count"], row["count"] / total], [None, None, INTEGER, PERCENT])


def _daily_sheet(workbook: Workbook, bundle: dict) -> None:
    headers = [("日期", 12)] + [(kpis.KPI_DEFINITIONS[key].label_zh, 14) for key in DAILY_KPIS]
    sheet = _Sheet(workbook, "每日", headers, _intro(bundle, "每日"))
    formats = [DATETIME_FORMAT.split(" ")[0]] + [UNIT_FORMATS[kpis.KPI_DEFINITIONS[key].unit] for key in DAILY_KPIS]
    for row in bundle["daily"]:
        sheet.row([row["day"]] + [row["kpis"][key]["value"] for key in DAILY_KPIS], formats)


def _hourly_sheet(workbook: Workbook, bundle: dict) -> None:
    sheet = _Sheet(workbook, "分时", [("小时", 8), ("工单数", 10)], _intro(bundle, "分时来电"))
    for hour, count in enumerate(bundle["hourly"]):
        sheet.row([hour, count], [INTEGER, INTEGER])


def _hotspots_sheet(workbook: Workbook, bundle: dict) -> None:
    headers = [("小区编码", 22), ("小区", 18), ("区", 10), ("供暖所", 14), ("户数", 10), ("工单数", 10), ("每百户", 10)]
    sheet = _Sheet(workbook, "热点小区", headers, _intro(bundle, "热点小区(每百户诉求量)"))
    for row in bundle["hotspots"]:
        sheet.row(
            [
                row["compound"]["code"],
                row["compound"]["name"],
                row["compound"]["district"],
                row["station"]["name"],
                row["households"],
                row["requests"],
                row["per_100_households"],
            ],
            [None, None, None, None, INTEGER, INTEGER, MINUTES_FORMAT],
        )


def _communities_sheet(workbook: Workbook, bundle: dict) -> None:
    """社区 (未诉先办): proactive_found and ledger_fixed_rate per community, each with its formula."""
    found, fixed = (kpis.COMMUNITY_KPI_DEFINITIONS[key] for key in ("proactive_found", "ledger_fixed_rate"))
    headers = [("社区编码", 22), ("社区", 18), (found.label_zh, 14), (fixed.label_zh, 14), ("分子", 10), ("分母", 10)]
    intro = [
        *_intro(bundle, "社区 未诉先办"),
        f"{found.label_zh}: {found.formula_zh}",
        f"{fixed.label_zh}: {fixed.formula_zh}",
    ]
    sheet = _Sheet(workbook, "社区", headers, intro)
    for row in bundle.get("communities", []):
        rate = row["kpis"]["ledger_fixed_rate"]
        sheet.row(
            [
                row["code"],
                row["name"],
                row["kpis"]["proactive_found"]["value"],
                rate["value"],
                rate["numerator"],
                rate["denominator"],
            ],
            [None, None, INTEGER, PERCENT, INTEGER, INTEGER],
        )


def _details_sheet(workbook: Workbook, bundle: dict, viewer) -> None:
    """明细 for its readers: labels and names (ticket_sheet), an autofilter over the header row."""
    headers = list(zip(ticket_sheet.readable_headers(), [c.width for c in ticket_sheet.READABLE_COLUMNS], strict=True))
    note = gettext("最多 {n} 行;全部请导出 CSV").format(n=MAX_DETAIL_ROWS)
    intro = [*_intro(bundle, gettext("明细")), note]
    sheet = _Sheet(workbook, "明细", headers, intro)
    export_phones_audit(tickets=bundle["tickets"], viewer=viewer, via="export_xlsx", limit=MAX_DETAIL_ROWS)
    count = 0
    for values in ticket_sheet.readable_rows(tickets=bundle["tickets"], viewer=viewer, limit=MAX_DETAIL_ROWS):
        sheet.row(values, [DATETIME_FORMAT if isinstance(v, dt.datetime) else None for v in values])
        count += 1
    header_row = len(intro) + 1
    sheet.ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(headers))}{header_row + count}"


def report_workbook(*, bundle: dict, title: str, day: bool, viewer=None, details: bool = True) -> bytes:
    """The 日报 (day=True) or season report as XLSX bytes: 概览, rankings, 分类, 每日 or 分时, 热点小区, 明细."""
    workbook = Workbook(write_only=True)
    _overview_sheet(workbook, bundle, title)
    _ranking_sheet(workbook, bundle, "stations", "供暖所排名", with_company=True)
    _ranking_sheet(workbook, bundle, "companies", "企业排名", with_company=False)
    _categories_sheet(workbook, bundle)
    if day:
        _hourly_sheet(workbook, bundle)
    else:
        _daily_sheet(workbook, bundle)
    _hotspots_sheet(workbook, bundle)
    _communities_sheet(workbook, bundle)
    if details:
        _details_sheet(workbook, bundle, viewer)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def report_title(*, bundle: dict, day: bool) -> str:
    """供热专席季报 2026-11-15 — 2026-12-01, named after its scope when it is not the whole city
    (城发热力 供热专席季报 …): a company's or station's report says whose it is."""
    period = bundle["period"]
    if day:
        title = gettext("供热专席日报 {day}").format(day=period.first_day)
    else:
        title = gettext("供热专席季报 {first} — {last}").format(first=period.first_day, last=period.last_day)
    scope = bundle["scope"]
    return title if scope.city_wide else f"{scope.name} {title}"


def export_filename(*, bundle: dict, day: bool, extension: str) -> str:
    period = bundle["period"]
    stem = f"heatdesk-day-{period.first_day}" if day else f"heatdesk-season-{period.first_day}-{period.last_day}"
    return f"{stem}.{extension}"
