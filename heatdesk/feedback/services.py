"""Writes of the citizen loop: answers by rating link, opt-outs, status lookups.

The SMS of each ticket step are not queued here: `cursor.sms_from_events` derives them from the ticket
event log (the worker runs it every second), so no door that changes a ticket can forget them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from heatdesk.core import clock
from heatdesk.core.errors import ErrorCode, NotFound, Throttled, TransitionNotAllowed, ValidationFailed
from heatdesk.feedback import links
from heatdesk.feedback.models import RatingLink, SmsOptOut, StatusLookup
from heatdesk.feedback.selectors import CitizenView, citizen_view
from heatdesk.tickets import services as tickets
from heatdesk.tickets.models import Satisfaction, Ticket
from heatdesk.tickets.states import Action, TicketStatus


def sms_opt_out(*, phone: str = "", ticket: Ticket | None = None, note: str = "") -> SmsOptOut:
    """Stop SMS to a number (every ticket) or for one ticket; queued messages are then not sent."""
    phone = phone.strip()
    if not phone and ticket is None:
        raise ValidationFailed("请给出号码或工单 / give a phone or a ticket")
    return SmsOptOut.objects.create(phone=phone, ticket=ticket, note=note[:200], created_at=clock.now())


# ---- rating link ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingAnswer:
    """The three callback questions as the citizen answered them on the link page."""

    contacted: bool
    fixed: bool
    satisfaction: str
    station_cause: bool = True  # an unhappy answer blames the station's work (→ 重办), not e.g. the price
    comment: str = ""


def rating_link_usable(*, nonce: str, now: dt.datetime, lock: bool = False) -> RatingLink:
    """The link row if it may still be answered; else a typed refusal (used, expired, superseded)."""
    rows = RatingLink.objects.select_related("ticket")
    if lock:
        rows = rows.select_for_update(of=("self",))
    link = rows.filter(nonce=nonce).first()
    if link is None:
        raise NotFound("评价链接无效 / rating link is not valid", code=ErrorCode.RATING_LINK_INVALID)
    if link.used_at is not None:
        raise TransitionNotAllowed("该链接已评价过，谢谢 / this link was already used", code=ErrorCode.RATING_LINK_USED)
    ticket = link.ticket
    stale = ticket.status != TicketStatus.RESOLVED or ticket.resolved_at != link.cycle_resolved_at
    if now >= link.expires_at or stale:
        raise TransitionNotAllowed(
            "该链接已过期，如有问题请拨打12345 / this link has expired", code=ErrorCode.RATING_LINK_EXPIRED
        )
    return link


def rating_link_answer(*, token: str, answer: RatingAnswer) -> Ticket:
    """Record the citizen's answer as a callback with channel sms_link, exactly as a phone callback.

    Fixed and not unhappy for the station's cause → closed; otherwise 重办 (redispatched). The citizen is
    no user: the ticket's owner (首问负责人) is the actor, and the event says the answer came by link.
    The link is then used; a forged, used or expired token changes nothing.
    """
    if answer.satisfaction not in Satisfaction.values:
        raise ValidationFailed("请选择满意度 / choose how satisfied you are", details=[{"field": "satisfaction"}])
    nonce = links.rating_link_nonce(token)
    with transaction.atomic():
        now = clock.now()
        link = rating_link_usable(nonce=nonce, now=now, lock=True)
        ticket = link.ticket
        payload = {
            "reached": True,
            "contacted": answer.contacted,
            "fixed": answer.fixed,
            "satisfaction": answer.satisfaction,
            "station_controllable": answer.station_cause,
            "comment": answer.comment[:500],
            "channel": "sms_link",
        }
        ticket = tickets.ticket_act(actor=ticket.owner, number=ticket.number, action=Action.CALLBACK, payload=payload)
        link.used_at = now
        link.outcome = "closed" if ticket.status == TicketStatus.CLOSED else "redo"
        link.save(update_fields=["used_at", "outcome"])
    return ticket


# ---- status page ----------------------------------------------------------------------------------

LOOKUP_WINDOW = dt.timedelta(minutes=15)
LOOKUP_LIMIT_PER_TICKET = 5  # wrong digits for one ticket number, any address
LOOKUP_LIMIT_PER_ADDRESS = 20  # failed lookups from one address, any numbers


def _lookup_throttle(*, number: str, address: str, now: dt.datetime) -> None:
    recent = StatusLookup.objects.filter(at__gte=now - LOOKUP_WINDOW)
    for rows, limit in (
        (recent.filter(number=number), LOOKUP_LIMIT_PER_TICKET),
        (recent.filter(address=address), LOOKUP_LIMIT_PER_ADDRESS),
    ):
        times = sorted(rows.values_list("at", flat=True), reverse=True)[:limit]
        if len(times) >= limit:
            retry_after = max(1, int((times[-1] + LOOKUP_WINDOW - now).total_seconds()) + 1)
            raise Throttled(
                f"尝试次数过多，请 {retry_after // 60 + 1} 分钟后再试 / too many tries, wait {retry_after} s",
                retry_after=retry_after,
            )


def ticket_status_lookup(*, number: str, digits: str, address: str) -> CitizenView:
    """The caller's view of a ticket, given the last four digits of the phone it was filed with.

    Failures (unknown number or wrong digits, answered alike) are stored and throttled per ticket
    number and per address; a throttled lookup is refused even with the right digits.
    """
    number, digits = number.strip()[:20], digits.strip()
    now = clock.now()
    _lookup_throttle(number=number, address=address[:45], now=now)
    ticket = Ticket.objects.select_related("station").filter(number=number).first()
    matches = len(digits) == 4 and digits.isdigit() and ticket is not None and ticket.caller_phone.endswith(digits)
    if ticket is None or not matches:
        StatusLookup.objects.create(number=number, address=address[:45], at=now)
        StatusLookup.objects.filter(at__lt=now - 4 * LOOKUP_WINDOW).delete()
        raise NotFound("工单号或手机尾号不正确 / number or phone digits do not match")
    return citizen_view(ticket)
