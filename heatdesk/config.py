"""The HEATDESK_* environment variables, parsed once into one typed, frozen object (DESIGN §8, §11).

`HeatdeskSettings` holds every knob with its default and a comment; `settings.py` builds it at startup
and exposes each field as the Django setting `HEATDESK_<FIELD>` (tests override those). Variable names
follow the field names: field `outbox_max_attempts` is `HEATDESK_OUTBOX_MAX_ATTEMPTS`. A value that
cannot be used raises `ConfigError` at startup, naming its variable. Pure functions of a mapping, so
tests parse any environment without touching os.environ.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import re
import secrets
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import dj_database_url
import platformdirs
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
PREFIX = "HEATDESK_"

# The satisfaction codes of DESIGN §8 (tickets.models.Satisfaction; a test keeps the two equal).
SATISFACTION_CODES = ("very_satisfied", "satisfied", "fairly_satisfied", "not_satisfied")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

SmsBackend = Literal["console", "webhook", "aliyun", "tencent"]


class ConfigError(ImproperlyConfigured, ValueError):
    """A HEATDESK_* variable holds a value we cannot use; the message names the variable."""


# ---- Readers of one raw value ---------------------------------------------------------------------


def parse_bool(name: str, raw: str | None, *, default: bool) -> bool:
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def parse_list(raw: str | None, *, default: list[str]) -> list[str]:
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def _parse_int(name: str, raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def _parse_float(name: str, raw: str) -> float:
    try:
        return float(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


def _parse_time(name: str, raw: str) -> dt.time:
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", raw.strip())
    if not match:
        raise ConfigError(f"{name} must be a time of day HH:MM, got {raw!r}")
    return dt.time(int(match[1]), int(match[2]))


def _parse_base_url(name: str, raw: str) -> str:
    url = raw.strip().rstrip("/")
    if not re.fullmatch(r"https?://[^/\s]+(/\S*)?", url):
        raise ConfigError(f"{name} must be an http(s) URL like https://desk.example.cn, got {raw!r}")
    return url


def _parse_proxies(name: str, raw: str) -> tuple[str, ...]:
    proxies = tuple(parse_list(raw, default=[]))
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ConfigError(f"{name} must be IP addresses or networks, got {proxy!r}") from None
    return proxies


def _parse_satisfied_set(name: str, raw: str) -> tuple[str, ...]:
    answers = tuple(parse_list(raw, default=[]))
    unknown = [answer for answer in answers if answer not in SATISFACTION_CODES]
    if unknown:
        raise ConfigError(f"{name} must be satisfaction codes ({', '.join(SATISFACTION_CODES)}), got {raw!r}")
    return answers


def _parse_log_level(name: str, raw: str) -> str:
    level = raw.strip().upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"{name} must be one of {', '.join(LOG_LEVELS)}, got {raw!r}")
    return level


def _parse_database_url(name: str, raw: str) -> str:
    if raw.strip():
        _database_from_url(name, raw.strip())
    return raw.strip()


def _knob(default: Any, *, parse: Callable[[str, str], Any] | None = None, minimum: float | None = None) -> Any:
    """A settings field read from its variable; `parse` overrides the reader its type implies."""
    return dataclasses.field(default=default, metadata={"parse": parse, "minimum": minimum})


# ---- The settings object --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class HeatdeskSettings:
    """Every HEATDESK_* knob, typed, with its default. Build it with `from_env`."""

    # Where the SQLite database, uploaded photos and the generated secret key live
    # (default: the per-user data folder, ~/.local/share/heatdesk on Linux).
    data_dir: Path = dataclasses.field(default=Path(), metadata={"derived": True})
    # PostgreSQL (or any dj-database-url URL); empty means SQLite in WAL mode in the data dir.
    database_url: str = _knob("", parse=_parse_database_url)
    # A read replica for reports (DESIGN §7 scale-out); empty means reports read the primary.
    replica_database_url: str = _knob("", parse=_parse_database_url)
    # Django's secret key; empty means one generated once and kept in the data dir.
    secret_key: str = dataclasses.field(default="", metadata={"derived": True})
    # Debug pages and tracebacks; never on in production.
    debug: bool = _knob(False)
    # Demo mode: seeded city and the well-known demo passwords. Set by `heatdesk demo`.
    demo: bool = _knob(False)
    # Host names this server answers to (comma list).
    allowed_hosts: tuple[str, ...] = _knob(("127.0.0.1", "localhost", "[::1]", "testserver"))
    # Origins trusted for CSRF behind a proxy, e.g. https://desk.example.cn (comma list).
    csrf_trusted_origins: tuple[str, ...] = _knob(())
    # Level of the `heatdesk` loggers.
    log_level: str = _knob("INFO", parse=_parse_log_level)
    # Largest photo a crew may upload, in bytes.
    max_upload_bytes: int = _knob(10 * 1024 * 1024, minimum=1)
    # Callback answers that count as satisfied in the 满意率 KPI (comma list of satisfaction codes).
    satisfied_set: tuple[str, ...] = _knob(
        ("very_satisfied", "satisfied", "fairly_satisfied"), parse=_parse_satisfied_set
    )
    # Seconds a stage may stay overdue before it escalates to the company and the city heating office.
    sla_escalate_after_seconds: float = _knob(1800.0, minimum=0)
    # Longest sleep of the worker between passes, in seconds; it wakes earlier for a due threshold.
    worker_poll_seconds: float = _knob(1.0, minimum=0.001)
    # Outbox delivery: attempts before a message is marked failed.
    outbox_max_attempts: int = _knob(12, minimum=1)
    # Outbox delivery: wait after the first failed attempt, in seconds.
    outbox_backoff_base_seconds: float = _knob(2.0, minimum=0)
    # Outbox delivery: each further wait is this many times longer.
    outbox_backoff_factor: float = _knob(2.0, minimum=1)
    # Outbox delivery: no wait is longer than this, in seconds.
    outbox_backoff_cap_seconds: float = _knob(600.0, minimum=0)
    # Outbox delivery: connect and read timeout of one POST, in seconds.
    outbox_timeout_seconds: float = _knob(10.0, minimum=0.001)
    # Outbox delivery: how long a claim lasts before another worker may retry it, in seconds.
    outbox_lease_seconds: float = _knob(300.0, minimum=1)
    # Outbox delivery: POSTs in flight at once within one delivery round.
    outbox_concurrency: int = _knob(8, minimum=1)
    # Every link in a message or SMS is absolute, built from this (the demo sets its own address).
    base_url: str = _knob("http://127.0.0.1:8000", parse=_parse_base_url)
    # Proxies whose X-Forwarded-For is honoured (comma list of addresses or networks); empty: none.
    trusted_proxies: tuple[str, ...] = _knob((), parse=_parse_proxies)
    # Session and CSRF cookies only over HTTPS; true behind TLS.
    secure_cookies: bool = _knob(False)
    # SMS gateway: console (log only), webhook, aliyun or tencent.
    sms_backend: SmsBackend = _knob("console")
    # SMS gateway address (webhook: required).
    sms_url: str = _knob("")
    # SMS gateway key (access key id / app id).
    sms_key: str = _knob("")
    # SMS gateway secret.
    sms_secret: str = _knob("")
    # SMS sign name (短信签名) registered at the provider; console and webhook show it in front of the text.
    sms_sign_name: str = _knob("供热专席")
    # Tencent SMS application id (SmsSdkAppId); unused by the other backends.
    sms_app_id: str = _knob("")
    # Provider region: Aliyun RegionId (cn-hangzhou) or Tencent X-TC-Region (ap-guangzhou); empty: that default.
    sms_region: str = _knob("")
    # Time of day (HH:MM, Asia/Shanghai) the worker sends every work group its morning digest.
    digest_at: dt.time = _knob(dt.time(8, 0))
    # A burst of this many calls behind one substation suggests an incident ...
    burst_calls: int = _knob(5, minimum=2)
    # ... when they come within this many minutes.
    burst_minutes: int = _knob(30, minimum=1)
    # Open311 GeoReport v2: the one jurisdiction this server answers for; any other jurisdiction_id is 404.
    open311_jurisdiction: str = _knob("hohhot.12345")
    # The system account that files confidently routed Open311 requests until an operator takes them.
    open311_intake_user: str = _knob("open311-intake")
    # Open311 fixed-window rate limits: POSTs per API key and calls per client address, per window.
    open311_post_limit: int = _knob(30, minimum=1)
    open311_read_limit: int = _knob(120, minimum=1)
    open311_window_seconds: int = _knob(60, minimum=1)
    # A lat/long routes to the nearest compound with coordinates only within this many metres.
    open311_nearest_meters: float = _knob(300.0, minimum=1)
    # The system account that owns tickets opened by community visits and problem ledgers (channel proactive).
    proactive_intake_user: str = _knob("proactive-intake")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> HeatdeskSettings:
        """Parse every HEATDESK_* variable (unset or empty: the default); raise ConfigError naming a bad one."""
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for knob in dataclasses.fields(cls):
            if knob.metadata.get("derived"):
                continue
            name = PREFIX + knob.name.upper()
            raw = env.get(name)
            if raw is None or (not raw.strip() and not _keeps_empty(hints[knob.name])):
                continue
            values[knob.name] = _parse_knob(knob, hints[knob.name], name, raw)
        directory = data_dir(env)
        settings = cls(data_dir=directory, secret_key=secret_key(env, directory), **values)
        settings.check()
        return settings

    def check(self) -> None:
        """Rules between variables."""
        if self.sms_backend == "webhook" and not self.sms_url:
            raise ConfigError("HEATDESK_SMS_URL is required when HEATDESK_SMS_BACKEND is webhook")

    def database(self, env: Mapping[str, str]) -> dict[str, Any]:
        """Django's DATABASES["default"] (test-database knobs come from `env`)."""
        return database({**env, "HEATDESK_DATABASE_URL": self.database_url}, self.data_dir)


