"""The one reader of the wall clock. Domain code asks `now()`; tests and simulations move it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """Current time, timezone-aware (UTC)."""
    return timezone.now()
