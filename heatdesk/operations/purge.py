"""`purge-pii`: the retention rule run by an operator or from cron. Which fields are masked, and why the
reports do not change, is written in `tickets.retention`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from heatdesk.audit.models import AuditAction
from heatdesk.audit.services import audit_record
from heatdesk.core import clock
from heatdesk.core.errors import ValidationFailed
from heatdesk.tickets.retention import PiiMaskCounts, tickets_pii_mask, tickets_pii_purgeable

BATCH_SIZE = 500
MAX_DAYS = 36_500


@dataclass
class PurgeReport:
    cutoff: dt.datetime
    candidates: int
    masked: PiiMaskCounts
    dry_run: bool


def pii_purge(*, older_than_days: int, dry_run: bool = False, batch_size: int = BATCH_SIZE) -> PurgeReport:
    """Mask callers' phones and names on tickets closed more than `older_than_days` ago, batch by batch
    (one transaction each); audited once per run that changed anything. Running it again changes nothing."""
    if (
        isinstance(older_than_days, bool)
        or not isinstance(older_than_days, int)
        or not 0 <= older_than_days <= MAX_DAYS
    ):
        raise ValidationFailed(
            f"天数须在 0–{MAX_DAYS} 之间 / --older-than must be a whole number of days, 0–{MAX_DAYS}"
        )
    cutoff = clock.now() - dt.timedelta(days=older_than_days)
    ids = list(tickets_pii_purgeable(closed_before=cutoff).order_by("id").values_list("id", flat=True))
    masked = PiiMaskCounts()
    for start in range(0, len(ids), batch_size):
        masked += tickets_pii_mask(ticket_ids=ids[start : start + batch_size], dry_run=dry_run)
    if not dry_run and (masked.tickets or masked.events or masked.callbacks):
        audit_record(
            actor=None,
            action=AuditAction.PII_PURGE,
            object_type="ticket",
            detail={
                "closed_before": cutoff,
                "older_than_days": older_than_days,
                "tickets": masked.tickets,
                "events": masked.events,
                "callbacks": masked.callbacks,
            },
        )
    return PurgeReport(cutoff=cutoff, candidates=len(ids), masked=masked, dry_run=dry_run)
