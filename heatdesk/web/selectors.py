"""Reads the pages need beyond the ticket selectors: the operator's queue, a caller's history, the
callback list, the station board, one ticket's page, 工单查询 with filters and the desk lead's queue (督办队列).
Always scoped through `ticket_list_visible_to`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import BooleanField, Case, Count, ExpressionWrapper, IntegerField, Q, QuerySet, Value, When

from heatdesk.accounts.models import Role, User
from heatdesk.core.errors import DomainError, ErrorCode, NotFound, PermissionDenied
from heatdesk.sla.models import AlertLevel, Stage, Urgency
from heatdesk.supervision.selectors import alert_list_visible_to
from heatdesk.tickets.clocks import sla_clocks_current
from heatdesk.tickets.models import SlaClock, Ticket, TicketAttachment, TicketEvent
from heatdesk.tickets.selectors import (
    FULL_PHONE_ROLES,
    TicketFilters,
    overdue_q,
    phone_full_q,
    phone_search_check,
    ticket_get_visible,
    ticket_list_visible_to,
    ticket_open_related,
    ticket_search,
)
from heatdesk.tickets.states import OPEN_STATUSES, TicketStatus
from heatdesk.web.actions import CALLBACK_TRIES_NEEDED
from heatdesk.web.clocks import DUE_COLUMNS, ClockView, clock_from_row, current_clock, current_due

# The operator's queue, by what needs them now (首问负责制: the owner chases every ticket to the end).
NEED_CALLBACK, NEED_RETURNED, NEED_DISPATCH, NEED_OVERDUE, NEED_WATCH = 1, 2, 3, 4, 5
LIST_FIELDS = (
    "id",
    "number",
    "status",
    "kind",
    "category",
    "urgency",
    "caller_phone",
    "address",
    "building",
    "unit",
    "room",
    "sla",
    "created_at",
    "dispatch_deadline",
    "response_deadline",
    "resolution_deadline",
    "callback_deadline",
    "first_dispatched_at",
    "dispatched_at",
    "accepted_at",
    "departed_at",
    "arrived_at",
    "resolved_at",
    "closed_at",
    "urge_count",
    "repeat_call_count",
    "callback_attempts",
    "resolution_cause",
    "resolved_indoor_temp",
    "phone_resolved",
    "last_callback_attempt_at",
    "extension_requested_until",
    "station_id",
    "station__code",
    "station__name",
    "compound_id",
    "compound__name",
    "owner_id",
    "owner__username",
    "owner__job_number",
    "owner__display_name",
)
STAGE_ORDER = {stage: index for index, stage in enumerate(Stage.values)}


def list_rows(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Only the columns list rows show (the scoped queryset joins more than a row needs)."""
    return tickets.select_related(None).select_related("station", "compound", "owner").only(*LIST_FIELDS)


def phone_normal(text: str) -> str:
    return re.sub(r"\s", "", text or "")


def desk_queue(*, user: User, now: dt.datetime, limit: int = 60) -> tuple[list[Ticket], dict[int, int]]:
    """The owner's open tickets, what needs them now first: urgent ones first, then by time to breach of
    the current stage's clock (the overdue most overdue first). Each row carries its `need` (callback,
    returned, to dispatch, overdue, watching), `due_at` and the desk lead's last urge (`urged_note`)."""
    need = Case(
        When(status=TicketStatus.RESOLVED, then=Value(NEED_CALLBACK)),
        When(status=TicketStatus.RETURNED, then=Value(NEED_RETURNED)),
        When(status=TicketStatus.RECEIVED, then=Value(NEED_DISPATCH)),
        When(overdue_q(now=now), then=Value(NEED_OVERDUE)),
        default=Value(NEED_WATCH),
        output_field=IntegerField(),
    )
    mine = ticket_list_visible_to(user=user).filter(owner=user, status__in=OPEN_STATUSES).annotate(need=need)
    # Ranked on plain rows of the clock's columns; only the `limit` shown become full rows (an operator
    # with 500 open tickets made 500 model instances with their joins for 60 lines: 95 ms at 100k tickets).
    far = now + dt.timedelta(days=3650)
    light = [SimpleNamespace(**row) for row in mine.order_by("created_at", "id").values(*DUE_COLUMNS)[:500]]
    light.sort(key=lambda row: (row.urgency != Urgency.URGENT, current_due(row) or far, row.id))
    place = {row.id: index for index, row in enumerate(light[:limit])}
    rows = sorted(list_rows(mine.filter(id__in=list(place))), key=lambda row: place[row.id])
    for row in rows:
        view = current_clock(row, now=now)
        row.due_at = view.due_at if view is not None else None
    _attach_urges(rows)
    counts = {row["need"]: row["n"] for row in mine.order_by().values("need").annotate(n=Count("id"))}
    return rows, counts


