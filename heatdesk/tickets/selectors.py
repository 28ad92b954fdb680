"""Reads of tickets, always scoped to what the user may see (DESIGN §10 security)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from heatdesk.accounts.models import READ_ALL_ROLES, Role, User
from heatdesk.core import clock
from heatdesk.core.errors import NotFound
from heatdesk.geo.models import Compound
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


PHONE_LIKE = re.compile(r"^\+?[0-9][0-9\-]{3,19}$")


def keyword_q(text: str) -> Q:
    """`q=` of the ticket search, answered by an index (migration tickets 0005), never a table scan:
    a phone-like text → the phone index (exact, or the trigram index for a number's tail) and the ticket
    number; other text → the trigram index (pg_trgm on PostgreSQL, FTS5 on SQLite) of number, address,
    description and phone, plus the compounds whose name holds it."""
    text = text.strip()
    if PHONE_LIKE.match(text):
        phone = text.replace("-", "")
        return Q(caller_phone=phone) | _substring_q(phone, ("caller_phone", "number"))
    compounds = list(Compound.objects.filter(name__icontains=text).values_list("id", flat=True)[:200])
    return _substring_q(text, ("number", "address", "description", "caller_phone")) | Q(compound_id__in=compounds)


def _substring_q(text: str, columns: tuple[str, ...]) -> Q:
    if connection.vendor == "sqlite" and len(text) >= 3:  # the trigram tokenizer needs three characters
        phrase = '"' + text.replace('"', '""') + '"'
        match = "{" + " ".join(columns) + "} : " + phrase
        return Q(id__in=RawSQL("SELECT rowid FROM tickets_ticket_fts WHERE tickets_ticket_fts MATCH %s", [match]))
    found = Q()
    for column in columns:
        found |= Q(**{f"{column}__icontains": text})
    return found


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
        tickets = tickets.filter(keyword_q(filters.q))
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
