"""Database expressions the KPI formulas need and Django does not ship portably.

`Seconds(end, start)` is the time between two timestamps in seconds (NULL when either is NULL), as
`EXTRACT(EPOCH FROM …)` on PostgreSQL and `julianday` arithmetic on SQLite — both native, so sums
and averages stay inside the database. `median_of` takes the middle row(s) of an ordered query, the
same way on every database (it equals PERCENTILE_CONT(0.5)), and keeps the median out of the big
aggregate so that one can run in parallel on PostgreSQL.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import F, FloatField, Func, QuerySet


class Seconds(Func):
    """Seconds from `start` to `end` as a float; NULL when either timestamp is NULL."""

    output_field = FloatField()

    def __init__(self, end: str, start: str) -> None:
        super().__init__(F(end), F(start))

    def _operands(self, compiler, connection):
        end_sql, end_params = compiler.compile(self.source_expressions[0])
        start_sql, start_params = compiler.compile(self.source_expressions[1])
        return end_sql, start_sql, (*end_params, *start_params)

    def as_sql(self, compiler, connection, **extra_context):
        raise NotImplementedError(f"Seconds() is not implemented for {connection.vendor}")

    def as_sqlite(self, compiler, connection, **extra_context):
        end_sql, start_sql, params = self._operands(compiler, connection)
        return f"((julianday({end_sql}) - julianday({start_sql})) * 86400.0)", params

    def as_postgresql(self, compiler, connection, **extra_context):
        end_sql, start_sql, params = self._operands(compiler, connection)
        return f"(EXTRACT(EPOCH FROM ({end_sql} - {start_sql}))::double precision)", params


def median_of(values: QuerySet, column: str, count: int) -> float | None:
    """The median of a one-column query (`column`, NULLs already out) of `count` rows.

    The database orders the values and returns only the one or two in the middle (OFFSET), so the
    values never travel to Python. On PostgreSQL the sort gets more memory for this query.
    """
    if not count:
        return None
    middle = values.order_by(column)[(count - 1) // 2 : count // 2 + 1]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '64MB'")
        found = list(middle)
    if not found:
        return None
    return sum(found) / len(found)