def _attach_urges(rows: list[Ticket]) -> None:
    """The last urge by a desk lead on each row (the operator sees who urged and why)."""
    urged = [row.id for row in rows if row.urge_count]
    last: dict[int, TicketEvent] = {}
    if urged:
        events = TicketEvent.objects.filter(ticket_id__in=urged, kind="urge", actor__role=Role.DESK_LEAD)
        for event in events.select_related("actor").order_by("at", "id"):
            last[event.ticket_id] = event
    for row in rows:
        event = last.get(row.id)
        row.urged_by = (event.actor.display_name or event.actor.username) if event and event.actor else ""
        row.urged_note = str(event.data.get("note") or "") if event else ""
        row.urged_at = event.at if event else None


@dataclass
class CallerHistory:
    phone: str
    open_tickets: list[Ticket] = field(default_factory=list)
    past_tickets: list[Ticket] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.open_tickets and not self.past_tickets


def caller_history(*, user: User, phone: str, compound_id: int | None = None, building: str = "") -> CallerHistory:
    """The caller's and the building's open tickets (each may take a repeat call) and the caller's last closed ones."""
    phone = phone_normal(phone)
    history = CallerHistory(phone=phone)
    if len(phone) < 5 and not (compound_id and building):
        return history
    # Only the desk takes calls, and the desk sees every ticket: the related tickets need no further scoping.
    history.open_tickets = ticket_open_related(caller_phone=phone, compound_id=compound_id, building=building)
    if len(phone) >= 5:
        past = ticket_search(user=user, filters=TicketFilters(phone=phone)).exclude(status__in=OPEN_STATUSES)
        history.past_tickets = list(list_rows(past)[:5])
    return history


def callbacks_due(*, user: User) -> QuerySet[Ticket]:
    """Resolved tickets waiting for their callback (回访): the operator's own, or every one for a desk lead."""
    tickets = ticket_list_visible_to(user=user).filter(status=TicketStatus.RESOLVED)
    if user.role == Role.OPERATOR:
        tickets = tickets.filter(owner=user)
    return list_rows(tickets).order_by("callback_deadline", "id")


BOARD_LIMIT = 50  # cards per lane (the most pressing first); the lane's count is the total


@dataclass
class StationBoard:
    waiting: list[Ticket]  # dispatched, to accept (待接单)
    working: list[Ticket]  # accepted: on the way, on site (处理中)
    done_today: list[Ticket]  # resolved since midnight (今日已处置)
    counts: dict[str, int]


URGENT_FIRST = Case(When(urgency=Urgency.URGENT, then=Value(0)), default=Value(1), output_field=IntegerField())
# New work first (urgent before it): a crew notices what just came in at the top of the lane.
WAITING_ORDER = ("urgent_first", "-dispatched_at", "-id")
WORKING_ORDER = ("urgent_first", "resolution_deadline", "id")
DONE_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


def _done_since(since: dt.datetime) -> Q:
    """Resolved since then. Resolving sets `updated_at` too (and nothing moves it back), so the same bound on
    it is implied: it lets the database seek the index (station, updated_at) instead of walking every ticket
    the station ever closed."""
    return Q(status__in=DONE_STATUSES, resolved_at__gte=since, updated_at__gte=since)


def station_board(*, user: User, since: dt.datetime) -> StationBoard:
    """A station's open work: to accept, in hand, and what it resolved today. Oldest first within each."""
    tickets = list_rows(ticket_list_visible_to(user=user)).annotate(urgent_first=URGENT_FIRST)
    waiting = tickets.filter(status=TicketStatus.DISPATCHED).order_by(*WAITING_ORDER)
    working = tickets.filter(status=TicketStatus.ACCEPTED).order_by(*WORKING_ORDER)
    counts = {"waiting": waiting.count(), "working": working.count()}
    waiting, working = list(waiting[:BOARD_LIMIT]), list(working[:BOARD_LIMIT])
    done = list(tickets.filter(_done_since(since)).order_by("-resolved_at")[:BOARD_LIMIT])
    return StationBoard(
        waiting=waiting,
        working=working,
        done_today=done,
        counts={**counts, "done": len(done)},
    )


