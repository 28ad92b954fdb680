"""`heatdesk sms-deliver [--limit N] [--loop]`: queue the SMS of new ticket events, then send the due ones
(what the worker does every second or two; by hand or from cron where no worker runs)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from heatdesk.feedback.cursor import sms_from_events
from heatdesk.feedback.sms import sms_deliver_due


class Command(BaseCommand):
    help = (
        "Queue the SMS of new ticket events, then send the due ones through HEATDESK_SMS_BACKEND "
        "(retries, quiet hours, rate limits apply)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=50, help="most SMS per round")
        parser.add_argument("--loop", action="store_true", help="keep sending every few seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            while sms_from_events() > 0:
                pass
            report = sms_deliver_due(limit=options["limit"])
            self.stdout.write(
                f"claimed {report.claimed}, sent {report.sent}, retrying {report.retrying}, failed {report.failed}, "
                f"held {report.held}, opted out {report.opted_out}"
            )
            if not options["loop"]:
                return
            if not report.claimed:
                time.sleep(5)
