"""Human-readable ticket numbers: GR + local date + daily serial (GR202611260001), unique under races."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from heatdesk.tickets.models import TicketNumberCounter

PREFIX = "GR"


def _increment(day: str) -> int | None:
    """Add one to the day's counter and read it back in one statement (UPDATE … RETURNING)."""
    table = TicketNumberCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET last = last + 1 WHERE day = %s RETURNING last", [day])  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else None


def ticket_number_next(*, at: dt.datetime) -> str:
    """Take the next serial of `at`'s local day. Must run inside the creating transaction."""
    day = timezone.localtime(at).strftime("%Y%m%d")
    serial = _increment(day)
    if serial is None:
        try:
            with transaction.atomic():
                TicketNumberCounter.objects.create(day=day, last=1)
            serial = 1
        except IntegrityError:  # another request created today's counter first
            serial = _increment(day)
    return f"{PREFIX}{day}{serial:04d}"
