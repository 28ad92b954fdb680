"""`heatdesk simulate-season`: play a heating season through the real services and check the reports."""

from __future__ import annotations

import datetime as dt
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from heatdesk.core import clock
from heatdesk.geo.models import Compound
from heatdesk.reports import kpis, kpis_beside, season_truth, selectors, weather
from heatdesk.reports.clustering import shape_lines, ticket_calls_shape
from heatdesk.reports.daybook import kpi_days_seal
from heatdesk.reports.season import SeasonSimulator
from heatdesk.reports.season_model import P_LINK_ANSWER
from heatdesk.tickets.models import Ticket


def _date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as error:
        raise CommandError(f"--start 须为日期 YYYY-MM-DD / --start must be a date: {raw}") from error


class Command(BaseCommand):
    help = (
        "模拟一个供暖季(经由真实的工单服务),并将报表指标与模拟器自己的统计逐项对照 / simulate a heating "
        "season through the real ticket services and print the reports' KPIs beside the simulator's own"
    )

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=8213, help="来电工单数 / requests to simulate [8213]")
        parser.add_argument("--days", type=int, default=31, help="天数 / days of season [31]")
        parser.add_argument("--seed", type=int, default=12345, help="随机种子 / random seed [12345]")
        parser.add_argument("--start", default="2026-11-01", help="第一天 / first day, YYYY-MM-DD [2026-11-01]")
        parser.add_argument(
            "--temperatures",
            default="",
            help="日均气温 CSV(date,mean_celsius) / daily mean temperatures CSV [the shipped synthetic Hohhot winter]",
        )
        parser.add_argument(
            "--report-shape",
            action="store_true",
            help="打印来电的楼栋聚集度 / print how the created tickets cluster by building",
        )
        parser.add_argument(
            "--link-share",
            type=float,
            default=None,
            help="用短信评价链接回复的市民比例 / share of citizens with a mobile who answer by the rating link [0.3]",
        )
        parser.add_argument("--quiet", action="store_true", help="不打印进度 / no progress lines")

    def handle(self, *args, requests, days, seed, start, quiet, temperatures, report_shape, link_share, **options):
        if requests < 1 or days < 1:
            raise CommandError("--requests 与 --days 须为正数 / --requests and --days must be positive")
        link_share = P_LINK_ANSWER if link_share is None else link_share
        if not 0 <= link_share <= 1:
            raise CommandError("--link-share 须在 0 到 1 之间 / --link-share must be between 0 and 1")
        first_day = _date(start)
        try:
            series = weather.series_read(temperatures or None)
        except weather.SeriesError as error:
            raise CommandError(str(error)) from error
        call_command("migrate", interactive=False, verbosity=0)
        if not Compound.objects.exists():
            from heatdesk.demo import demo_seed  # the demo city spans every app, so it lives at the root

            demo_seed()
            self.stdout.write("已初始化演示城市 / seeded the demo city")
        period = selectors.Period(first_day, first_day + dt.timedelta(days=days - 1))
        if Ticket.objects.filter(created_at__gte=period.start, created_at__lt=period.end).exists():
            raise CommandError(
                "该时段已有工单,对照会失真;请用新的数据目录或换 --start / tickets already exist in "
                f"{period.first_day}…{period.last_day}: use a fresh --data-dir or another --start"
            )

        def progress(tickets: int, actions: int) -> None:
            if not quiet:
                self.stdout.write(f"  … {tickets} 工单 tickets, {actions} 次操作 actions")

        simulator = SeasonSimulator(
            requests=requests,
            days=days,
            seed=seed,
            start=first_day,
            temperatures=series,
            link_share=link_share,
            progress=progress,
        )
        result = simulator.run()
        self.stdout.write(
            f"模拟完成 / simulated {len(result.tickets)} requests, {result.actions} service calls over {days} days "
            f"on {connection.vendor} in {result.seconds:.1f} s "
            f"({result.actions / max(result.seconds, 1e-9):.0f} calls/s); "
            f"{result.skipped_after_end} actions fell after the season's end"
        )
        self.stdout.write(
            "每日来电 / requests per day (outdoor °C): "
            + ", ".join(f"{d.day:%m-%d} {d.requests} ({d.outdoor_celsius:+.0f})" for d in result.days)
        )
        outage_calls = sum(len(o.calls) for o in result.outages)
        self.stdout.write(
            f"换热站故障 / substation outages: {len(result.outages)} ({outage_calls} calls); "
            f"模拟城市 / simulated city: {result.buildings} buildings"
        )
        if report_shape:
            shape = ticket_calls_shape(
                tickets=Ticket.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
            )
            self.stdout.write("\n来电聚集度(按实际创建的工单) / clustering of the tickets created:")
            for line in shape_lines(shape):
                self.stdout.write("  " + line)
        self._compare(result, period)

    def _compare(self, result, period: selectors.Period) -> None:
        """The simulator's ground truth beside the reports (live and day book), and the callbacks by channel."""
        truth = season_truth.truth_kpis(result.tickets, as_of=result.end)
        scope = selectors.ReportScope()
        live = kpis.kpis_compute(
            tickets=selectors.report_tickets(user=None, period=period, scope=scope), as_of=result.end
        )
        with clock.moved_to(result.end):
            sealed = kpi_days_seal(before=period.last_day + dt.timedelta(days=1))
        booked = selectors.report_kpis(user=None, period=period, scope=scope, as_of=result.end)["kpis"]
        rows = season_truth.comparison_rows(truth, live, booked)
        channels = season_truth.channel_rows(
            season_truth.truth_callback_channels(result.tickets),
            kpis_beside.callback_channels(tickets=selectors.report_tickets(user=None, period=period, scope=scope)),
        )
        self.stdout.write(
            f"\n指标对照(截至 {result.end.isoformat()}) / KPIs as of the season's end; day book: "
            f"{len(sealed.sealed)} days sealed, {len(sealed.waiting)} with open tickets computed live"
        )
        season_truth.comparison_table(rows, self.stdout.write, ("simulator", "reports (live)", "reports (day book)"))
        self.stdout.write("\n回访渠道 / callbacks by channel (kpis_beside.callback_channels):")
        season_truth.comparison_table(channels, self.stdout.write, ("simulator", "reports"), counts=True)
        mismatches = [row[0] for row in [*rows, *channels] if not row[-1]]
        if mismatches:
            self.stderr.write(f"不一致 / mismatches: {', '.join(mismatches)}")
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(f"全部 {len(rows)} 项一致 / all {len(rows)} KPIs match"))
