"""Reads of tickets, always scoped to what the user may see (DESIGN §10 security)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from heatdesk.accounts.models import READ_ALL_ROLES, Role, User
from heatdesk.core import clock
from heatdesk.core.errors import NotFound
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.states import OPEN_STATUSES, TRANSITIONS, TicketStatus, action_refusal

FULL_PHONE_ROLES = frozenset({Role.OPERATOR, Role.DESK_LEAD, Role.ADMIN})


def first_of(tickets: QuerySet[Ticket]) -> Ticket | None:
    """The one ticket of a lookup by number, unordered: an ORDER BY created_at (the model's default
    ordering, which `.first()` keeps) can lead SQLite to walk that index instead of the unique number."""
    return next(iter(tickets.order_by()[:1]), None)


def ticket_list_visible_to(*, user: User) -> QuerySet[Ticket]:
    """The desk and the regulator see all; a station its own; a company its stations'; a community its compounds'."""
    tickets = Ticket.objects.select_related(
        "station", "station__company", "compound", "compound__district", "owner", "substation", "district"
    )
    if user.role in READ_ALL_ROLES or user.is_superuser:
        return tickets
    if user.role == Role.STATION:
        return tickets.filter(station_id=user.station_id)
    if user.role == Role.COMPANY:
        return tickets.filter(station__company_id=user.company_id)
    if user.role == Role.COMMUNITY:
        return tickets.filter(compound__community_id=user.community_id)
    return tickets.none()


def ticket_visible_to(*, user: User, ticket: Ticket) -> bool:
    """The rule of `ticket_list_visible_to` for one ticket in hand (no query for desk and station users)."""
    if user.role in READ_ALL_ROLES or user.is_superuser:
        return True
    if user.role == Role.STATION:
        return ticket.station_id == user.station_id
    if user.role == Role.COMPANY:
        return (ticket.station.company_id if ticket.station_id else None) == user.company_id
    if user.role == Role.COMMUNITY:
        return (ticket.compound.community_id if ticket.compound_id else None) == user.community_id
    return False


def ticket_actions_available(*, user: User, ticket: Ticket, now: dt.datetime | None = None) -> list[str]:
    """The actions `ticket_act` would accept from this user on this ticket now (given a valid payload),
    in the table's order: the one answer for the buttons, the API's `allowed_actions` and the door."""
    if not ticket_visible_to(user=user, ticket=ticket):
        return []
    now = now or clock.now()
    return [
        action for action in TRANSITIONS if action_refusal(user=user, ticket=ticket, action=action, now=now) is None
    ]


def ticket_get_visible(*, user: User, number: str) -> Ticket:
    """The ticket by number if the user may see it; otherwise 404, so numbers of others' tickets don't leak."""
    ticket = first_of(ticket_list_visible_to(user=user).filter(number=number))
    if ticket is None:
        raise NotFound(f"工单 {number} 不存在或无权查看 / ticket {number} not found")
    return ticket


def overdue_q(*, now=None) -> Q:
    """Tickets whose current stage is past its deadline."""
    now = now or clock.now()
    return (
        Q(
            status__in=[TicketStatus.RECEIVED, TicketStatus.RETURNED],
            first_dispatched_at__isnull=True,
            dispatch_deadline__lt=now,
        )
        | Q(status=TicketStatus.DISPATCHED, response_deadline__lt=now)
        | Q(status__in=[TicketStatus.DISPATCHED, TicketStatus.ACCEPTED], resolution_deadline__lt=now)
        | Q(status=TicketStatus.RESOLVED, callback_deadline__lt=now)
    )


@dataclass(frozen=True)
class TicketFilters:
    status: list[str] | None = None
    station: str | None = None
    phone: str | None = None
    q: str | None = None
    overdue: bool | None = None
    owner: str | None = None
    category: str | None = None
    urgency: str | None = None
    open_only: bool = False


def ticket_search(*, user: User, filters: TicketFilters) -> QuerySet[Ticket]:
    """Visible tickets matching the filters, newest first."""
    tickets = ticket_list_visible_to(user=user)
    if filters.status:
        tickets = tickets.filter(status__in=filters.status)
    if filters.open_only:
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    if filters.station:
        tickets = tickets.filter(station__code=filters.station)
    if filters.phone:
        tickets = tickets.filter(caller_phone=filters.phone)
    if filters.owner:
        tickets = tickets.filter(owner__username=filters.owner)
    if filters.category:
        tickets = tickets.filter(category=filters.category)
    if filters.urgency:
        tickets = tickets.filter(urgency=filters.urgency)
    if filters.q:
        text = filters.q.strip()
        tickets = tickets.filter(
            Q(number__icontains=text)
            | Q(address__icontains=text)
            | Q(description__icontains=text)
            | Q(compound__name__icontains=text)
            | Q(caller_phone=text)
        )
    if filters.overdue is True:
        tickets = tickets.filter(overdue_q())
    elif filters.overdue is False:
        tickets = tickets.exclude(overdue_q())
    return tickets.order_by("-created_at", "-id")


def ticket_open_related(
    *, caller_phone: str, compound_id: int | None, building: str, exclude_id: int | None = None
) -> list[Ticket]:
    """Open tickets of the same phone or the same building: the caller's history for a new call.

    Two indexed lookups merged here, rather than one OR that the planner may answer with a full scan.
    """
    base = Ticket.objects.filter(status__in=OPEN_STATUSES).select_related(
        "owner", "station", "station__company", "compound", "compound__district"
    )
    if exclude_id:
        base = base.exclude(id=exclude_id)
    found = {t.id: t for t in base.filter(caller_phone=caller_phone).order_by("-created_at")[:20]}
    if compound_id and building:
        for ticket in base.filter(compound_id=compound_id, building=building).order_by("-created_at")[:20]:
            found.setdefault(ticket.id, ticket)
    return sorted(found.values(), key=lambda t: t.created_at, reverse=True)[:20]


def phone_visible_in_full(*, user: User, ticket: Ticket) -> bool:
    """Phones show in full to the desk and to the station the ticket is dispatched to; masked elsewhere."""
    if user.role in FULL_PHONE_ROLES or user.is_superuser:
        return True
    return user.role == Role.STATION and ticket.station_id is not None and ticket.station_id == user.station_id


def phone_masked(phone: str) -> str:
    """13812345678 → 138****5678."""
    if len(phone) <= 7:
        return phone[:2] + "*" * max(0, len(phone) - 2)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def ticket_related_numbers(ticket: Ticket) -> list[str]:
    """关联: the tickets this one was linked to at intake and those linked to it, by number."""
    linked = Ticket.objects.filter(Q(id=ticket.related_to_id) | Q(related_to_id=ticket.id)).order_by("created_at")
    return list(linked.values_list("number", flat=True))
