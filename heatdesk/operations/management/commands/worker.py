"""`heatdesk worker`: a thin shell over `supervision.worker` (the SLA monitor and outbox delivery loop).

It lives here, above reports and supervision, because it composes both: the loop comes from supervision,
and reports adds its chore, sealing finished KPI days (at most SEAL_DAYS_PER_PASS a pass, hourly) so a
season report never waits for someone to run `seal-kpi-days` by hand.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from heatdesk.reports.daybook import kpi_days_seal
from heatdesk.supervision.worker import Chore, Worker, worker_options, worker_serve

SEAL_EVERY_SECONDS = 3600.0
SEAL_DAYS_PER_PASS = 31  # a month of backlog per hour: a pass stays short; a season catches up in hours


def kpi_seal_chore() -> Chore:
    return Chore(
        name="kpi_days_seal",
        every_seconds=SEAL_EVERY_SECONDS,
        run=lambda: len(kpi_days_seal(limit=SEAL_DAYS_PER_PASS).sealed),
    )


class Command(BaseCommand):
    help = "后台任务：时限监控、消息投递与封存报表日 / background worker: SLA monitor, outbox delivery, KPI day sealing"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--once", action="store_true", help="处理完当前到期的事项后退出 / do what is due now, then exit"
        )
        parser.add_argument(
            "--poll",
            type=float,
            default=None,
            help="两次检查之间最长休眠秒数 / longest sleep between passes in seconds (default 1)",
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=None,
            help="每次监控最多处理的计时 / clocks per monitor pass (default 100 on SQLite, 200 on PostgreSQL)",
        )
        parser.add_argument(
            "--deliver-batch", type=int, default=50, help="每次最多发送的消息 / messages per delivery round"
        )

    def handle(
        self, *args: Any, once: bool, poll: float | None, batch: int | None, deliver_batch: int, **options: Any
    ) -> None:
        try:
            poll, batch, deliver_batch = worker_options(poll=poll, batch=batch, deliver_batch=deliver_batch)
        except ValueError as error:
            raise CommandError(str(error)) from error
        worker = Worker(poll=poll, batch=batch, deliver_batch=deliver_batch, chores=[kpi_seal_chore()])
        if worker_serve(worker, once=once):
            sys.exit(130)
