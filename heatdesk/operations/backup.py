"""Backup and restore (DESIGN §11 "Operations"): one archive file holds a consistent copy of the database
and the data dir's photos, taken while the server keeps working; restore puts it back into an empty
database and an empty photo folder, and refuses anything else.

The archive is a gzip'd tar (any file name; `.tar.gz` is a good habit):
- `manifest.json`: format, version, engine (`sqlite` | `postgresql`), when, the photo count and the
  applied migrations;
- `database.sqlite3`: SQLite's online backup API, a snapshot of one moment while writers continue (WAL), or
  `database.pgdump`: `pg_dump -Fc` (one snapshot transaction), restored with `pg_restore`, both found on PATH;
- `media/…`: the uploaded photos, copied after the database snapshot, so every photo the database names is
  in the archive (a photo uploaded meanwhile may be there without its row, which is harmless);
- `secret_key`: the data dir's generated key, if it has one, so sessions and signed links survive.

A backup holds every phone number and password hash of the desk: keep it like the database (the file is
written with mode 0600). Restoring across engines is not supported.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heatdesk.core import clock
from heatdesk.core.errors import ValidationFailed

FORMAT, VERSION = "heatdesk-backup", 1
SQLITE_FILE, PGDUMP_FILE, MANIFEST, SECRET_KEY = "database.sqlite3", "database.pgdump", "manifest.json", "secret_key"
MEDIA = "media"
ENGINES = {
    "django.db.backends.sqlite3": "sqlite",
    "heatdesk.core.sqlite_backend": "sqlite",
    "django.db.backends.postgresql": "postgresql",
}


class BackupError(ValidationFailed):
    """A backup or restore that cannot be done; nothing was changed."""

    code = "backup_failed"


@dataclass(frozen=True)
class DataPlace:
    """Where the desk's data lives: a database (Django's settings dict), the photo folder and the data dir."""

    database: Mapping[str, Any]
    media_root: Path
    data_dir: Path | None = None

    @property
    def engine(self) -> str:
        engine = ENGINES.get(self.database["ENGINE"])
        if engine is None:
            raise BackupError(f"不支持的数据库 / unsupported database engine {self.database['ENGINE']}")
        return engine

    @classmethod
    def current(cls) -> DataPlace:
        """The database and folders this process is configured with."""
        from django.conf import settings
        from django.db import connections

        return cls(
            database=connections["default"].settings_dict,
            media_root=Path(settings.MEDIA_ROOT),
            data_dir=Path(settings.DATA_DIR),
        )


@dataclass
class BackupReport:
    path: Path
    engine: str
    media_files: int
    size_bytes: int
    manifest: dict[str, Any] = field(default_factory=dict)


# ---- SQLite ------------------------------------------------------------------------------------


def sqlite_copy(source: sqlite3.Connection, path: Path) -> None:
    """Copy a live SQLite database to `path` with the online backup API, in one step: a snapshot of one
    moment even while other connections write (they keep writing in WAL mode)."""
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()


@contextlib.contextmanager
def _sqlite_source(place: DataPlace) -> Iterator[sqlite3.Connection]:
    """Django's own connection when the place is this process's database (it may be in memory)."""
    from django.db import connections

    connection = connections["default"]
    if connection.settings_dict is place.database or connection.settings_dict["NAME"] == place.database["NAME"]:
        connection.ensure_connection()
        yield connection.connection
        return
    source = sqlite3.connect(str(place.database["NAME"]))
    try:
        yield source
    finally:
        source.close()


def _sqlite_table_count(path: Path) -> int:
    if not path.exists() or path.stat().st_size == 0:
        return 0
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]


def _sqlite_restore(extracted: Path, place: DataPlace) -> None:
    target = Path(place.database["NAME"])
    if _sqlite_table_count(target):
        raise BackupError(
            f"数据库 {target} 不是空的，拒绝覆盖；请换一个空的数据目录 / the database {target} is not empty; "
            "restore into an empty data dir (move the old one aside first)"
        )
    with sqlite3.connect(extracted / SQLITE_FILE) as source:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("备份中的数据库已损坏 / the database in the archive fails its integrity check")
        target.parent.mkdir(parents=True, exist_ok=True)
        sqlite_copy(source, target)


# ---- PostgreSQL --------------------------------------------------------------------------------


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"找不到 {name}，请安装 PostgreSQL 客户端 / {name} was not found on PATH; install the PostgreSQL "
            "client tools (Debian: apt-get install postgresql-client) in the version of the server or newer"
        )
    return path


def _pg_env(database: Mapping[str, Any]) -> dict[str, str]:
    """libpq environment for pg_dump / pg_restore, so no password appears on a command line."""
    env = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if database.get(key):
            env[variable] = str(database[key])
    env["PGDATABASE"] = str(database["NAME"])
    if (database.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = str(database["OPTIONS"]["sslmode"])
    return env


def _run(command: list[str], database: Mapping[str, Any]) -> None:
    result = subprocess.run(command, env=_pg_env(database), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tool = Path(command[0]).name
        raise BackupError(f"{tool} 失败 / {tool} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


def _pg_rows(database: Mapping[str, Any], sql: str) -> list[tuple]:
    import psycopg

    params = {"dbname": database["NAME"], "connect_timeout": 10}
    for key, name in (("HOST", "host"), ("PORT", "port"), ("USER", "user"), ("PASSWORD", "password")):
        if database.get(key):
            params[name] = database[key]
    try:
        with psycopg.connect(**params) as db:
            return db.execute(sql).fetchall()
    except psycopg.OperationalError as error:
        raise BackupError(f"无法连接数据库 / cannot connect to database {database['NAME']}: {error}") from error


def pg_table_count(database: Mapping[str, Any]) -> int:
    """Tables outside PostgreSQL's own schemas: 0 means the database is empty."""
    sql = (
        "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
    )
    return int(_pg_rows(database, sql)[0][0])


