"""Database expressions the KPI formulas need and Django does not ship portably.

`Seconds(end, start)` is the time between two timestamps in seconds (NULL when either is NULL), as
`EXTRACT(EPOCH FROM …)` on PostgreSQL and `julianday` arithmetic on SQLite — both native, so sums
and averages stay inside the database. `Median` is PostgreSQL's `PERCENTILE_CONT(0.5)`; on other
databases `median_of` takes the middle row(s) of an ordered query instead.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Aggregate, F, FloatField, Func, QuerySet


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


class Median(Aggregate):
    """PostgreSQL's continuous median (PERCENTILE_CONT(0.5)); NULLs are ignored."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def median_in_database() -> bool:
    """True where one aggregate query can return the median (PostgreSQL)."""
    return connection.vendor == "postgresql"


def median_of(queryset: QuerySet, expression: Func, count: int) -> float | None:
    """The median of `expression` over `queryset` rows where it is not NULL, without PERCENTILE_CONT.

    `count` is the number of such rows (the caller already has it from its aggregate); the query asks
    the database for the one or two middle values in order — never for all of them.
    """
    if not count:
        return None
    values = list(
        queryset.order_by()
        .annotate(median_value=expression)
        .filter(median_value__isnull=False)
        .order_by("median_value")
        .values_list("median_value", flat=True)[(count - 1) // 2 : count // 2 + 1]
    )
    if not values:
        return None
    return sum(values) / len(values)
