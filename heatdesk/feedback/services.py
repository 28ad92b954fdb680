"""Writes of the citizen loop: SMS at each ticket step, answers by rating link, opt-outs.

Tickets sit below this app and cannot call it, so the edges (API and pages) go through the two
wrappers here — `ticket_intake_with_sms` and `ticket_act_with_sms` — which run the tickets door and
queue the SMS in one transaction. Code that already holds a transaction around `ticket_act` calls
`sms_queue_for_ticket_change` itself, inside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from heatdesk.accounts.models import User
from heatdesk.core import clock
from heatdesk.core.errors import ErrorCode, NotFound, Throttled, TransitionNotAllowed, ValidationFailed
from heatdesk.feedback import links
from heatdesk.feedback.models import RatingLink, SmsKind, SmsMessage, SmsOptOut, StatusLookup
from heatdesk.feedback.selectors import CitizenView, citizen_view
from heatdesk.feedback.sms import LOCAL_ZONE, sms_enqueue
from heatdesk.tickets import services as tickets
from heatdesk.tickets.models import Satisfaction, Ticket, TicketEvent
from heatdesk.tickets.states import Action, TicketStatus

# Which SMS a ticket action sends, given the status it left the ticket in.
_KIND_AFTER: dict[tuple[str, str], str] = {
    (Action.CREATE, TicketStatus.RECEIVED): SmsKind.RECEIVED,
    (Action.CREATE, TicketStatus.DISPATCHED): SmsKind.RECEIVED,
    (Action.CREATE, TicketStatus.RESOLVED): SmsKind.RECEIVED,
    (Action.DISPATCH, TicketStatus.DISPATCHED): SmsKind.DISPATCHED,
    (Action.ACCEPT, TicketStatus.ACCEPTED): SmsKind.ACCEPTED,
    (Action.RESOLVE, TicketStatus.RESOLVED): SmsKind.RESOLVED,
    (Action.GUIDE, TicketStatus.RESOLVED): SmsKind.RESOLVED,
    (Action.CALLBACK, TicketStatus.DISPATCHED): SmsKind.DISPATCHED,  # 重办: sent back to the station
}


def _local(value: dt.datetime | None) -> str:
    return timezone.localtime(value, LOCAL_ZONE).strftime("%m月%d日%H:%M") if value else ""


def _params(ticket: Ticket, kind: str, at: dt.datetime) -> dict[str, str]:
    station = ticket.station.name if ticket.station else ""
    params = {"number": ticket.number, "station": station, "link": links.status_link(ticket), "time": ""}
    if kind == SmsKind.DISPATCHED:
        params["time"] = _local(ticket.response_deadline)
    elif kind == SmsKind.ACCEPTED:
        params["time"] = _local(ticket.resolution_deadline)
    elif kind == SmsKind.RESOLVED:
        params["link"] = links.rating_link_create(ticket=ticket, at=at)[1]
    return params


def sms_queue_for_ticket_change(
    *, ticket: Ticket, action: str, at: dt.datetime, fresh_events: list[TicketEvent] | None = None
) -> SmsMessage | None:
    """Queue the caller's SMS for the action just applied to `ticket`, if that step has one.

    Call inside the transaction of the change. Keyed by the action's event, so a replay queues nothing new.
    `fresh_events`: the events of a ticket created in this transaction, in memory. The action's event is
    taken from them and, the ticket being new, no message of it can exist yet: nothing is read back.
    """
    kind = _KIND_AFTER.get((action, ticket.status))
    if kind is None:
        return None
    if fresh_events is None:
        event = TicketEvent.objects.filter(ticket=ticket, kind=action).order_by("-id").first()
    else:
        event = next((e for e in reversed(fresh_events) if e.kind == action), None)
    key = f"sms:{ticket.id}:{kind}:{event.id if event else at.isoformat()}"
    if fresh_events is None and SmsMessage.objects.filter(idempotency_key=key).exists():
        return None
    return sms_enqueue(
        ticket=ticket,
        kind=kind,
        params=_params(ticket, kind, at),
        key=key,
        at=at,
        is_urgent=ticket.is_urgent and kind != SmsKind.RESOLVED,
        fresh=fresh_events is not None,
    )


def ticket_act_with_sms(*, actor: User, number: str, action: str, payload: dict[str, Any] | None = None) -> Ticket:
    """`tickets.services.ticket_act` plus the caller's SMS, in one transaction (the edges call this)."""
    with transaction.atomic():
        ticket = tickets.ticket_act(actor=actor, number=number, action=action, payload=payload)
        sms_queue_for_ticket_change(ticket=ticket, action=action, at=clock.now())
    return ticket


def ticket_intake_with_sms(
    *,
    actor: User,
    call: tickets.TicketIntake,
    guidance: tickets.GuidanceOutcome | None = None,
    dispatch: bool = False,
) -> tickets.TicketCreateResult:
    """`tickets.services.ticket_intake` plus the received (and dispatched or resolved) SMS, in one transaction
    (the intake's own: its read-only checks and routing run before it opens)."""

    def queue_sms(result: tickets.TicketCreateResult) -> None:
        now = clock.now()
        for action in (Action.CREATE, Action.DISPATCH, Action.GUIDE):
            sms_queue_for_ticket_change(ticket=result.ticket, action=action, at=now, fresh_events=result.events)

    return tickets.ticket_intake(actor=actor, call=call, guidance=guidance, dispatch=dispatch, then=queue_sms)


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
        sms_queue_for_ticket_change(ticket=ticket, action=Action.CALLBACK, at=now)
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
