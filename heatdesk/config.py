"""Typed readers for the HEATDESK_* environment variables (DESIGN §8).

Pure functions of a mapping, so tests can parse any environment without touching os.environ.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dj_database_url
import platformdirs

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """A HEATDESK_* variable holds a value we cannot use."""


def parse_bool(name: str, raw: str | None, *, default: bool) -> bool:
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def parse_list(raw: str | None, *, default: list[str]) -> list[str]:
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def data_dir(env: Mapping[str, str]) -> Path:
    """HEATDESK_DATA_DIR, else the per-user data folder (~/.local/share/heatdesk on Linux)."""
    raw = env.get("HEATDESK_DATA_DIR")
    return Path(raw).expanduser().resolve() if raw else Path(platformdirs.user_data_dir("heatdesk"))


def database(env: Mapping[str, str], directory: Path) -> dict[str, Any]:
    """PostgreSQL (or any dj-database-url URL) from HEATDESK_DATABASE_URL, else SQLite in WAL mode."""
    url = env.get("HEATDESK_DATABASE_URL", "").strip()
    if url:
        try:
            config = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
        except Exception as error:  # dj-database-url raises several types for bad URLs
            raise ConfigError(f"HEATDESK_DATABASE_URL is not a database URL: {error}") from error
        if not config.get("ENGINE"):
            raise ConfigError("HEATDESK_DATABASE_URL names an unknown database scheme")
        if config["ENGINE"] == "django.db.backends.postgresql":
            config.setdefault("TEST", {})["NAME"] = env.get("HEATDESK_TEST_DATABASE_NAME") or None
        return config
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": directory / "heatdesk.sqlite3",
        "OPTIONS": {
            # WAL lets the board read while the worker writes; IMMEDIATE takes the write lock at
            # BEGIN so two writers queue instead of failing with "database is locked" mid-transaction.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        },
        "TEST": {"NAME": directory / "heatdesk-test.sqlite3"} if env.get("HEATDESK_TEST_ON_DISK") else {},
    }


def secret_key(env: Mapping[str, str], directory: Path) -> str:
    """HEATDESK_SECRET_KEY, else a random key kept in the data dir so sessions survive restarts."""
    raw = env.get("HEATDESK_SECRET_KEY", "").strip()
    if raw:
        return raw
    key_file = directory / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    directory.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key
