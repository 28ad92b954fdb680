"""The append-only event log: event kinds and the one function that writes an entry.

`data` keys by kind (all optional unless the action needs them):
- create: category, urgency, station, routed (bool), confidence
- guide: solved, steps, note
- dispatch: station, redispatch (bool)
- accept / depart: —        arrive: indoor_temp
- note: note                resolve: cause, indoor_temp, note
- return: reason, station   extend: until, reason      approve-extension: approved, until, note
- urge: note, repeat_call (bool), caller_phone_tail
- callback: reached, contacted, fixed, satisfaction, comment, outcome (closed|redo|retry), attempt
- close-unreached: attempts, note
- transfer: from, to, reason             merge: into
- attachment: name, size                 alert_<level>: stage, threshold_at
- incident: incident (code), waiting (bool: the call now waits for the incident's repair)
- create / resolve may carry incident (the code) and create related_to (a number)
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import connection, models
from django.db.models import QuerySet

from heatdesk.core import clock
from heatdesk.core.bulk import rows_insert
from heatdesk.tickets import notifications
from heatdesk.tickets.models import Ticket, TicketEvent
from heatdesk.tickets.states import Action

if TYPE_CHECKING:
    from heatdesk.accounts.models import User


class TicketEventKind(models.TextChoices):
    CREATE = Action.CREATE.value, Action.CREATE.label
    GUIDE = Action.GUIDE.value, Action.GUIDE.label
    DISPATCH = Action.DISPATCH.value, Action.DISPATCH.label
    ACCEPT = Action.ACCEPT.value, Action.ACCEPT.label
    DEPART = Action.DEPART.value, Action.DEPART.label
    ARRIVE = Action.ARRIVE.value, Action.ARRIVE.label
    NOTE = Action.NOTE.value, Action.NOTE.label
    RESOLVE = Action.RESOLVE.value, Action.RESOLVE.label
    RETURN = Action.RETURN.value, Action.RETURN.label
    EXTEND = Action.EXTEND.value, Action.EXTEND.label
    APPROVE_EXTENSION = Action.APPROVE_EXTENSION.value, Action.APPROVE_EXTENSION.label
    URGE = Action.URGE.value, Action.URGE.label
    CALLBACK = Action.CALLBACK.value, Action.CALLBACK.label
    CLOSE_UNREACHED = Action.CLOSE_UNREACHED.value, Action.CLOSE_UNREACHED.label
    TRANSFER = Action.TRANSFER.value, Action.TRANSFER.label
    MERGE = Action.MERGE.value, Action.MERGE.label
    ATTACHMENT = "attachment", "上传照片"
    INCIDENT = "incident", "关联停热事件"
    ALERT_WARNING = "alert_warning", "预警"
    ALERT_OVERDUE = "alert_overdue", "超时"
    ALERT_ESCALATED = "alert_escalated", "升级"


def event_record(*, ticket: Ticket, kind: str, actor=None, data: dict | None = None, at=None) -> TicketEvent:
    """Append one event and queue the work-group message it calls for (`notifications.event_announce`).
    Call it inside the transaction that makes the change it records."""
    event = TicketEvent.objects.create(
        ticket=ticket, kind=TicketEventKind(kind).value, actor=actor, data=data or {}, at=at or clock.now()
    )
    notifications.event_announce(ticket=ticket, event=event)
    return event


def event_record_for(*, tickets: QuerySet[Ticket], kind: str, actor: User | None, at: dt.datetime, data: dict) -> None:
    """Append the same event to every ticket of the query in one INSERT … SELECT (a restored incident's calls).
    Call it inside the transaction that makes the change, before the change moves the tickets out of the query."""
    ops = connection.ops
    ids_sql, ids_params = tickets.order_by().values("id").query.sql_with_params()
    event_table, ticket_table = ops.quote_name(TicketEvent._meta.db_table), ops.quote_name(Ticket._meta.db_table)
    sql = (
        f"INSERT INTO {event_table} (ticket_id, kind, at, actor_id, data) "  # noqa: S608 - model tables, values bound
        f"SELECT t.id, %s, %s, CAST(%s AS BIGINT), %s FROM {ticket_table} t WHERE t.id IN ({ids_sql})"
    )
    params = [
        TicketEventKind(kind).value,
        ops.adapt_datetimefield_value(at),
        actor.pk if actor is not None else None,
        ops.adapt_json_value(data, None),
        *ids_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def alert_event_record(*, ticket: Ticket, level: str, stage: str, threshold_at, at) -> TicketEvent:
    """Log a raised SLA alert (预警/超时/升级) on its ticket, by the system (no actor); the supervision
    monitor calls it inside the transaction that raises the alert."""
    return event_record(
        ticket=ticket, kind=f"alert_{level}", at=at, data={"stage": stage, "threshold_at": threshold_at.isoformat()}
    )


def alert_events_record(alerts: list[tuple[int, str, str, dt.datetime, dt.datetime]]) -> None:
    """Log many raised alerts at once, one `alert_<level>` event each: (ticket id, level, stage,
    threshold_at, at). One INSERT per batch; alert events call for no work-group message here (the
    monitor queues the alert's own). Call it inside the transaction that raises the alerts."""
    rows_insert(
        TicketEvent,
        [
            TicketEvent(
                ticket_id=ticket_id,
                kind=TicketEventKind(f"alert_{level}").value,
                actor=None,
                data={"stage": stage, "threshold_at": threshold_at.isoformat()},
                at=at,
            )
            for ticket_id, level, stage, threshold_at, at in alerts
        ],
        fields=("ticket", "kind", "at", "actor", "data"),
    )
