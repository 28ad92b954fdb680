import dataclasses
import datetime as dt
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from heatdesk import config
from heatdesk.tickets.models import Satisfaction


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("TRUE", True), ("on", True), ("0", False), ("no", False), ("", False), (None, True)],
)
def test_booleans_accept_the_usual_words(raw, expected):
    assert config.parse_bool("HEATDESK_DEBUG", raw, default=True) is expected


def test_a_boolean_that_is_not_one_is_refused():
    with pytest.raises(config.ConfigError, match="HEATDESK_DEBUG"):
        config.parse_bool("HEATDESK_DEBUG", "maybe", default=False)


def test_allowed_hosts_are_a_comma_separated_list():
    assert config.parse_list(" a.example , b.example,, ", default=["x"]) == ["a.example", "b.example"]
    assert config.parse_list(None, default=["x"]) == ["x"]


def test_without_a_database_url_sqlite_in_wal_mode_lives_in_the_data_dir(tmp_path):
    database = config.database({}, tmp_path)
    assert database["ENGINE"] == "heatdesk.core.sqlite_backend"  # Django's, with writers queued on a file lock
    assert database["NAME"] == tmp_path / "heatdesk.sqlite3"
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_a_postgresql_url_selects_psycopg():
    database = config.database({"HEATDESK_DATABASE_URL": "postgresql://desk:pw@db.internal:5433/heat"}, Path())
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"], database["USER"]) == (
        "db.internal",
        5433,
        "heat",
        "desk",
    )


def test_an_unknown_database_scheme_is_a_clear_error():
    with pytest.raises(config.ConfigError, match="HEATDESK_DATABASE_URL"):
        config.database({"HEATDESK_DATABASE_URL": "nosuchdb://x/y"}, Path())


def test_the_data_dir_defaults_to_a_per_user_folder_and_follows_the_variable(tmp_path):
    assert config.data_dir({"HEATDESK_DATA_DIR": str(tmp_path)}) == tmp_path.resolve()
    assert "heatdesk" in str(config.data_dir({}))


def test_a_generated_secret_key_is_kept_across_restarts(tmp_path):
    first = config.secret_key({}, tmp_path)
    assert len(first) > 40
    assert config.secret_key({}, tmp_path) == first
    assert config.secret_key({"HEATDESK_SECRET_KEY": "given"}, tmp_path) == "given"


# ---- The one settings object -------------------------------------------------------------------


def _parse(tmp_path, **env):
    return config.HeatdeskSettings.from_env({"HEATDESK_DATA_DIR": str(tmp_path), **env})


def test_an_empty_environment_gives_the_documented_defaults(tmp_path):
    parsed = _parse(tmp_path)
    assert parsed.data_dir == tmp_path.resolve()
    assert parsed.outbox_max_attempts == 12
    assert parsed.base_url == "http://127.0.0.1:8000"
    assert parsed.trusted_proxies == ()
    assert parsed.secure_cookies is False
    assert parsed.sms_backend == "console"
    assert parsed.digest_at == dt.time(8, 0)
    assert (parsed.burst_calls, parsed.burst_minutes) == (5, 30)
    assert parsed.replica_database_url == ""
    assert parsed.satisfied_set == ("very_satisfied", "satisfied", "fairly_satisfied")


def test_values_are_parsed_to_their_types(tmp_path):
    parsed = _parse(
        tmp_path,
        HEATDESK_OUTBOX_MAX_ATTEMPTS=" 3 ",
        HEATDESK_BASE_URL="https://desk.example.cn/",
        HEATDESK_TRUSTED_PROXIES="10.0.0.1, 192.168.0.0/16",
        HEATDESK_SECURE_COOKIES="yes",
        HEATDESK_SMS_BACKEND="Aliyun",
        HEATDESK_DIGEST_AT="7:30",
        HEATDESK_ALLOWED_HOSTS="",
        HEATDESK_SLA_ESCALATE_AFTER_SECONDS="",
    )
    assert parsed.outbox_max_attempts == 3
    assert parsed.base_url == "https://desk.example.cn"
    assert parsed.trusted_proxies == ("10.0.0.1", "192.168.0.0/16")
    assert parsed.secure_cookies is True
    assert parsed.sms_backend == "aliyun"
    assert parsed.digest_at == dt.time(7, 30)
    assert parsed.allowed_hosts == ()  # an empty list is a list
    assert parsed.sla_escalate_after_seconds == 1800  # an empty number is the default


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HEATDESK_DEBUG", "maybe"),
        ("HEATDESK_DEMO", "2"),
        ("HEATDESK_OUTBOX_MAX_ATTEMPTS", "x"),
        ("HEATDESK_OUTBOX_MAX_ATTEMPTS", "0"),
        ("HEATDESK_OUTBOX_CONCURRENCY", "2.5"),
        ("HEATDESK_OUTBOX_BACKOFF_BASE_SECONDS", "soon"),
        ("HEATDESK_OUTBOX_BACKOFF_FACTOR", "0.5"),
        ("HEATDESK_OUTBOX_TIMEOUT_SECONDS", "-1"),
        ("HEATDESK_OUTBOX_LEASE_SECONDS", "0"),
        ("HEATDESK_OUTBOX_BACKOFF_CAP_SECONDS", "ten"),
        ("HEATDESK_SLA_ESCALATE_AFTER_SECONDS", "half an hour"),
        ("HEATDESK_WORKER_POLL_SECONDS", "0"),
        ("HEATDESK_MAX_UPLOAD_BYTES", "10MB"),
        ("HEATDESK_SATISFIED_SET", "satisfied,happy"),
        ("HEATDESK_LOG_LEVEL", "LOUD"),
        ("HEATDESK_DATABASE_URL", "nosuchdb://x/y"),
        ("HEATDESK_REPLICA_DATABASE_URL", "nosuchdb://x/y"),
        ("HEATDESK_BASE_URL", "desk.example.cn"),
        ("HEATDESK_TRUSTED_PROXIES", "10.0.0.1,proxy.local"),
        ("HEATDESK_SECURE_COOKIES", "https"),
        ("HEATDESK_SMS_BACKEND", "carrier-pigeon"),
        ("HEATDESK_SMS_BACKEND", "webhook"),  # without HEATDESK_SMS_URL
        ("HEATDESK_DIGEST_AT", "8am"),
        ("HEATDESK_DIGEST_AT", "24:00"),
        ("HEATDESK_BURST_CALLS", "many"),
        ("HEATDESK_BURST_CALLS", "1"),
        ("HEATDESK_BURST_MINUTES", "0"),
    ],
)
def test_a_bad_value_stops_the_start_naming_its_variable(tmp_path, variable, value):
    with pytest.raises(ImproperlyConfigured, match=variable):
        _parse(tmp_path, **{variable: value})


def test_the_satisfaction_codes_config_knows_are_the_tickets_codes():
    assert set(config.SATISFACTION_CODES) == set(Satisfaction.values)


def test_every_knob_but_the_derived_ones_is_a_django_setting():
    parsed = config.HeatdeskSettings.from_env(os.environ)
    not_settings = {"data_dir", "secret_key", "database_url", "debug", "demo", "allowed_hosts"}
    not_settings |= {"csrf_trusted_origins", "log_level"}  # Django's own names (DEBUG, ALLOWED_HOSTS, …)
    for knob in dataclasses.fields(parsed):
        if knob.name in not_settings:
            continue
        value = getattr(parsed, knob.name)
        exposed = getattr(settings, f"HEATDESK_{knob.name.upper()}")
        assert exposed == (list(value) if isinstance(value, tuple) else value), knob.name
