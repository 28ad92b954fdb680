"""Absolute links for SMS: the status page and the signed, single-use rating link (DESIGN §11 Citizens)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core import signing

from heatdesk.core.errors import ErrorCode, NotFound
from heatdesk.feedback.models import RatingLink
from heatdesk.tickets.models import Ticket

RATING_SALT = "heatdesk.feedback.rating-link"
RATING_LIFETIME = dt.timedelta(hours=72)


def absolute(path: str) -> str:
    return str(settings.HEATDESK_BASE_URL).rstrip("/") + path


def status_link(ticket: Ticket) -> str:
    return absolute(f"/s/{ticket.number}")


def rating_link_create(*, ticket: Ticket, at: dt.datetime) -> tuple[RatingLink, str]:
    """A new link for the ticket's current handling cycle; returns the row and its absolute URL."""
    link = RatingLink.objects.create(
        ticket=ticket,
        nonce=secrets.token_hex(8),
        cycle_resolved_at=ticket.resolved_at or at,
        created_at=at,
        expires_at=at + RATING_LIFETIME,
    )
    token = signing.dumps({"n": link.nonce}, salt=RATING_SALT, compress=False)
    return link, absolute(f"/r/{token}")


def rating_link_nonce(token: str) -> str:
    """The nonce a token names, if its signature is ours; else NotFound (a forged link looks unknown)."""
    try:
        data = signing.loads(token, salt=RATING_SALT)
    except signing.BadSignature as error:
        raise NotFound("评价链接无效 / rating link is not valid", code=ErrorCode.RATING_LINK_INVALID) from error
    nonce = data.get("n") if isinstance(data, dict) else None
    if not isinstance(nonce, str):
        raise NotFound("评价链接无效 / rating link is not valid", code=ErrorCode.RATING_LINK_INVALID)
    return nonce
