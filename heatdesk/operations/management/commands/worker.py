"""`heatdesk worker`: a thin shell over `supervision.worker` (the SLA monitor and outbox delivery loop) with the
steps of the apps above supervision (the incidents' burst check); it lives here, above them all, to compose them."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from heatdesk.incidents.worker import incidents_worker_step
from heatdesk.supervision.worker import Worker, worker_options, worker_serve


class Command(BaseCommand):
    help = "后台任务：时限监控与消息投递 / background worker: SLA monitor and outbox delivery"

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
        if worker_serve(
            Worker(poll=poll, batch=batch, deliver_batch=deliver_batch, steps=[incidents_worker_step]), once=once
        ):
            sys.exit(130)
