"""`purge-pii`: the retention rule run by an operator or from cron. Which fields are masked, and why the
reports do not change, is written in `tickets.retention`; the SMS sent to the caller (`feedback.retention`)
and the community notes tied to the ticket (`community.retention`) are masked in the same transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from heatdesk.audit.models import AuditAction
from heatdesk.audit.services import audit_record
from heatdesk.community.retention import community_pii_mask
from heatdesk.core import clock
from heatdesk.core.errors import ValidationFailed
from heatdesk.feedback.retention import sms_pii_mask
from heatdesk.tickets.retention import PiiMaskCounts, tickets_pii_mask, tickets_pii_purgeable

BATCH_SIZE = 500
MAX_DAYS = 36_500


@dataclass
class PurgeReport:
    cutoff: dt.datetime
    candidates: int
    masked: PiiMaskCounts
    dry_run: bool
    sms: int = 0  # SMS whose number was masked
    community: int = 0  # visit and ledger notes with phone numbers masked


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
    masked, sms, community = PiiMaskCounts(), 0, 0
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        with transaction.atomic():
            masked += tickets_pii_mask(ticket_ids=batch, dry_run=dry_run)
            sms += sms_pii_mask(ticket_ids=batch, dry_run=dry_run)
            community += community_pii_mask(ticket_ids=batch, dry_run=dry_run)
    if not dry_run and (masked.tickets or masked.events or masked.callbacks or sms or community):
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
                "sms": sms,
                "community": community,
            },
        )
    return PurgeReport(cutoff=cutoff, candidates=len(ids), masked=masked, dry_run=dry_run, sms=sms, community=community)
