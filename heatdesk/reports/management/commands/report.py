"""`heatdesk report`: the KPIs of a period as a table or JSON, the report workbook, or the ticket CSV."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from heatdesk.core.errors import DomainError
from heatdesk.reports import exports, overview, selectors
from heatdesk.reports.kpis import KPI_DEFINITIONS, RATE, REPORT_KPI_DEFINITIONS
from heatdesk.reports.rankings import RANKING_RULE_EN, RANKING_RULE_ZH
from heatdesk.reports.season_truth import format_value


class Command(BaseCommand):
    help = (
        "输出报表:指标表/JSON、日报或季报 XLSX、工单明细 CSV / print the KPIs (table or JSON), or write the "
        "day/season XLSX report or the tickets CSV"
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", help="开始日期 / first day YYYY-MM-DD [season start]")
        parser.add_argument("--to", dest="date_to", help="结束日期(含) / last day, included [today]")
        parser.add_argument("--day", help="日报日期 / one day's report (overrides --from/--to)")
        parser.add_argument("--format", choices=("table", "json", "xlsx", "csv"), default="table")
        parser.add_argument("--out", help="输出文件 / output file (xlsx needs one; default stdout)")
        parser.add_argument("--company", help="供热企业编码 / company code")
        parser.add_argument("--station", help="供暖所编码 / station code")
        parser.add_argument("--district", help="区(编码或名称) / district code or name")
        parser.add_argument("--operator", help="首问负责人 / owner operator's username")
        parser.add_argument(
            "--labels",
            action="store_true",
            help="CSV 用中文表头与名称(不可再导入) / CSV for readers: labels and names, not import-tickets' codes",
        )
        parser.add_argument(
            "--definitions", action="store_true", help="打印指标定义(Markdown) / print the KPI definitions as Markdown"
        )

    def handle(self, *args, **options):
        if options["definitions"]:
            self.stdout.write(self._definitions())
            return
        try:
            day = bool(options["day"])
            if day:
                period = selectors.period_of_day(options["day"])
            else:
                period = selectors.period_parse(date_from=options["date_from"], date_to=options["date_to"])
            scope = selectors.report_scope_resolve(
                user=None,
                company=options["company"],
                station=options["station"],
                district=options["district"],
                operator=options["operator"],
            )
        except DomainError as error:
            raise CommandError(error.message) from error
        output_format, out = options["format"], options["out"]
        if output_format == "xlsx":
            bundle = overview.report_bundle(user=None, period=period, scope=scope, day=day)
            path = Path(out or exports.export_filename(bundle=bundle, day=day, extension="xlsx"))
            path.write_bytes(
                exports.report_workbook(bundle=bundle, title=exports.report_title(bundle=bundle, day=day), day=day)
            )
            self.stdout.write(f"已写入 / written: {path}")
            return
        if output_format == "csv":
            tickets = selectors.report_tickets(user=None, period=period, scope=scope)
            lines = exports.tickets_csv_lines(tickets=tickets, codes=not options["labels"])
            if out:
                with open(out, "w", encoding="utf-8", newline="") as handle:
                    handle.writelines(lines)
                self.stdout.write(f"已写入 / written: {out}")
            else:
                try:
                    sys.stdout.writelines(lines)
                except BrokenPipeError:  # `heatdesk report --format csv | head`
                    sys.stderr.close()
            return
        report = selectors.report_kpis(user=None, period=period, scope=scope)
        if output_format == "json":
            text = json.dumps(report, ensure_ascii=False, indent=2)
        else:
            text = self._table(report, scope)
        if out:
            Path(out).write_text(text + "\n", encoding="utf-8")
            self.stdout.write(f"已写入 / written: {out}")
        else:
            self.stdout.write(text)

    def _definitions(self) -> str:
        """The definitions as a Markdown table: the user docs carry the code's own text."""
        lines = ["| key | 指标 | KPI | 定义 | Definition |", "|---|---|---|---|---|"]
        for key, d in REPORT_KPI_DEFINITIONS.items():
            lines.append(f"| `{key}` | {d.label_zh} | {d.label_en} | {d.formula_zh} | {d.formula_en} |")
        lines += ["", f"红黑榜 / Rankings: {RANKING_RULE_ZH}", "", RANKING_RULE_EN]
        return "\n".join(lines)

    def _table(self, report: dict, scope) -> str:
        period = report["period"]
        lines = [
            f"时段 period {period['from']} … {period['to']} ({period['timezone']}), 范围 scope {scope.label()}, "
            f"截至 as of {period['as_of']}",
        ]
        rows = [
            (key, report["definitions"][key]["label_zh"], _formatted(key, value))
            for key, value in report["kpis"].items()
        ]
        width = max(len(key) for key, _, _ in rows)
        label_width = max(len(label) for _, label, _ in rows)
        for key, label, value in rows:
            # Chinese characters take two columns in a terminal.
            pad = label_width * 2 - len(label.encode("gbk", errors="replace")) + len(label)
            lines.append(f"{key:<{width}}  {label:<{pad}}  {value}")
        return "\n".join(lines)


def _formatted(key: str, value: dict) -> str:
    """The desk's KPIs as the simulator's comparison prints them; the community figures (§11) alike."""
    if key in KPI_DEFINITIONS:
        return format_value(key, value)
    if value["value"] is None:
        return "—"
    if REPORT_KPI_DEFINITIONS[key].unit == RATE:
        return f"{value['value'] * 100:.2f}% ({value['numerator']}/{value['denominator']})"
    return str(value["value"])
