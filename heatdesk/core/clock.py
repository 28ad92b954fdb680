"""The one reader of the wall clock. Domain code asks `now()`; tests and the season simulator move it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_moved_now: ContextVar[dt.datetime | None] = ContextVar("heatdesk_moved_now", default=None)


def now() -> dt.datetime:
    """Current time, timezone-aware (UTC), or the moved time inside `moved_to`."""
    return _moved_now.get() or timezone.now()


@contextmanager
def moved_to(at: dt.datetime) -> Iterator[None]:
    """Within this block (this thread or task only), `now()` is `at`. For simulations and replays."""
    if at.tzinfo is None:
        raise ValueError("moved_to needs a timezone-aware datetime")
    token = _moved_now.set(at)
    try:
        yield
    finally:
        _moved_now.reset(token)
