"""`heatdesk digest [--date D]`: queue every work group's morning digest now (once per group and day)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from heatdesk.core import clock
from heatdesk.reports.digest import LOCAL, digest_send


class Command(BaseCommand):
    help = "给每个工作群发送早报 / send every work group its morning digest"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--date", default=None, help="早报日期 YYYY-MM-DD（默认今天）/ the digest's date (default today)"
        )

    def handle(self, *args: Any, date: str | None, **options: Any) -> None:
        now = clock.now()
        try:
            day = dt.date.fromisoformat(date) if date else now.astimezone(LOCAL).date()
        except ValueError as error:
            raise CommandError("--date 须为 YYYY-MM-DD / --date must be YYYY-MM-DD") from error
        sent = digest_send(day=day, now=now)
        self.stdout.write(f"digest {day.isoformat()}: {sent} group(s) queued")