def _keeps_empty(kind: Any) -> bool:
    """An empty value means an empty list for lists; for every other knob it means "the default"."""
    return typing.get_origin(kind) is tuple


def _parse_knob(knob: dataclasses.Field[Any], kind: Any, name: str, raw: str) -> Any:
    parse = knob.metadata.get("parse")
    if parse is not None:
        return parse(name, raw)
    if kind is bool:
        return parse_bool(name, raw, default=bool(knob.default))
    if kind is dt.time:
        return _parse_time(name, raw)
    if typing.get_origin(kind) is tuple:
        return tuple(parse_list(raw, default=[]))
    if typing.get_origin(kind) is Literal:
        word = raw.strip().lower()
        if word not in typing.get_args(kind):
            raise ConfigError(f"{name} must be one of {', '.join(typing.get_args(kind))}, got {raw!r}")
        return word
    if kind in (int, float):
        number = _parse_int(name, raw) if kind is int else _parse_float(name, raw)
        minimum = knob.metadata.get("minimum")
        if minimum is not None and number < minimum:
            raise ConfigError(f"{name} must be at least {minimum}, got {raw!r}")
        return number
    return raw.strip()


# ---- Derived values: folders, database, secret key -----------------------------------------------


def data_dir(env: Mapping[str, str]) -> Path:
    """HEATDESK_DATA_DIR, else the per-user data folder (~/.local/share/heatdesk on Linux)."""
    raw = env.get("HEATDESK_DATA_DIR")
    return Path(raw).expanduser().resolve() if raw else Path(platformdirs.user_data_dir("heatdesk"))


def _database_from_url(name: str, url: str) -> dict[str, Any]:
    try:
        config = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    except Exception as error:  # dj-database-url raises several types for bad URLs
        raise ConfigError(f"{name} is not a database URL: {error}") from error
    if not config.get("ENGINE"):
        raise ConfigError(f"{name} names an unknown database scheme")
    return config


def database(env: Mapping[str, str], directory: Path) -> dict[str, Any]:
    """PostgreSQL (or any dj-database-url URL) from HEATDESK_DATABASE_URL, else SQLite in WAL mode."""
    url = env.get("HEATDESK_DATABASE_URL", "").strip()
    if url:
        config = _database_from_url("HEATDESK_DATABASE_URL", url)
        if config["ENGINE"] == "django.db.backends.postgresql":
            config.setdefault("TEST", {})["NAME"] = env.get("HEATDESK_TEST_DATABASE_NAME") or None
        return config
    return {
        "ENGINE": "heatdesk.core.sqlite_backend",
        "NAME": directory / "heatdesk.sqlite3",
        # Kept open across requests: a new connection re-reads the schema and re-runs the pragmas, which cost
        # 1.4 ms, as much as a whole phone search (issue 19).
        "CONN_MAX_AGE": 600,
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
