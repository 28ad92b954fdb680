"""`heatdesk restore FILE`: put a backup archive back into an empty database and data dir."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from heatdesk.operations.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup archive into the configured database and data dir, which must be empty "
        "(a new data dir; on PostgreSQL a new database). Refuses otherwise and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="archive written by `heatdesk backup`")

    def handle(self, *args, **options):
        try:
            report = backup_restore(archive=Path(options["file"]))
        except BackupError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"restored {report.path} (taken {report.manifest.get('created_at')}): {report.engine} database, "
            f"{report.media_files} photos. Run `heatdesk migrate` if this Heatdesk is newer than the backup."
        )
