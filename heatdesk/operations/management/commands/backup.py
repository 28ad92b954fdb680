"""`heatdesk backup --out FILE`: a consistent copy of the database and the photos while the server runs."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from heatdesk.operations.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Write a backup archive (database + photos) to FILE; safe while the server and worker run."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="archive file to write, e.g. heatdesk-2026-12-01.tar.gz")

    def handle(self, *args, **options):
        try:
            report = backup_create(out=Path(options["out"]))
        except BackupError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"backup {report.path}: {report.engine} database, {report.media_files} photos, "
            f"{report.size_bytes / 1_048_576:.1f} MiB"
        )
