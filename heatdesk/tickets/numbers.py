"""Human-readable ticket numbers: GR + local date + daily serial (GR202611260001), unique under races."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from heatdesk.tickets.models import TicketNumberCounter

PREFIX = "GR"


def ticket_number_next(*, at: dt.datetime) -> str:
    """Take the next serial of `at`'s local day. Must run inside the creating transaction."""
    day = timezone.localtime(at).strftime("%Y%m%d")
    updated = TicketNumberCounter.objects.filter(day=day).update(last=F("last") + 1)
    if not updated:
        try:
            with transaction.atomic():
                TicketNumberCounter.objects.create(day=day, last=1)
        except IntegrityError:  # another request created today's counter first
            TicketNumberCounter.objects.filter(day=day).update(last=F("last") + 1)
    serial = TicketNumberCounter.objects.get(day=day).last
    return f"{PREFIX}{day}{serial:04d}"