def _board_scope(user: User) -> QuerySet[Ticket]:
    return ticket_list_visible_to(user=user).select_related(None).order_by()


@functools.cache
def _board_version_sql(vendor: str) -> str:
    """One statement of index seeks; the table and column names come from the model, never from input."""
    del vendor  # the cache key: the quoting is the backend's
    table = connection.ops.quote_name(Ticket._meta.db_table)
    count = f"(SELECT COUNT(*) FROM {table} WHERE station_id = %s AND status = %s)"  # noqa: S608
    newest = f"(SELECT updated_at FROM {table} WHERE station_id = %s ORDER BY updated_at DESC LIMIT 1)"  # noqa: S608
    return f"SELECT {count}, {count}, {newest}"


def station_board_version(*, user: User, since: dt.datetime) -> str:
    """Changes whenever the station's board would: a ticket arrives, moves, leaves, is urged or resolved
    (each sets its `updated_at`), moves to another station (a lane's count), or the day turns (done lane).

    The poll's whole cost while nothing changes: one statement of index seeks — the station's newest
    `updated_at` (index station, updated_at) and the two lanes' counts (index station, status) — never a
    walk over the station's history, whatever its size. Plain SQL: the ORM's query building cost more
    than the query.
    """
    if user.role != Role.STATION or user.station_id is None:
        raise PermissionDenied("看板只属于供暖所 / the board is a station's")
    station = user.station_id
    with connection.cursor() as cursor:
        params = [station, TicketStatus.DISPATCHED, station, TicketStatus.ACCEPTED, station]
        cursor.execute(_board_version_sql(connection.vendor), params)
        waiting, working, last = cursor.fetchone()
    if isinstance(last, str):  # SQLite hands the raw text back
        last = dt.datetime.fromisoformat(last)
    stamp = last.timestamp() if last else 0
    return f"{waiting}.{working}:{stamp:.6f}:{since:%Y%m%d}"


@dataclass
class BoardLanes:
    """Each lane's cards in board order as (number, id, changed): enough to tell which cards a poll must
    send, without loading any card."""

    waiting: list[tuple[str, int, bool]]
    working: list[tuple[str, int, bool]]
    done_today: list[tuple[str, int, bool]]
    counts: dict[str, int]


def station_board_lanes(*, user: User, since: dt.datetime, changed: Q) -> BoardLanes:
    """The board's order and counts the light way (three narrow reads, `changed` told by the database, so
    no card and no timestamp is loaded), for the poll's diff."""
    flag = ExpressionWrapper(changed, output_field=BooleanField())
    tickets = _board_scope(user).annotate(urgent_first=URGENT_FIRST, changed=flag)
    waiting = tickets.filter(status=TicketStatus.DISPATCHED).order_by(*WAITING_ORDER)
    working = tickets.filter(status=TicketStatus.ACCEPTED).order_by(*WORKING_ORDER)
    done = tickets.filter(_done_since(since)).order_by("-resolved_at")
    lanes = [list(q.values_list("number", "id", "changed")[:BOARD_LIMIT]) for q in (waiting, working, done)]
    counts = {"done": len(lanes[2])}
    for name, status, lane in (
        ("waiting", TicketStatus.DISPATCHED, lanes[0]),
        ("working", TicketStatus.ACCEPTED, lanes[1]),
    ):
        counts[name] = _board_scope(user).filter(status=status).count() if len(lane) == BOARD_LIMIT else len(lane)
    return BoardLanes(*lanes, counts=counts)


def station_board_cards(*, user: User, ids: list[int]) -> dict[int, Ticket]:
    """The cards of these tickets (those a poll sends), by id."""
    return {t.id: t for t in list_rows(ticket_list_visible_to(user=user)).filter(id__in=ids)}


@dataclass
class TicketPage:
    ticket: Ticket
    clocks: list[ClockView]
    events: list
    alerts: list
    attachments: list[TicketAttachment]
    callbacks: list
    children: list[Ticket]


