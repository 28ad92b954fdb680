"""Reports read the replica when one is configured; writes and every other read stay on the primary.

The replica is a real second database made by the test (a second SQLite file, or a second database on
the same PostgreSQL server), migrated but left empty, so a report that read it sees no tickets.
"""

from __future__ import annotations

import copy
import sqlite3
import subprocess
from collections.abc import Iterator

import pytest
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test.utils import CaptureQueriesContext

from heatdesk.accounts.models import User
from heatdesk.core.databases import REPLICA, report_db
from heatdesk.reports import selectors
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.services import TicketIntake, ticket_intake


@pytest.fixture
def make_ticket(demo_city):
    def make() -> Ticket:
        call = TicketIntake(caller_phone="13800001111", category="not_warm", compound="lanjuexiaoqu")
        return ticket_intake(actor=User.objects.get(username="80725"), call=call).ticket

    return make


@pytest.fixture
def replica(db, tmp_path, monkeypatch, django_db_blocker) -> Iterator[str]:
    """A second database with the primary's schema and no rows (a replica that has not caught up)."""
    # The test case refuses databases it was not told of when it started; this one is made here, for it.
    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", django_db_blocker._real_ensure_connection)
    primary = connections["default"]
    config = copy.deepcopy(connections.settings["default"])
    if primary.vendor == "postgresql":
        source = primary.settings_dict["NAME"]
        name = f"{source}_replica"[:60]
        with primary._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        _copy_schema(config, source, name)
    else:
        name = str(tmp_path / "replica.sqlite3")
        with primary.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")
            ddl = [sql for table, sql in cursor.fetchall() if not table.startswith(("sqlite_", "tickets_ticket_fts_"))]
        with sqlite3.connect(name) as target:
            for statement in ddl:
                target.execute(statement)
    config["NAME"] = name
    connections.settings[REPLICA] = config
    try:
        yield REPLICA
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]
        if primary.vendor == "postgresql":
            with primary._nodb_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _copy_schema(config: dict, source: str, target: str) -> None:
    server = ["-h", str(config["HOST"] or "127.0.0.1"), "-p", str(config["PORT"] or 5432), "-U", config["USER"]]
    schema = subprocess.run(["pg_dump", "--schema-only", *server, source], check=True, capture_output=True).stdout
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", *server, target], input=schema, check=True, capture_output=True
    )


def _received(day) -> int:
    period = selectors.period_of_day(day)
    return selectors.report_kpis(user=None, period=period, scope=selectors.ReportScope())["kpis"]["received"]["value"]


def test_reports_read_the_replica_and_writes_stay_on_the_primary(make_ticket, replica):
    ticket = make_ticket()
    day = selectors.report_today()
    assert report_db() == REPLICA

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        received = _received(day)

    assert received == 0  # the (empty) replica answered, not the primary that holds the ticket
    assert any("tickets_ticket" in q["sql"] for q in on_replica.captured_queries)
    assert Ticket.objects.filter(id=ticket.id).exists()  # ordinary reads: the primary
    assert not Ticket.objects.using(REPLICA).exists()  # the ticket was written to the primary only


def test_without_a_replica_reports_read_the_primary(make_ticket):
    make_ticket()
    assert report_db() == "default"
    assert _received(selectors.report_today()) == 1
