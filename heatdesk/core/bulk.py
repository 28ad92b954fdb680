"""Plain multi-row INSERT … VALUES for hot write paths (the SLA monitor's pass).

Django's `bulk_create` on PostgreSQL sends each column as an array for `UNNEST`; with client-side
binding psycopg quotes those arrays in Python, character by character, which cost a monitor pass more
than all its SQL (JSON payloads are long). Here each value is prepared by its field exactly as the ORM
prepares it and bound as one parameter; no ids come back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def rows_insert(
    model: type[models.Model],
    objs: Sequence[models.Model],
    *,
    fields: Sequence[str],
    ignore_conflicts: bool = False,
    batch_size: int = 500,
) -> None:
    """Insert `objs` (their `fields` only; the id comes from the database) in batches of `batch_size`
    rows; with `ignore_conflicts` a row that breaks a unique constraint is skipped (ON CONFLICT DO NOTHING)."""
    if not objs:
        return
    ops = connection.ops
    concrete = [model._meta.get_field(name) for name in fields]
    columns = ", ".join(ops.quote_name(field.column) for field in concrete)  # type: ignore[union-attr,arg-type]
    row_sql = "(" + ", ".join(["%s"] * len(concrete)) + ")"
    per_batch = max(1, min(batch_size, 900 // len(concrete)) if connection.vendor == "sqlite" else batch_size)
    table = ops.quote_name(model._meta.db_table)
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    with connection.cursor() as cursor:
        for start in range(0, len(objs), per_batch):
            part = objs[start : start + per_batch]
            params: list[Any] = []
            for obj in part:
                params += [
                    field.get_db_prep_save(getattr(obj, field.attname), connection)  # type: ignore[union-attr]
                    for field in concrete
                ]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(part))}{conflict}",  # noqa: S608 - model table, values bound
                params,
            )
