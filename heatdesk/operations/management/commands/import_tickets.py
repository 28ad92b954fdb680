"""`heatdesk import-tickets FILE`: last season's tickets from an older system, all or nothing.

A shell over `tickets.importer`; the days it adds tickets to are unsealed in the reports day book in the
import's own transaction (this command sits above both apps, so the dependency is visible)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from heatdesk.core.errors import ValidationFailed
from heatdesk.reports.daybook import kpi_day_unseal
from heatdesk.tickets.importer import ticket_file_rows, tickets_import_rows


class Command(BaseCommand):
    help = (
        "导入历史工单 CSV/XLSX(全部成功或全部不变,按工单号幂等) / import historical tickets from CSV or XLSX, "
        "all or nothing, idempotent by number (columns: number, created_at, category, kind, urgency, channel, "
        "caller_phone, district, compound, building, unit, room, station_code, owner, dispatched_at, "
        "accepted_at, arrived_at, resolved_at, closed_at, satisfaction, reopen_count, return_count, "
        "arrival_indoor_temp, … — the columns `heatdesk report --format csv` writes)"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (UTF-8 or GBK) or XLSX file with a header row")
        parser.add_argument("--owner", help="无首问负责人时记在此话务员名下 / owner for rows without one")
        parser.add_argument("--dry-run", action="store_true", help="只检查不写入 / check and report, change nothing")

    def handle(self, *args, file, owner, dry_run, **options):
        try:
            rows = ticket_file_rows(file)
        except ValidationFailed as error:
            raise CommandError(f"文件被拒绝,未做任何更改 / file rejected, nothing changed: {error.message}") from error
        report = tickets_import_rows(
            rows=rows, default_owner=owner, dry_run=dry_run, days_written=lambda days: kpi_day_unseal(days=days)
        )
        for line, reason in report.rejected:
            self.stderr.write(f"第 {line} 行 / line {line}: {reason}")
        summary = (
            f"新建 created {report.created}, 已存在跳过 skipped {len(report.skipped)}, "
            f"拒绝 rejected {len(report.rejected)}"
        )
        if report.rejected:
            raise CommandError(f"{summary}; 导入已回滚,未做任何更改 / nothing was imported")
        if dry_run:
            self.stdout.write(f"{summary} (试运行,未写入 / dry run, nothing written)")
        else:
            self.stdout.write(self.style.SUCCESS(summary))
