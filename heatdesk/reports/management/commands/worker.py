"""`heatdesk worker`: a thin shell over `supervision.worker` (the SLA monitor and outbox delivery loop).

It lives in `reports` because it composes the loop with the morning digest (`reports.digest`), which
sits above supervision: the worker gets the digest as a `DailyJob` and imports nothing above itself."""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from heatdesk.reports.digest import DigestJob
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
            "--no-digest",
            action="store_true",
            help="不发送每日早报（由 heatdesk digest 或另一个 worker 发送）/ leave the morning digest to others",
        )
        parser.add_argument(
            "--deliver-batch", type=int, default=50, help="每次最多发送的消息 / messages per delivery round"
        )

    def handle(
        self,
        *args: Any,
        once: bool,
        poll: float | None,
        batch: int | None,
        deliver_batch: int,
        no_digest: bool,
        **options: Any,
    ) -> None:
        try:
            poll, batch, deliver_batch = worker_options(poll=poll, batch=batch, deliver_batch=deliver_batch)
        except ValueError as error:
            raise CommandError(str(error)) from error
        # --once does what the clocks and the outbox hold; the digest is `heatdesk digest`'s then.
        daily = None if once or no_digest else DigestJob(at=settings.HEATDESK_DIGEST_AT)
        if worker_serve(Worker(poll=poll, batch=batch, deliver_batch=deliver_batch, daily=daily), once=once):
            sys.exit(130)
