"""The caller's SMS derived from the ticket event log, whatever door changed the ticket (DESIGN §11 Citizens).

Tickets sit below this app and cannot queue SMS themselves; instead the worker runs `sms_from_events`
every second: it reads the events not yet seen above the cursor's floor, queues the matching SMS (one
idempotency key per event and kind) and marks the events seen, all in one transaction of its own — never
inside the transaction of the request that changed the ticket. Two workers never queue one event twice:
the cursor row is locked (PostgreSQL: SKIP LOCKED, the second worker does nothing this pass; SQLite: the
write lock), and `SmsEventSeen.event_id` and the SMS key are unique.

Why "seen" rows and not a bare id cursor: on PostgreSQL an event may commit after a later-numbered one,
so the floor trails the newest event by FLOOR_LAG ids and everything above it is checked against the seen
rows, which are dropped once below the floor.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from heatdesk.core import clock
from heatdesk.core.logs import log_event
from heatdesk.feedback import links
from heatdesk.feedback.models import SmsEventCursor, SmsEventSeen, SmsKind, SmsMessage
from heatdesk.feedback.sms import LOCAL_ZONE, sms_enqueue
from heatdesk.tickets.models import Ticket, TicketEvent
from heatdesk.tickets.states import Action, TicketStatus

logger = logging.getLogger("heatdesk.feedback")

CURSOR_NAME = "sms"
FLOOR_LAG = 5000  # event ids: far more than can be written while one transaction is still open
EVENT_KINDS = (Action.CREATE, Action.DISPATCH, Action.ACCEPT, Action.RESOLVE, Action.GUIDE, Action.CALLBACK)


def sms_kind_for_event(event: TicketEvent) -> str | None:
    """The SMS an event sends the caller, if any: received, dispatched (also 重办), accepted, resolved."""
    data = event.data or {}
    if data.get("imported"):  # last season's tickets brought in by the importer
        return None
    if event.kind == Action.GUIDE:
        return SmsKind.RESOLVED if data.get("solved") else None
    if event.kind == Action.CALLBACK:
        return SmsKind.DISPATCHED if data.get("outcome") == "redo" else None
    simple: dict[str, str] = {
        Action.CREATE: SmsKind.RECEIVED,
        Action.DISPATCH: SmsKind.DISPATCHED,
        Action.ACCEPT: SmsKind.ACCEPTED,
        Action.RESOLVE: SmsKind.RESOLVED,
    }
    return simple.get(event.kind)


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


def sms_for_event(event: TicketEvent, *, at: dt.datetime) -> SmsMessage | None:
    """Queue the SMS of one event (inside the chore's transaction); its key makes a second call a no-op."""
    kind = sms_kind_for_event(event)
    if kind is None:
        return None
    ticket = event.ticket
    key = f"sms:{ticket.id}:{kind}:{event.id}"
    if SmsMessage.objects.filter(idempotency_key=key).exists():
        return None
    # A rating link only while the ticket waits for its callback (a phone callback may have been faster).
    if kind == SmsKind.RESOLVED and ticket.status != TicketStatus.RESOLVED:
        return None
    is_urgent = ticket.is_urgent and kind != SmsKind.RESOLVED
    return sms_enqueue(ticket=ticket, kind=kind, params=_params(ticket, kind, at), key=key, at=at, is_urgent=is_urgent)


def _cursor_locked() -> SmsEventCursor | None:
    """The cursor row, locked for this transaction; None when another worker holds it (PostgreSQL)."""
    rows = SmsEventCursor.objects.filter(name=CURSOR_NAME)
    if connection.features.has_select_for_update_skip_locked:
        if not rows.exists():  # the migration made it; a flushed test database has none
            try:
                with transaction.atomic():
                    SmsEventCursor.objects.create(name=CURSOR_NAME)
            except IntegrityError:  # another worker made it first
                pass
        return rows.select_for_update(skip_locked=True).first()
    # SQLite: take the write lock first, so a second worker waits here instead of failing at its first write.
    if not rows.update(updated_at=clock.now()):
        SmsEventCursor.objects.create(name=CURSOR_NAME, updated_at=clock.now())
    return rows.first()


def sms_from_events(*, limit: int = 200) -> int:
    """Queue the SMS of up to `limit` unseen ticket events; returns how many events it handled.

    Call it outside any transaction (the worker does, every second or so, again at once while it returns
    `limit`). Events above the floor are handled in id order; the floor then moves to FLOOR_LAG below the
    newest event, but never past an event still to do.
    """
    with transaction.atomic():
        cursor = _cursor_locked()
        if cursor is None:
            return 0
        seen = SmsEventSeen.objects.filter(event_id=OuterRef("pk"))
        pending = (
            TicketEvent.objects.filter(id__gt=cursor.floor_event_id, kind__in=EVENT_KINDS)
            .exclude(Exists(seen))
            .select_related("ticket", "ticket__station")
            .order_by("id")
        )
        events = list(pending[: max(1, limit)])
        now = clock.now()
        for event in events:
            try:
                with transaction.atomic():  # a savepoint: one bad event must not hold up every caller's SMS
                    sms_for_event(event, at=now)
            except Exception as error:  # logged and passed over, never retried forever
                log_event(logger, logging.ERROR, "sms.event_failed", event=event.id, error=type(error).__name__)
        SmsEventSeen.objects.bulk_create([SmsEventSeen(event_id=event.id) for event in events])
        newest = TicketEvent.objects.aggregate(newest=Max("id"))["newest"] or 0
        floor = newest - FLOOR_LAG
        if len(events) >= limit:  # more to do above the last one handled
            floor = min(floor, events[-1].id)
        if floor > cursor.floor_event_id:
            cursor.floor_event_id = floor
            SmsEventSeen.objects.filter(event_id__lte=floor).delete()
        cursor.updated_at = now
        cursor.save(update_fields=["floor_event_id", "updated_at"])
    return len(events)
