"""Retention of the SMS (DESIGN §10, `purge-pii`): the number an SMS went to is the caller's phone, so it is
masked with the ticket's. Opt-outs by number (`SmsOptOut.phone`) are kept: they are the citizen's own
request not to be texted, and masking them would start the texts again."""

from __future__ import annotations

from heatdesk.feedback.models import SmsMessage
from heatdesk.notify.channels import mask_phones
from heatdesk.tickets.selectors import phone_masked


def sms_pii_mask(*, ticket_ids: list[int], dry_run: bool = False) -> int:
    """Mask the phone (and any number in the text or error) of every SMS of these tickets; returns rows changed.
    Call it inside the purge's transaction; a second run changes nothing."""
    changed = []
    for message in SmsMessage.objects.filter(ticket_id__in=ticket_ids).only("id", "to", "text", "error"):
        masked = (phone_masked(message.to), mask_phones(message.text), mask_phones(message.error))
        if masked != (message.to, message.text, message.error):
            message.to, message.text, message.error = masked
            changed.append(message)
    if changed and not dry_run:
        SmsMessage.objects.bulk_update(changed, ["to", "text", "error"], batch_size=500)
    return len(changed)
