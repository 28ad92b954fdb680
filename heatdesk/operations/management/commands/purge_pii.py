"""`heatdesk purge-pii --older-than DAYS [--dry-run]`: mask callers' phones and names on old closed tickets."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from heatdesk.core.errors import ValidationFailed
from heatdesk.operations.purge import pii_purge


class Command(BaseCommand):
    help = (
        "Mask callers' phones (138****5678) and names (王**), and phone numbers in notes, on tickets closed "
        "more than DAYS days ago. Every report figure stays the same; running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, required=True, metavar="DAYS", help="closed more than DAYS ago")
        parser.add_argument("--dry-run", action="store_true", help="count what would change; write nothing")

    def handle(self, *args, **options):
        try:
            report = pii_purge(older_than_days=options["older_than"], dry_run=options["dry_run"])
        except ValidationFailed as error:
            raise CommandError(error.message) from error
        verb = "would mask" if report.dry_run else "masked"
        self.stdout.write(
            f"tickets closed before {report.cutoff:%Y-%m-%d %H:%M %Z}: {report.candidates}; {verb} "
            f"{report.masked.tickets} tickets, {report.masked.events} events, {report.masked.callbacks} callbacks, "
            f"{report.sms} SMS, {report.community} community notes"
        )