def ticket_page(*, user: User, number: str, now: dt.datetime) -> TicketPage:
    """One visible ticket with its clocks, log, alerts, photos and callbacks (NotFound when not visible)."""
    ticket = ticket_get_visible(user=user, number=number)
    rows = sla_clocks_current(ticket_id=ticket.id)
    try:
        alerts = list(alert_list_visible_to(user=user).filter(ticket_id=ticket.id).order_by("raised_at"))
    except DomainError:  # supervision is not every role's to read
        alerts = []
    return TicketPage(
        ticket=ticket,
        clocks=[clock_from_row(row, now=now) for row in rows],
        events=list(ticket.events.select_related("actor").order_by("at", "id")),
        alerts=alerts,
        attachments=list(ticket.attachments.select_related("uploaded_by").order_by("uploaded_at", "id")),
        callbacks=list(ticket.callbacks.select_related("actor").order_by("at", "id")),
        children=list(ticket.merged_children.only("id", "number", "status").order_by("id")),
    )


def ticket_attachment_visible(*, user: User, number: str, attachment_id: int) -> TicketAttachment:
    """A photo of a ticket the user may see (NotFound otherwise)."""
    ticket = ticket_get_visible(user=user, number=number)
    attachment = TicketAttachment.objects.filter(ticket=ticket, id=attachment_id).first()
    if attachment is None:
        raise NotFound("照片不存在 / photo not found")
    return attachment


def live_version(ticket: Ticket, alert_count: int) -> str:
    """What the open ticket page compares to notice a change: status, last change, alerts raised."""
    return f"{ticket.status}:{ticket.updated_at.timestamp():.6f}:{alert_count}"


def ticket_live_version(*, user: User, number: str) -> str:
    """The version of a visible ticket, in two small queries (polled every few seconds)."""
    ticket = ticket_list_visible_to(user=user).select_related(None).only("id", "status", "updated_at")
    ticket = ticket.filter(number=number).first()
    if ticket is None:
        raise NotFound(f"工单 {number} 不存在或无权查看 / ticket {number} not found")
    try:
        alerts = alert_list_visible_to(user=user).filter(ticket_id=ticket.id).count()
    except DomainError:
        alerts = 0
    return live_version(ticket, alerts)


def ticket_find(*, user: User, query: str, limit: int = 50) -> list[Ticket]:
    """Tickets matching a number, phone, address or text, newest first (工单查询)."""
    query = (query or "").strip()
    phone_search_check(user=user, q=query)
    if not query:
        return list(list_rows(ticket_list_visible_to(user=user)).order_by("-created_at", "-id")[:limit])
    by_phone = Q(caller_phone=phone_normal(query)) & phone_full_q(user=user)
    exact = ticket_list_visible_to(user=user).filter(Q(number=query) | by_phone)
    rows = list(list_rows(exact).order_by("-created_at", "-id")[:limit])
    if rows:
        return rows
    return list(list_rows(ticket_search(user=user, filters=TicketFilters(q=query)))[:limit])


# ---- 工单查询 with filters: status, holder (a station, or the desk for undispatched tickets), SLA stage,
# overdue / at risk, extension pending and the phone's last four digits; combinable, kept in the URL, paged.
# Built on `tickets.selectors.ticket_search`, so scope and the phone rules are the tickets' own.
QUERY_PAGE_SIZE = 50
MAX_PAGE = 10_000
DESK_HOLDER = "desk"  # the station filter's value for tickets the desk holds (waiting for (re)dispatch)
UNDISPATCHED = (TicketStatus.RECEIVED, TicketStatus.RETURNED)


def phone_filter_allowed(user: User) -> bool:
    """The phone filter is the desk's (operators, the lead, admins), who see every phone in full."""
    return user.role in FULL_PHONE_ROLES or user.is_superuser


@dataclass(frozen=True)
class TicketQuery:
    q: str = ""
    status: str = ""  # a TicketStatus, "open", or "" for all
    station: str = ""  # a station code, DESK_HOLDER, or ""
    stage: str = ""  # a Stage: the ticket has a running clock of it
    overdue: bool = False  # past a running clock's deadline (of `stage` when given)
    at_risk: bool = False  # a running clock past its warning time, not yet due (预警)
    extension: bool = False  # 申请延期 waiting for the lead
    phone4: str = ""


