"""`heatdesk worker`: a thin shell over `supervision.worker` (the SLA monitor and outbox delivery loop).

It lives here, above the apps it composes: the loop comes from supervision; incidents add the burst
check (calls behind one substation → a suggested incident); reports adds the morning digest (a
`DailyJob`) and sealing finished KPI days so a season report never waits for `seal-kpi-days` by hand:
hourly once caught up; with a backlog (a fresh or imported season) a run seals days for at most
SEAL_BUDGET_SECONDS, then the next comes SEAL_BACKLOG_EVERY_SECONDS later, so alerts never wait long;
feedback adds the citizens' SMS, queued from the ticket event log and delivered. The loop imports nothing
above itself."""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from heatdesk.feedback.cursor import sms_from_events
from heatdesk.feedback.sms import sms_deliver_due
from heatdesk.incidents.burst import incidents_burst_check
from heatdesk.reports.daybook import kpi_days_seal
from heatdesk.reports.digest import DigestJob
from heatdesk.supervision.worker import Chore, Worker, worker_options, worker_serve

SEAL_EVERY_SECONDS = 3600.0
SEAL_DAYS_PER_PASS = 31  # at most a month a run
SEAL_BUDGET_SECONDS = 0.5  # no new day is started after this: a run stalls the monitor ~ one day's seal
SEAL_BACKLOG_EVERY_SECONDS = 2.0  # a run that sealed something may have left more: back soon
SMS_EVERY_SECONDS = 2.0
SMS_FROM_EVENTS_EVERY_SECONDS = 1.0  # the caller's SMS are queued within a second or two of the change
SMS_FROM_EVENTS_BATCH = 200
BURST_EVERY_SECONDS = 1.0  # a burst is suggested within a second or two of its fifth call


def _sms_from_events_all() -> int:
    """Queue the SMS of every unseen ticket event (a backlog in batches, a few at most per pass)."""
    handled = 0
    for _ in range(10):
        done = sms_from_events(limit=SMS_FROM_EVENTS_BATCH)
        handled += done
        if done < SMS_FROM_EVENTS_BATCH:
            break
    return handled


def worker_chores(*, deliver_batch: int) -> list[Chore]:
    """The periodic work the apps above supervision hand the loop."""
    return [
        Chore(
            name="kpi_days_seal",
            every_seconds=SEAL_EVERY_SECONDS,
            run=lambda: len(kpi_days_seal(limit=SEAL_DAYS_PER_PASS, budget_seconds=SEAL_BUDGET_SECONDS).sealed),
            busy_at=1,
            busy_every_seconds=SEAL_BACKLOG_EVERY_SECONDS,
        ),
        Chore(name="sms_from_events", every_seconds=SMS_FROM_EVENTS_EVERY_SECONDS, run=_sms_from_events_all),
        Chore(
            name="sms_deliver",
            every_seconds=SMS_EVERY_SECONDS,
            run=lambda: sms_deliver_due(limit=deliver_batch).claimed,
        ),
        Chore(
            name="incidents_burst_check", every_seconds=BURST_EVERY_SECONDS, run=lambda: len(incidents_burst_check())
        ),
    ]


class Command(BaseCommand):
    help = (
        "后台任务：时限监控、消息与短信投递、每日早报、封存报表日 / background worker: SLA monitor, "
        "message and SMS delivery, morning digest, KPI day sealing"
    )

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
        worker = Worker(
            poll=poll,
            batch=batch,
            deliver_batch=deliver_batch,
            daily=daily,
            chores=worker_chores(deliver_batch=deliver_batch),
        )
        if worker_serve(worker, once=once):
            sys.exit(130)
