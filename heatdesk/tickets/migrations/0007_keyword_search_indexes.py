"""Keyword search (GET /tickets?q=) through an index, not a scan (issue 19).

PostgreSQL: pg_trgm GIN indexes on UPPER(column), the expression Django's icontains compares.
SQLite: an FTS5 trigram table over the same columns, kept in step with tickets_ticket by triggers.
Other back ends: nothing (the selector falls back to LIKE).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

COLUMNS = ("number", "address", "description", "caller_phone")

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE tickets_ticket_fts USING fts5("
    "number, address, description, caller_phone, content='tickets_ticket', content_rowid='id', tokenize='trigram')",
    "INSERT INTO tickets_ticket_fts(rowid, number, address, description, caller_phone) "
    "SELECT id, number, address, description, caller_phone FROM tickets_ticket",
    "CREATE TRIGGER tickets_ticket_fts_insert AFTER INSERT ON tickets_ticket BEGIN "
    "INSERT INTO tickets_ticket_fts(rowid, number, address, description, caller_phone) "
    "VALUES (new.id, new.number, new.address, new.description, new.caller_phone); END",
    "CREATE TRIGGER tickets_ticket_fts_delete AFTER DELETE ON tickets_ticket BEGIN "
    "INSERT INTO tickets_ticket_fts(tickets_ticket_fts, rowid, number, address, description, caller_phone) "
    "VALUES ('delete', old.id, old.number, old.address, old.description, old.caller_phone); END",
    # Only the searched columns: most updates (status, clocks) leave the index alone.
    "CREATE TRIGGER tickets_ticket_fts_update AFTER UPDATE OF number, address, description, caller_phone "
    "ON tickets_ticket BEGIN "
    "INSERT INTO tickets_ticket_fts(tickets_ticket_fts, rowid, number, address, description, caller_phone) "
    "VALUES ('delete', old.id, old.number, old.address, old.description, old.caller_phone); "
    "INSERT INTO tickets_ticket_fts(rowid, number, address, description, caller_phone) "
    "VALUES (new.id, new.number, new.address, new.description, new.caller_phone); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_update",
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_delete",
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_insert",
    "DROP TABLE IF EXISTS tickets_ticket_fts",
]
POSTGRES_FORWARD = [
    f"CREATE INDEX IF NOT EXISTS ticket_{column}_trgm ON tickets_ticket USING gin (UPPER({column}::text) gin_trgm_ops)"
    for column in COLUMNS
] + ["CREATE INDEX IF NOT EXISTS compound_name_trgm ON geo_compound USING gin (UPPER(name::text) gin_trgm_ops)"]
POSTGRES_BACKWARD = [f"DROP INDEX IF EXISTS ticket_{column}_trgm" for column in COLUMNS] + [
    "DROP INDEX IF EXISTS compound_name_trgm"
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0006_add_ticket_incident"),
        ("geo", "0001_initial"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
