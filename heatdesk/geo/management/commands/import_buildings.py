from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from heatdesk.core.errors import ValidationFailed
from heatdesk.geo.importer import building_ranges_import_file


class Command(BaseCommand):
    help = (
        "导入楼栋段(分楼供热)CSV/XLSX,全部成功或全部不变 / import building ranges of split compounds, all or "
        "nothing (columns: compound, buildings, station_code, substation; optional district; buildings like 1-12,15)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV (UTF-8 or GBK) or XLSX file with a header row")
        parser.add_argument("--dry-run", action="store_true", help="只检查不写入 / check and report, change nothing")

    def handle(self, *args: Any, file: str, dry_run: bool, **options: Any) -> None:
        try:
            report = building_ranges_import_file(path=file, dry_run=dry_run)
        except ValidationFailed as error:
            raise CommandError(f"文件被拒绝,未做任何更改 / file rejected, nothing changed: {error.message}") from error
        for line, reason in report.rejected:
            self.stderr.write(f"第 {line} 行 / line {line}: {reason}")
        summary = (
            f"小区 compounds {report.compounds}, 楼栋段 ranges {report.ranges}, 拒绝 rejected {len(report.rejected)}"
        )
        if report.rejected:
            raise CommandError(f"{summary}; 导入已回滚,未做任何更改 / import rolled back, nothing changed")
        if dry_run:
            self.stdout.write(f"{summary} (试运行,未写入 / dry run, nothing written)")
        else:
            self.stdout.write(self.style.SUCCESS(summary))
