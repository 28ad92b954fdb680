"""Backup and restore: a round trip brings back every row and photo; a backup taken while someone writes
is a snapshot of one moment; restore refuses a database or photo folder that is not empty."""

from __future__ import annotations

import contextlib
import io
import os
import sqlite3
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from heatdesk.accounts.models import User
from heatdesk.operations.backup import BackupError, DataPlace, backup_create, backup_restore, sqlite_copy
from heatdesk.tickets import services
from heatdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)
SQLITE = "django.db.backends.sqlite3"
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backup API")
PHOTO = b"\xff\xd8\xff\xe0 not really a jpeg"


@pytest.fixture
def desk(demo_city, tmp_path, settings):
    """Two tickets, one photo on disk and a secret key, in a data dir of the test's own."""
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = settings.DATA_DIR / "media"
    (settings.MEDIA_ROOT / "tickets" / "GR1").mkdir(parents=True)
    (settings.MEDIA_ROOT / "tickets" / "GR1" / "photo.jpg").write_bytes(PHOTO)
    (settings.DATA_DIR / "secret_key").write_text("the-old-secret")
    operator = User.objects.get(username="80725")
    for phone in ("13800001111", "13900002222"):
        services.ticket_intake(
            actor=operator,
            call=services.TicketIntake(caller_phone=phone, category="not_warm", compound="lanjuexiaoqu"),
        )
    return tmp_path


def _row_counts(query) -> dict[str, int]:
    return {model._meta.db_table: query(model._meta.db_table) for model in apps.get_models()}


def _django_counts() -> dict[str, int]:
    with connection.cursor() as cursor:

        def count(table: str) -> int:
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - table names from the models
            return cursor.fetchone()[0]

        return _row_counts(count)


def _fresh_place(root: Path) -> DataPlace:
    root.mkdir()
    return DataPlace(
        database={"ENGINE": SQLITE, "NAME": root / "heatdesk.sqlite3"}, media_root=root / "media", data_dir=root
    )


@on_sqlite
def test_a_sqlite_round_trip_brings_back_every_row_photo_and_the_key(desk):
    report = backup_create(out=desk / "backup.tar.gz")
    place = _fresh_place(desk / "new")

    restored = backup_restore(archive=report.path, place=place)

    assert (report.engine, report.media_files, restored.media_files) == ("sqlite", 1, 1)
    assert oct(report.path.stat().st_mode & 0o777) == "0o600"
    with tarfile.open(report.path) as archive:
        assert {"manifest.json", "database.sqlite3", "media/tickets/GR1/photo.jpg", "secret_key"} <= set(
            archive.getnames()
        )
    db = sqlite3.connect(place.database["NAME"])
    assert _row_counts(lambda table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]) == _django_counts()  # noqa: S608
    phones = db.execute("SELECT number, caller_phone FROM tickets_ticket ORDER BY id").fetchall()
    assert phones == list(Ticket.objects.order_by("id").values_list("number", "caller_phone"))
    assert (place.media_root / "tickets" / "GR1" / "photo.jpg").read_bytes() == PHOTO
    assert (place.data_dir / "secret_key").read_text() == "the-old-secret"


@on_sqlite
def test_restore_refuses_a_database_or_photo_folder_that_is_not_empty(desk):
    archive = backup_create(out=desk / "backup.tar.gz").path
    used = _fresh_place(desk / "used")
    backup_restore(archive=archive, place=used)
    (used.media_root / "tickets" / "GR1" / "photo.jpg").unlink()  # the database alone is not empty
    photos_only = _fresh_place(desk / "photos")
    (photos_only.media_root / "x").mkdir(parents=True)
    (photos_only.media_root / "x" / "old.jpg").write_bytes(b"old")

    with pytest.raises(BackupError, match="not empty"):
        backup_restore(archive=archive, place=used)
    with pytest.raises(BackupError, match="photo folder"):
        backup_restore(archive=archive, place=photos_only)

    assert not Path(photos_only.database["NAME"]).exists()
    assert sorted(p.name for p in photos_only.media_root.rglob("*")) == ["old.jpg", "x"]


@on_sqlite
def test_restore_refuses_what_is_not_a_backup(desk):
    junk = desk / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    foreign = desk / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as archive:
        data = b'{"format": "something-else"}'
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))

    for path in (junk, foreign, desk / "missing.tar.gz"):
        with pytest.raises(BackupError, match="not a"):
            backup_restore(archive=path, place=_fresh_place(desk / path.stem.replace(".", "-")))


@on_sqlite
def test_a_sqlite_archive_is_not_restored_into_postgresql(desk):
    archive = backup_create(out=desk / "backup.tar.gz").path
    place = DataPlace(database={"ENGINE": "django.db.backends.postgresql", "NAME": "x"}, media_root=desk / "m")
    with pytest.raises(BackupError, match="cannot be restored into postgresql"):
        backup_restore(archive=archive, place=place)


