"""SMS sent to a ticket's caller (DESIGN §11 Citizens): GET /tickets/{number}/sms, desk roles."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Router, Schema

from heatdesk.feedback.selectors import sms_json, sms_list_for_ticket

router = Router(tags=["sms"])


class SmsOut(Schema):
    at: dt.datetime
    to: str
    kind: Literal["received", "dispatched", "accepted", "resolved", "incident", "rating"]
    text: str
    status: Literal["queued", "sent", "failed", "opted_out"]


@router.get("/{number}/sms", response=list[SmsOut])
def ticket_sms(request, number: str):
    return [sms_json(message) for message in sms_list_for_ticket(user=request.auth, number=number)]