def _pg_dump(place: DataPlace, path: Path) -> None:
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={path}"], place.database)


def _pg_restore(extracted: Path, place: DataPlace) -> None:
    command = _tool("pg_restore")
    if pg_table_count(place.database):
        raise BackupError(
            f"数据库 {place.database['NAME']} 不是空的，拒绝覆盖 / the database {place.database['NAME']} is not "
            "empty; restore into a new, empty database (createdb) and point HEATDESK_DATABASE_URL at it"
        )
    _run(
        [command, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
         f"--dbname={place.database['NAME']}", str(extracted / PGDUMP_FILE)],
        place.database,
    )  # fmt: skip


# ---- the archive -------------------------------------------------------------------------------


def _applied_migrations(engine: str, place: DataPlace, snapshot: Path) -> dict[str, list[str]]:
    """The migrations the copied database has applied, by app (for the manifest)."""
    sql = "SELECT app, name FROM django_migrations ORDER BY app, id"
    if engine == "sqlite":
        with contextlib.closing(sqlite3.connect(snapshot)) as db:
            has_table = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'django_migrations'").fetchone()
            rows = db.execute(sql).fetchall() if has_table else []
    else:
        has_table = _pg_rows(place.database, "SELECT to_regclass('django_migrations') IS NOT NULL")[0][0]
        rows = _pg_rows(place.database, sql) if has_table else []
    applied: dict[str, list[str]] = {}
    for app, name in rows:
        applied.setdefault(app, []).append(name)
    return applied


def _media_files(media_root: Path) -> list[Path]:
    if not media_root.is_dir():
        return []
    return sorted(path for path in media_root.rglob("*") if path.is_file())


