"""Reads of the outbox."""

from __future__ import annotations

import datetime as dt

from django.db.models import Min

from heatdesk.notify.models import OutboxMessage, OutboxStatus


def outbox_next_due_at() -> dt.datetime | None:
    """Earliest `next_attempt_at` of pending messages (a claimed one's lease end included); None if idle.

    The worker sleeps until then (bounded by its own poll interval, since new rows may arrive sooner).
    """
    due = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).aggregate(earliest=Min("next_attempt_at"))
    return due["earliest"]
