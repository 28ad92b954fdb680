"""`heatdesk seal-kpi-days`: seal finished days into the KPI day book (run it hourly, e.g. from cron)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from heatdesk.reports.daybook import kpi_day_unseal, kpi_days_seal
from heatdesk.reports.models import KpiSealedDay


class Command(BaseCommand):
    help = (
        "把工单全部办结的日子封存进指标日账,季度报表因此只读几千行 / seal every past day whose tickets are "
        "all closed into the KPI day book, so season reports read a few thousand rows"
    )

    def add_arguments(self, parser):
        parser.add_argument("--before", help="只封存此日期之前 / seal days before this date [today]")
        parser.add_argument("--rebuild", action="store_true", help="先清空日账再重建 / unseal everything first")

    def handle(self, *args, before, rebuild, **options):
        try:
            day = dt.date.fromisoformat(before) if before else None
        except ValueError as error:
            raise CommandError(f"--before 须为日期 / --before must be a date: {before}") from error
        if rebuild:
            kpi_day_unseal(days=set(KpiSealedDay.objects.values_list("day", flat=True)))
        report = kpi_days_seal(before=day)
        waiting = f", 仍有未办结工单 still open: {len(report.waiting)} 天 days" if report.waiting else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"封存 sealed {len(report.sealed)} 天 days{waiting}; 口径变更重算 redone {report.dropped}"
            )
        )