def ticket_query(*, user: User, query: TicketQuery, now: dt.datetime) -> QuerySet[Ticket]:
    """Visible tickets matching every filter, newest first."""
    if query.phone4 and not phone_filter_allowed(user):
        raise PermissionDenied(
            "无权按电话号码查询 / searching by phone number is not allowed for this role",
            code=ErrorCode.PHONE_SEARCH_NOT_ALLOWED,
        )
    statuses = None
    if query.status == "open":
        statuses = list(OPEN_STATUSES)
    elif query.status:
        statuses = [query.status]
    station = query.station if query.station != DESK_HOLDER else None
    filters = TicketFilters(status=statuses, station=station, q=query.q or None, phone=query.phone4 or None)
    tickets = ticket_search(user=user, filters=filters)
    if query.station == DESK_HOLDER:
        tickets = tickets.filter(status__in=UNDISPATCHED)
    if query.stage or query.overdue or query.at_risk:
        clocks = SlaClock.objects.filter(met_at__isnull=True)
        if query.stage:
            clocks = clocks.filter(stage=query.stage)
        if query.overdue:
            clocks = clocks.filter(due_at__lte=now)
        if query.at_risk:
            clocks = clocks.filter(warn_at__lte=now, due_at__gt=now)
        tickets = tickets.filter(status__in=OPEN_STATUSES, id__in=clocks.values("ticket_id"))
    if query.extension:
        tickets = tickets.filter(status=TicketStatus.ACCEPTED, extension_requested_until__isnull=False)
    return list_rows(tickets)


def ticket_query_page(*, user: User, query: TicketQuery, page: int, now: dt.datetime) -> Page:
    """One page of `ticket_query` (the last page when `page` is past it)."""
    paginator = Paginator(ticket_query(user=user, query=query, now=now), QUERY_PAGE_SIZE)
    return paginator.get_page(page)


# ---- 督办队列 (the desk lead's work queue): extension requests to approve or deny, callbacks unreached three
# times (ready for 未联系上办结), escalated stages (升级) and urged tickets (已催办).
PANEL_LIMIT = 25  # rows per panel (the most pressing first); the panel's count is the total


def queue_extensions(*, user: User) -> QuerySet[Ticket]:
    """Accepted tickets whose station asked for more time, the nearest resolution deadline first."""
    tickets = ticket_list_visible_to(user=user).filter(
        status=TicketStatus.ACCEPTED, extension_requested_until__isnull=False
    )
    return list_rows(tickets).order_by("resolution_deadline", "id")


def queue_unreached(*, user: User) -> QuerySet[Ticket]:
    """Tickets waiting for a callback that failed (not reached) three times or more: the lead may close them."""
    tickets = ticket_list_visible_to(user=user).filter(
        status=TicketStatus.RESOLVED, callback_attempts__gte=CALLBACK_TRIES_NEEDED
    )
    return list_rows(tickets).order_by("callback_deadline", "id")


def queue_escalated(*, user: User) -> QuerySet[Ticket]:
    """Open tickets with a stage escalated (升级) and still running, the most urged first."""
    try:
        alerts = alert_list_visible_to(user=user).filter(level=AlertLevel.ESCALATED, clock__met_at__isnull=True)
    except DomainError:
        return Ticket.objects.none()
    tickets = ticket_list_visible_to(user=user).filter(
        status__in=OPEN_STATUSES, id__in=alerts.order_by().values("ticket_id")
    )
    return list_rows(tickets).order_by("-urge_count", "created_at", "id")


def queue_urged(*, user: User) -> QuerySet[Ticket]:
    """Open tickets the desk has urged (催办), the most urged first."""
    tickets = ticket_list_visible_to(user=user).filter(status__in=OPEN_STATUSES, urge_count__gt=0)
    return list_rows(tickets).order_by("-urge_count", "created_at", "id")


@dataclass
class Panel:
    key: str
    count: int
    rows: list[Ticket] = field(default_factory=list)


@dataclass
class LeadQueue:
    extensions: Panel
    unreached: Panel
    escalated: Panel
    urged: Panel

    @property
    def panels(self) -> list[Panel]:
        return [self.extensions, self.unreached, self.escalated, self.urged]


def _panel(key: str, tickets: QuerySet[Ticket], *, rows: bool) -> Panel:
    return Panel(key=key, count=tickets.count(), rows=list(tickets[:PANEL_LIMIT]) if rows else [])


def lead_queue(*, user: User, rows: bool = True) -> LeadQueue:
    """The four panels with their totals (and their first rows unless `rows` is False: counts only)."""
    return LeadQueue(
        extensions=_panel("extensions", queue_extensions(user=user), rows=rows),
        unreached=_panel("unreached", queue_unreached(user=user), rows=rows),
        escalated=_panel("escalated", queue_escalated(user=user), rows=rows),
        urged=_panel("urged", queue_urged(user=user), rows=rows),
    )