def backup_create(*, out: Path, place: DataPlace | None = None) -> BackupReport:
    """Write an archive of the database and photos to `out` (replaced atomically when it exists)."""
    place = place or DataPlace.current()
    engine = place.engine
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".heatdesk-backup-") as work:
        database_file = Path(work) / (SQLITE_FILE if engine == "sqlite" else PGDUMP_FILE)
        if engine == "sqlite":
            with _sqlite_source(place) as source:
                sqlite_copy(source, database_file)
        else:
            _pg_dump(place, database_file)
        media = _media_files(place.media_root)  # after the snapshot: every photo it names is already on disk
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "engine": engine,
            "created_at": clock.now().isoformat(),
            "media_files": len(media),
            "migrations": _applied_migrations(engine, place, database_file),
        }
        partial = Path(work) / "archive.partial"
        with tarfile.open(partial, "w:gz") as archive:
            _add_bytes(archive, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
            archive.add(database_file, arcname=database_file.name)
            for path in media:
                archive.add(path, arcname=f"{MEDIA}/{path.relative_to(place.media_root).as_posix()}")
            key = place.data_dir / SECRET_KEY if place.data_dir else None
            if key is not None and key.is_file():
                archive.add(key, arcname=SECRET_KEY)
        partial.chmod(0o600)
        os.replace(partial, out)
    return BackupReport(
        path=out, engine=engine, media_files=len(media), size_bytes=out.stat().st_size, manifest=manifest
    )


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(clock.now().timestamp())
    archive.addfile(info, io.BytesIO(data))


def _extract(path: Path, into: Path) -> dict[str, Any]:
    """Unpack an archive (regular files only, nothing outside `into`) and return its manifest."""
    if not path.is_file() or not tarfile.is_tarfile(path):
        raise BackupError(f"{path} 不是 Heatdesk 备份文件 / {path} is not a Heatdesk backup archive")
    try:
        with tarfile.open(path, "r:*") as archive:
            archive.extractall(into, filter="data")
        manifest = json.loads((into / MANIFEST).read_text("utf-8"))
    except (tarfile.TarError, OSError, ValueError) as error:
        raise BackupError(f"备份文件无法读取 / the archive cannot be read: {error}") from error
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(f"{path} 不是本版本的 Heatdesk 备份 / {path} is not a version {VERSION} Heatdesk backup")
    return manifest


def backup_restore(*, archive: Path, place: DataPlace | None = None) -> BackupReport:
    """Put an archive back into an empty database and an empty photo folder; refuse anything else.

    The database is checked and restored first (SQLite: integrity check and backup API; PostgreSQL:
    pg_restore in one transaction), then the photos and the secret key are copied in.
    """
    place = place or DataPlace.current()
    engine = place.engine
    if _media_files(place.media_root):
        raise BackupError(
            f"照片目录 {place.media_root} 不是空的，拒绝覆盖 / the photo folder {place.media_root} is not empty; "
            "restore into an empty data dir"
        )
    work_parent = place.data_dir if place.data_dir and place.data_dir.is_dir() else None
    with tempfile.TemporaryDirectory(dir=work_parent, prefix=".heatdesk-restore-") as work:
        extracted = Path(work)
        manifest = _extract(Path(archive), extracted)
        if manifest.get("engine") != engine:
            raise BackupError(
                f"备份来自 {manifest.get('engine')}，不能恢复到 {engine} / the archive holds a "
                f"{manifest.get('engine')} database and cannot be restored into {engine}"
            )
        if engine == "sqlite":
            _sqlite_restore(extracted, place)
        else:
            _pg_restore(extracted, place)
        media = _media_files(extracted / MEDIA)
        if media:
            shutil.copytree(extracted / MEDIA, place.media_root, dirs_exist_ok=True)
        if place.data_dir and (extracted / SECRET_KEY).is_file():
            shutil.copyfile(extracted / SECRET_KEY, place.data_dir / SECRET_KEY)
            (place.data_dir / SECRET_KEY).chmod(0o600)
    return BackupReport(
        path=Path(archive),
        engine=engine,
        media_files=len(media),
        size_bytes=Path(archive).stat().st_size,
        manifest=manifest,
    )