def test_a_backup_taken_while_someone_writes_is_a_snapshot_of_one_moment(tmp_path):
    """A writer adds rows in pairs, one transaction per pair; every copy holds whole pairs only."""
    path = tmp_path / "live.sqlite3"
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE pair (id INTEGER PRIMARY KEY, half INTEGER)")
    stop = threading.Event()

    def write() -> None:
        writer = sqlite3.connect(path, timeout=30, isolation_level=None)
        while not stop.is_set():
            writer.execute("BEGIN IMMEDIATE")
            writer.executemany("INSERT INTO pair (half) VALUES (?)", [(0,), (1,)])
            writer.execute("COMMIT")
        writer.close()

    thread = threading.Thread(target=write)
    thread.start()
    counts = []
    try:
        for attempt in range(8):
            copy = tmp_path / f"copy-{attempt}.sqlite3"
            source = sqlite3.connect(path, timeout=30)
            sqlite_copy(source, copy)
            source.close()
            with sqlite3.connect(copy) as db:
                assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                counts.append(db.execute("SELECT count(*) FROM pair").fetchone()[0])
    finally:
        stop.set()
        thread.join()
    assert all(count % 2 == 0 for count in counts), counts
    assert counts[-1] > 0


@on_sqlite
def test_the_commands_back_up_and_restore_into_a_new_data_dir(desk):
    out = io.StringIO()
    call_command("backup", "--out", str(desk / "b.tar.gz"), stdout=out)
    assert "1 photos" in out.getvalue()
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(desk / "b.tar.gz"))  # the running test database

    env = {k: v for k, v in os.environ.items() if not k.startswith("HEATDESK_")}
    env.update(HEATDESK_DATA_DIR=str(desk / "fresh"), PYTHONPATH=os.pathsep.join(sys.path))
    result = subprocess.run(
        [sys.executable, "-m", "heatdesk.cli", "restore", str(desk / "b.tar.gz")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "restored" in result.stdout
    with sqlite3.connect(desk / "fresh" / "heatdesk.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM tickets_ticket").fetchone()[0] == 2
    assert (desk / "fresh" / "media" / "tickets" / "GR1" / "photo.jpg").read_bytes() == PHOTO


# ---- PostgreSQL ------------------------------------------------------------------------------------


@pytest.fixture
def fresh_pg_database():
    """A new, empty PostgreSQL database beside the test database, dropped afterwards."""
    import psycopg

    settings_dict = dict(connection.settings_dict)
    name = f"{settings_dict['NAME']}_restore"[:63]
    params = {"dbname": "postgres", "autocommit": True}
    for key, param in (("HOST", "host"), ("PORT", "port"), ("USER", "user"), ("PASSWORD", "password")):
        if settings_dict.get(key):
            params[param] = settings_dict[key]
    with psycopg.connect(**params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield {**settings_dict, "NAME": name}
    with psycopg.connect(**params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump and pg_restore")
def test_a_postgresql_round_trip_into_a_new_database(desk, fresh_pg_database):
    import psycopg

    report = backup_create(out=desk / "backup.tar.gz")
    place = DataPlace(database=fresh_pg_database, media_root=desk / "new" / "media", data_dir=None)

    restored = backup_restore(archive=report.path, place=place)
    with pytest.raises(BackupError, match="not empty"):
        backup_restore(archive=report.path, place=DataPlace(database=fresh_pg_database, media_root=desk / "other"))

    assert (report.engine, restored.media_files) == ("postgresql", 1)
    with tarfile.open(report.path) as archive:
        assert "database.pgdump" in archive.getnames()
    params = {k: fresh_pg_database[key] for key, k in (("HOST", "host"), ("PORT", "port"), ("USER", "user"))}
    with psycopg.connect(dbname=fresh_pg_database["NAME"], **params) as db:
        counts = _row_counts(lambda table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # noqa: S608
        phones = db.execute("SELECT number, caller_phone FROM tickets_ticket ORDER BY id").fetchall()
    assert counts == _django_counts()
    assert phones == list(Ticket.objects.order_by("id").values_list("number", "caller_phone"))
    assert (place.media_root / "tickets" / "GR1" / "photo.jpg").read_bytes() == PHOTO


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL restore")
def test_a_missing_pg_restore_is_a_clear_error(desk, fresh_pg_database, monkeypatch):
    archive = backup_create(out=desk / "backup.tar.gz").path
    monkeypatch.setenv("PATH", str(desk / "empty-path"))
    with pytest.raises(BackupError, match="pg_restore was not found on PATH"):
        backup_restore(archive=archive, place=DataPlace(database=fresh_pg_database, media_root=desk / "m"))


def test_a_database_file_other_than_this_process_s_is_backed_up_by_path(tmp_path):
    path = tmp_path / "other.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT, name TEXT, applied TEXT)")
        db.execute("INSERT INTO django_migrations (app, name) VALUES ('tickets', '0001_initial')")
        db.commit()
    place = DataPlace(database={"ENGINE": SQLITE, "NAME": path}, media_root=tmp_path / "none")

    report = backup_create(out=tmp_path / "other.tar.gz", place=place)

    assert report.manifest["migrations"] == {"tickets": ["0001_initial"]}
    assert report.media_files == 0
