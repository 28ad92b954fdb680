"""Retention of the community records tied to a ticket (DESIGN §10, `purge-pii`): phone numbers written into a
visit's note or a ledger household's refusal note are masked with the ticket's caller data.

Kept as they are: stewards' phones (staff on duty, published to the desk by their own organisations) and the
vulnerable register (consented data, kept for the cold-snap checks while the consent stands; a household
withdraws by being removed from the register, not by the ticket retention clock)."""

from __future__ import annotations

from heatdesk.community.models import LedgerHousehold, Visit
from heatdesk.notify.channels import mask_phones


def community_pii_mask(*, ticket_ids: list[int], dry_run: bool = False) -> int:
    """Mask phone numbers in the notes of visits and ledger households of these tickets; returns rows changed."""
    visits = [v for v in Visit.objects.filter(ticket_id__in=ticket_ids).only("id", "note") if _masked(v, "note")]
    households = [
        h
        for h in LedgerHousehold.objects.filter(ticket_id__in=ticket_ids).only("id", "refused_note")
        if _masked(h, "refused_note")
    ]
    if not dry_run:
        Visit.objects.bulk_update(visits, ["note"], batch_size=500)
        LedgerHousehold.objects.bulk_update(households, ["refused_note"], batch_size=500)
    return len(visits) + len(households)


def _masked(row: Visit | LedgerHousehold, field: str) -> bool:
    before = str(getattr(row, field))
    after = mask_phones(before)
    setattr(row, field, after)
    return after != before
