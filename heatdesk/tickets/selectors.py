"""Reads of tickets, always scoped to what the user may see (DESIGN §10 security)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from heatdesk.accounts.models import READ_ALL_ROLES, Role, User
from heatdesk.core import clock
from heatdesk.core.errors import ErrorCode, NotFound, PermissionDenied
from heatdesk.geo.models import Compound
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.states import OPEN_STATUSES, TRANSITIONS, TicketStatus, action_refusal

FULL_PHONE_ROLES = frozenset({Role.OPERATOR, Role.DESK_LEAD, Role.ADMIN})
# A ticket is "dispatched to" its station in these statuses (after at least one dispatch).
DISPATCHED_STATUSES = frozenset(
    {TicketStatus.DISPATCHED, TicketStatus.ACCEPTED, TicketStatus.RESOLVED, TicketStatus.CLOSED}
)
LAST_DIGITS = 4
PHONE_LIKE_PATTERN = re.compile(r"\d{7,}")
TICKET_NUMBER_PATTERN = re.compile(r"GR\d{12}", re.IGNORECASE)


def first_of(tickets: QuerySet[Ticket]) -> Ticket | None:
    """The one ticket of a lookup by number, unordered: an ORDER BY created_at (the model's default
    ordering, which `.first()` keeps) can lead SQLite to walk that index instead of the unique number."""
    return next(iter(tickets.order_by()[:1]), None)


def ticket_list_visible_to(*, user: User) -> QuerySet[Ticket]:
    """The desk and the regulator see all; a station its own; a company its stations'; a community its compounds'."""
    tickets = Ticket.objects.select_related(
        "station", "station__company", "compound", "compound__district", "owner", "substation", "district"
    )
    return tickets_scoped(tickets, user=user)


def ticket_scope(*, user: User) -> tuple[str, object] | None:
    """The rule of what a user may see as one filter: (lookup, value), ("", None) for everything, None for
    nothing."""
    if user.role in READ_ALL_ROLES or user.is_superuser:
        return "", None
    if user.role == Role.STATION:
        return "station_id", user.station_id
    if user.role == Role.COMPANY:
        return "station__company_id", user.company_id
    if user.role == Role.COMMUNITY:
        return "compound__community_id", user.community_id
    return None


def tickets_scoped(tickets: QuerySet[Ticket], *, user: User) -> QuerySet[Ticket]:
    """`tickets` narrowed to what the user may see (the rule of `ticket_list_visible_to`, on any query)."""
    scope = ticket_scope(user=user)
    if scope is None:
        return tickets.none()
    lookup, value = scope
    return tickets.filter(**{lookup: value}) if lookup else tickets


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
    phone_search_check(user=user, phone=filters.phone, q=filters.q)
    tickets = ticket_list_visible_to(user=user)
    if filters.status:
        tickets = tickets.filter(status__in=filters.status)
    if filters.open_only:
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    if filters.station:
        tickets = tickets.filter(station__code=filters.station)
    if filters.phone:
        tickets = _phone_filter(tickets, user=user, phone=filters.phone)
    if filters.owner:
        tickets = tickets.filter(owner__username=filters.owner)
    if filters.category:
        tickets = tickets.filter(category=filters.category)
    if filters.urgency:
        tickets = tickets.filter(urgency=filters.urgency)
    if filters.q:
        text = filters.q.strip()
        if phone_like(text):  # a phone matches only where this user sees phones in full
            phone = re.sub(r"[\s\-]", "", text)
            # The ticket number through its trigram index too: a LIKE over every number made it a scan. Each
            # column named once: a repeated number match led PostgreSQL's planner to a scan.
            by_phone = Q(caller_phone=phone) | _substring_q(phone, ("caller_phone",))
            by_number = _substring_q(text, ("number",))
            tickets = tickets.filter((by_phone & phone_full_q(user=user)) | by_number)
        else:
            tickets = tickets.filter(keyword_q(text))
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


def phone_visible_in_full(*, user: User, ticket: Any) -> bool:
    """Phones show in full to the desk and to the station the ticket is dispatched to (not merely routed
    to: before dispatch, or after the station returned it, the number stays masked); masked elsewhere.
    `ticket` needs `station_id`, `status` and `first_dispatched_at` (a Ticket or a row of them)."""
    if user.role in FULL_PHONE_ROLES or user.is_superuser:
        return True
    return (
        user.role == Role.STATION
        and ticket.station_id is not None
        and ticket.station_id == user.station_id
        and ticket.first_dispatched_at is not None
        and ticket.status in DISPATCHED_STATUSES
    )


def phone_full_q(*, user: User) -> Q:
    """The rows of `phone_visible_in_full` as a filter (for searches by phone)."""
    if user.role in FULL_PHONE_ROLES or user.is_superuser:
        return Q()
    if user.role == Role.STATION and user.station_id is not None:
        return Q(station_id=user.station_id, first_dispatched_at__isnull=False, status__in=DISPATCHED_STATUSES)
    return Q(pk__in=[])


def phone_search_allowed(*, user: User) -> bool:
    """Only those who may see some phones in full may search by one (DESIGN §11): else a search by
    number, tried 10⁴ times, would undo the mask."""
    return user.role in FULL_PHONE_ROLES or user.is_superuser or user.role == Role.STATION


def phone_like(text: str | None) -> bool:
    """Free text that carries a phone number: 7+ digits once spaces and dashes are gone (ticket numbers,
    GR + 12 digits, are not phones)."""
    cleaned = TICKET_NUMBER_PATTERN.sub("", re.sub(r"[\s\-]", "", text or ""))
    return PHONE_LIKE_PATTERN.search(cleaned) is not None


def _phone_search_refused() -> PermissionDenied:
    return PermissionDenied(
        "无权按电话号码查询 / searching by phone number is not allowed for this role",
        code=ErrorCode.PHONE_SEARCH_NOT_ALLOWED,
    )


def phone_search_check(*, user: User, phone: str | None = None, q: str | None = None) -> None:
    """403 `phone_search_not_allowed` for a phone filter or a phone-like text from a role that sees masks."""
    if (phone or phone_like(q)) and not phone_search_allowed(user=user):
        raise _phone_search_refused()


def _phone_filter(tickets: QuerySet[Ticket], *, user: User, phone: str) -> QuerySet[Ticket]:
    """The whole number, or its last four digits; only among tickets whose phone this user sees in full."""
    digits = re.sub(r"[\s\-]", "", phone)
    tickets = tickets.filter(phone_full_q(user=user))
    if len(digits) == LAST_DIGITS and digits.isdigit():
        return tickets.filter(caller_phone__endswith=digits)
    return tickets.filter(caller_phone=digits)


def phone_masked(phone: str) -> str:
    """13812345678 → 138****5678."""
    if len(phone) <= 7:
        return phone[:2] + "*" * max(0, len(phone) - 2)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def ticket_related_numbers(ticket: Ticket) -> list[str]:
    """关联: the tickets this one was linked to at intake and those linked to it, by number."""
    linked = Ticket.objects.filter(Q(id=ticket.related_to_id) | Q(related_to_id=ticket.id)).order_by("created_at")
    return list(linked.values_list("number", flat=True))
