from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from heatdesk.geo.importer import building_ranges_export_file


class Command(BaseCommand):
    help = "导出楼栋段为 CSV 或 XLSX(按扩展名) / export building ranges to CSV or XLSX (by extension), import-ready"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="target .csv or .xlsx file")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        try:
            count = building_ranges_export_file(path=file)
        except OSError as error:
            raise CommandError(f"无法写入 / cannot write {file}: {error.strerror}") from error
        self.stdout.write(self.style.SUCCESS(f"导出 exported {count} 个楼栋段 building ranges → {file}"))
