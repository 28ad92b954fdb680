"""Where reads go: reports may read a replica (DESIGN §7 scale-out), everything else the primary.

`settings.py` adds DATABASES["replica"] when HEATDESK_REPLICA_DATABASE_URL is set, and installs
`ReplicaRouter`. A report entry point marked `@reads_replica` sends every read it makes (and every lazy
queryset it evaluates) to the replica; writes always go to the primary. Without a replica nothing changes.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_reports_reading: contextvars.ContextVar[bool] = contextvars.ContextVar("heatdesk_reports_reading", default=False)

P = ParamSpec("P")
R = TypeVar("R")


def report_db() -> str:
    """The alias report reads use: the replica when one is configured."""
    return REPLICA if REPLICA in connections.settings else DEFAULT_DB_ALIAS


@contextmanager
def replica_reads() -> Iterator[str]:
    token = _reports_reading.set(True)
    try:
        yield report_db()
    finally:
        _reports_reading.reset(token)


def reads_replica(function: Callable[P, R]) -> Callable[P, R]:
    """Run a read-only report function with its reads on the replica (when there is one)."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with replica_reads():
            return function(*args, **kwargs)

    return wrapper


class ReplicaRouter:
    """Reads inside `replica_reads()` go to the replica; all else (every write) to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _reports_reading.get() and REPLICA in connections.settings:
            return REPLICA
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica is a copy of the primary: its rows are the same rows
