from pathlib import Path

import pytest

from heatdesk import config


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
    assert database["ENGINE"] == "django.db.backends.sqlite3"
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
