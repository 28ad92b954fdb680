"""What each action does to a locked ticket. Called only by `services.ticket_act`, inside its transaction,
after the table (`states.action_refusal`: role, station, status, guards) has allowed the action.

Each handler checks the payload, mutates the ticket (status, milestones, deadlines) and returns the
event data. A handler that raises leaves the ticket untouched: the transaction rolls back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model

from heatdesk.accounts.models import Role, User
from heatdesk.core.errors import ValidationFailed
from heatdesk.geo.models import Station
from heatdesk.sla import policy
from heatdesk.sla.models import Stage
from heatdesk.tickets import clocks as sla
from heatdesk.tickets import notifications
from heatdesk.tickets.events import event_record_for
from heatdesk.tickets.models import ResolutionCause, Satisfaction, SlaClock, Ticket, TicketCallback
from heatdesk.tickets.selectors import first_of, ticket_list_visible_to
from heatdesk.tickets.states import TEMPERATURE_EVIDENCE_CATEGORIES, Action, TicketStatus, callback_retry_refusal

MAX_TEXT = 2000


# How far one extension may move the resolution deadline (a far-future date would break every clock).
MAX_EXTENSION = dt.timedelta(days=30)


@dataclass
class ActionContext:
    ticket: Ticket
    actor: User
    payload: dict[str, Any]
    now: dt.datetime


def _text(payload: dict, name: str, *, required: bool, label: str) -> str:
    value = payload.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise ValidationFailed(f"请填写{label} / {name} is required", details=[{"field": name}])
    if len(value) > MAX_TEXT:
        raise ValidationFailed(f"{label}过长 / {name} is too long", details=[{"field": name}])
    return value


def _temperature(payload: dict, name: str = "indoor_temp") -> Decimal | None:
    raw = payload.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(str(raw))
        # NaN and the infinities are numbers to Decimal but not temperatures (NaN also breaks comparison).
        if not value.is_finite():
            raise InvalidOperation
        value = value.quantize(Decimal("0.1")) if abs(value) < 1000 else value
    except InvalidOperation as error:
        raise ValidationFailed(f"室温不是数字 / {name} is not a number", details=[{"field": name}]) from error
    if not Decimal(-30) <= value <= Decimal(45):
        raise ValidationFailed(
            f"室温应在 -30 到 45 °C 之间 / {name} must be between -30 and 45 °C", details=[{"field": name}]
        )
    return value


def _bool(payload: dict, name: str, *, label: str) -> bool:
    value = payload.get(name)
    if not isinstance(value, bool):
        raise ValidationFailed(f"请回答「{label}」 / {name} must be true or false", details=[{"field": name}])
    return value


def clock_start(ticket: Ticket, stage: str, start: dt.datetime, *, first: bool) -> dt.datetime:
    """Start a stage's SLA clock from the ticket's policy snapshot; returns the deadline.

    `first`: this stage never ran for the ticket before (no clock row, no alert), so it is a plain insert.
    """
    due = policy.deadline(start=start, snapshot=ticket.sla, stage=stage)
    station = ticket.station
    sla.sla_clock_start(
        ticket_id=ticket.id,
        stage=stage,
        urgency=ticket.urgency,
        started_at=start,
        due_at=due,
        warn_share=ticket.sla[stage]["warn_at"],
        station_code=station.code if station else "",
        company_code=station.company.code if station else "",
        first=first,
    )
    return due


def _start_cycle(ticket: Ticket, station: Station, now: dt.datetime) -> None:
    """A (re)dispatch starts a new handling cycle: fresh response and resolution clocks."""
    first = ticket.first_dispatched_at is None
    ticket.station = station
    ticket.status = TicketStatus.DISPATCHED
    ticket.dispatched_at = now
    ticket.first_dispatched_at = ticket.first_dispatched_at or now
    ticket.phone_resolved = False  # a crew is sent after all: the phone did not resolve it
    ticket.accepted_at = ticket.departed_at = ticket.arrived_at = ticket.resolved_at = None
    ticket.arrival_indoor_temp = ticket.resolved_indoor_temp = None
    ticket.resolution_cause = ""
    ticket.resolution_note = ""
    ticket.callback_deadline = None
    ticket.extension_requested_until = None
    ticket.extension_reason = ""
    sla.sla_clocks_meet(ticket_id=ticket.id, stages=[Stage.DISPATCH, Stage.CALLBACK], at=now)
    if not first:
        ticket.response_deadline = clock_start(ticket, Stage.RESPONSE, now, first=False)
        ticket.resolution_deadline = clock_start(ticket, Stage.RESOLUTION, now, first=False)
        return
    # The first dispatch: both clocks are new, one INSERT.
    stages = (Stage.RESPONSE, Stage.RESOLUTION)
    dues = [policy.deadline(start=now, snapshot=ticket.sla, stage=stage) for stage in stages]
    sla.sla_clocks_start_first(
        ticket_id=ticket.id,
        stages=[(stage, due, ticket.sla[stage]["warn_at"]) for stage, due in zip(stages, dues, strict=True)],
        urgency=ticket.urgency,
        started_at=now,
        station_code=station.code,
        company_code=station.company.code,
    )
    ticket.response_deadline, ticket.resolution_deadline = dues


def _mark_resolved(ticket: Ticket, now: dt.datetime) -> None:
    ticket.status = TicketStatus.RESOLVED
    ticket.resolved_at = now
    sla.sla_clocks_meet(ticket_id=ticket.id, stages=[Stage.DISPATCH, Stage.RESPONSE, Stage.RESOLUTION], at=now)
    # A callback clock already ran only if the ticket was resolved before and then redone.
    ticket.callback_deadline = clock_start(ticket, Stage.CALLBACK, now, first=ticket.reopen_count == 0)


def guide(ctx: ActionContext) -> dict:
    solved = _bool(ctx.payload, "solved", label="是否解决")
    steps = ctx.payload.get("steps") or []
    if not isinstance(steps, list) or not all(isinstance(step, str) for step in steps):
        raise ValidationFailed("steps 应为文字列表 / steps must be a list of strings", details=[{"field": "steps"}])
    note = _text(ctx.payload, "note", required=False, label="备注")
    ticket = ctx.ticket
    ticket.guidance_steps = [*ticket.guidance_steps, *[step[:200] for step in steps]]
    if solved:
        ticket.phone_resolved = True
        ticket.resolution_cause = ResolutionCause.PHONE_GUIDANCE
        ticket.resolution_note = note
        _mark_resolved(ticket, ctx.now)
    return {"solved": solved, "steps": steps, "note": note}


def dispatch(ctx: ActionContext) -> dict:
    ticket = ctx.ticket
    code = ctx.payload.get("station")
    if code:
        station = Station.objects.filter(code=code).first()
        if station is None:
            raise ValidationFailed(f"未知供暖所 {code} / unknown station {code}", details=[{"field": "station"}])
    else:
        station = ticket.station
    if station is None:
        raise ValidationFailed(
            "地址未匹配到供暖所，请选择供暖所 / no station routed: choose one",
            code="station_required",
            details=[{"field": "station"}],
        )
    redispatch = ticket.first_dispatched_at is not None
    _start_cycle(ticket, station, ctx.now)
    notifications.station_notify(
        ticket=ticket,
        topic="ticket.dispatched",
        at=ctx.now,
        text=f"新派单 {ticket.number}：{ticket.get_category_display()}",
    )
    return {"station": station.code, "redispatch": redispatch}


def accept(ctx: ActionContext) -> dict:
    ctx.ticket.status = TicketStatus.ACCEPTED
    ctx.ticket.accepted_at = ctx.now
    sla.sla_clock_meet(ticket_id=ctx.ticket.id, stage=Stage.RESPONSE, at=ctx.now)
    return {}


def depart(ctx: ActionContext) -> dict:
    ctx.ticket.departed_at = ctx.now
    return {}


def arrive(ctx: ActionContext) -> dict:
    temperature = _temperature(ctx.payload)
    if temperature is None and ctx.ticket.category in TEMPERATURE_EVIDENCE_CATEGORIES:
        raise ValidationFailed(
            "请填写到达时的室内温度 / indoor_temp on arrival is required", details=[{"field": "indoor_temp"}]
        )
    ctx.ticket.arrived_at = ctx.now
    ctx.ticket.arrival_indoor_temp = temperature
    return {"indoor_temp": None if temperature is None else float(temperature)}


def note(ctx: ActionContext) -> dict:
    return {"note": _text(ctx.payload, "note", required=True, label="备注")}


def resolve(ctx: ActionContext) -> dict:
    cause = _text(ctx.payload, "cause", required=True, label="处置原因")
    if cause not in ResolutionCause.values or cause == ResolutionCause.PHONE_GUIDANCE:
        raise ValidationFailed(f"未知处置原因 {cause} / unknown cause", details=[{"field": "cause"}])
    temperature = _temperature(ctx.payload)
    text = _text(ctx.payload, "note", required=False, label="处置说明")
    ticket = ctx.ticket
    ticket.resolution_cause = cause
    ticket.resolved_indoor_temp = temperature
    ticket.resolution_note = text
    _mark_resolved(ticket, ctx.now)
    return {"cause": cause, "indoor_temp": None if temperature is None else float(temperature), "note": text}


def return_(ctx: ActionContext) -> dict:
    reason = _text(ctx.payload, "reason", required=True, label="退单原因")
    ticket = ctx.ticket
    station_code = ticket.station.code if ticket.station else None
    ticket.status = TicketStatus.RETURNED
    ticket.return_count += 1
    # The station has answered (by returning); the desk's redispatch starts fresh clocks.
    sla.sla_clocks_meet(ticket_id=ticket.id, stages=[Stage.RESPONSE, Stage.RESOLUTION], at=ctx.now)
    return {"reason": reason, "station": station_code}


def _datetime(payload: dict, name: str) -> dt.datetime:
    value = payload.get(name)
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise ValidationFailed(
            f"{name} 须为带时区的时间 / {name} must be an ISO 8601 time with offset", details=[{"field": name}]
        )
    return value


def extend(ctx: ActionContext) -> dict:
    until = _datetime(ctx.payload, "until")
    reason = _text(ctx.payload, "reason", required=True, label="延期原因")
    ticket = ctx.ticket
    if until <= ctx.now or (ticket.resolution_deadline and until <= ticket.resolution_deadline):
        raise ValidationFailed(
            "延期时间须晚于当前处置时限 / until must be after the current deadline", details=[{"field": "until"}]
        )
    latest = max(ticket.resolution_deadline or ctx.now, ctx.now) + MAX_EXTENSION
    if until > latest:
        raise ValidationFailed(
            f"延期最多至当前处置时限后 {MAX_EXTENSION.days} 天 / until may be at most {MAX_EXTENSION.days} days "
            "after the current deadline",
            details=[{"field": "until"}],
        )
    ticket.extension_requested_until = until
    ticket.extension_reason = reason[:200]
    return {"until": until.isoformat(), "reason": reason}


def approve_extension(ctx: ActionContext) -> dict:
    ticket = ctx.ticket
    approved = ctx.payload.get("approved", True)
    if not isinstance(approved, bool):
        raise ValidationFailed("approved 须为 true 或 false / approved must be true or false")
    until = ticket.extension_requested_until
    if approved:
        ticket.resolution_deadline = until
        ticket.extension_count += 1
        sla.sla_clock_move_due(
            ticket_id=ticket.id,
            stage=Stage.RESOLUTION,
            due_at=until,
            warn_share=ticket.sla[Stage.RESOLUTION]["warn_at"],
        )
    ticket.extension_requested_until = None
    ticket.extension_reason = ""
    return {
        "approved": approved,
        "until": until.isoformat(),
        "note": _text(ctx.payload, "note", required=False, label="备注"),
    }


def urge(ctx: ActionContext) -> dict:
    ticket = ctx.ticket
    text = _text(ctx.payload, "note", required=False, label="催办说明")
    repeat_call = bool(ctx.payload.get("repeat_call"))
    ticket.urge_count += 1
    data: dict[str, Any] = {"note": text, "repeat_call": repeat_call}
    if repeat_call:
        ticket.repeat_call_count += 1
        ticket.last_repeat_call_at = ctx.now
        phone = str(ctx.payload.get("caller_phone") or "")
        data["caller_phone_tail"] = phone[-4:]
        if ctx.payload.get("idempotency_key"):
            data["idempotency_key"] = ctx.payload["idempotency_key"]
    if ticket.station is not None and ticket.first_dispatched_at is not None:  # not before it was sent there
        label = "重复来电催办" if repeat_call else "催办"
        notifications.station_notify(
            ticket=ticket,
            topic="ticket.urged",
            at=ctx.now,
            text=f"{label} {ticket.number}（第{ticket.urge_count}次）{text}",
        )
    return data


def callback(ctx: ActionContext) -> dict:
    ticket, payload, actor = ctx.ticket, ctx.payload, ctx.actor
    channel = payload.get("channel") or "phone"  # phone | sms_link (the citizen's rating link)
    if channel not in ("phone", "sms_link"):
        raise ValidationFailed("回访方式无效 / channel must be phone or sms_link", details=[{"field": "channel"}])
    reached = _bool(payload, "reached", label="是否接通")
    comment = _text(payload, "comment", required=False, label="市民意见")
    answers: dict[str, Any] = {"contacted": None, "fixed": None, "satisfaction": "", "channel": channel}
    if not reached:
        refusal = callback_retry_refusal(ticket, ctx.now)  # depends on the answer, so checked here
        if refusal is not None:
            raise refusal.as_error()
        ticket.callback_attempts += 1
        ticket.last_callback_attempt_at = ctx.now
        outcome = "retry"
    else:
        if not (ticket.phone_resolved and payload.get("contacted") is None):
            answers["contacted"] = _bool(payload, "contacted", label="供暖所是否联系")
        # else: solved by phone guidance, no station was sent, so none is asked about (contacted stays None)
        answers["fixed"] = _bool(payload, "fixed", label="是否解决")
        satisfaction = payload.get("satisfaction")
        if satisfaction not in Satisfaction.values:
            raise ValidationFailed(
                "请选择满意度 / satisfaction must be one of " + ", ".join(Satisfaction.values),
                details=[{"field": "satisfaction"}],
            )
        answers["satisfaction"] = satisfaction
        station_controllable = payload.get("station_controllable", True) is not False
        unhappy = satisfaction == Satisfaction.NOT_SATISFIED and station_controllable
        ticket.satisfaction = satisfaction
        ticket.last_callback_attempt_at = ctx.now
        if answers["fixed"] and not unhappy:
            ticket.status = TicketStatus.CLOSED
            ticket.closed_at = ctx.now
            sla.sla_clocks_stop_all(ticket_id=ticket.id, at=ctx.now)
            outcome = "closed"
        else:
            ticket.reopen_count += 1
            _start_cycle(ticket, ticket.station, ctx.now)
            notifications.station_notify(
                ticket=ticket, topic="ticket.redo", at=ctx.now, text=f"重办 {ticket.number}：回访未解决或不满意"
            )
            outcome = "redo"
    TicketCallback.objects.create(
        ticket=ticket, at=ctx.now, actor=actor, reached=reached, comment=comment, outcome=outcome, **answers
    )
    return {"reached": reached, **answers, "comment": comment, "outcome": outcome, "attempt": ticket.callbacks.count()}


def close_unreached(ctx: ActionContext) -> dict:
    ticket = ctx.ticket
    ticket.status = TicketStatus.CLOSED
    ticket.closed_at = ctx.now
    ticket.closed_unreached = True
    sla.sla_clocks_stop_all(ticket_id=ticket.id, at=ctx.now)
    return {"attempts": ticket.callback_attempts, "note": _text(ctx.payload, "note", required=False, label="备注")}


def transfer(ctx: ActionContext) -> dict:
    reason = _text(ctx.payload, "reason", required=True, label="转交原因")
    username = _text(ctx.payload, "to", required=True, label="接收人")
    new_owner = (
        get_user_model()
        .objects.filter(username=username, is_active=True, role__in=[Role.OPERATOR, Role.DESK_LEAD])
        .first()
    )
    if new_owner is None:
        raise ValidationFailed(
            f"接收人 {username} 不是话务员 / {username} is not an operator", details=[{"field": "to"}]
        )
    ticket = ctx.ticket
    if new_owner.id == ticket.owner_id:
        raise ValidationFailed("接收人已是负责人 / already the owner", details=[{"field": "to"}])
    previous = ticket.owner.username
    ticket.owner = new_owner
    return {"from": previous, "to": new_owner.username, "reason": reason}


def merge(ctx: ActionContext) -> dict:
    number = _text(ctx.payload, "into", required=True, label="合并目标工单号")
    ticket = ctx.ticket
    target = first_of(ticket_list_visible_to(user=ctx.actor).filter(number=number))
    if target is None or target.id == ticket.id:
        raise ValidationFailed(f"合并目标 {number} 无效 / cannot merge into {number}", details=[{"field": "into"}])
    if not target.is_open:
        raise ValidationFailed("合并目标已办结或已合并 / target ticket is not open", details=[{"field": "into"}])
    ticket.parent = target
    ticket.status = TicketStatus.MERGED
    sla.sla_clocks_stop_all(ticket_id=ticket.id, at=ctx.now)
    return {"into": target.number}


HANDLERS = {
    Action.GUIDE: guide,
    Action.DISPATCH: dispatch,
    Action.ACCEPT: accept,
    Action.DEPART: depart,
    Action.ARRIVE: arrive,
    Action.NOTE: note,
    Action.RESOLVE: resolve,
    Action.RETURN: return_,
    Action.EXTEND: extend,
    Action.APPROVE_EXTENSION: approve_extension,
    Action.URGE: urge,
    Action.CALLBACK: callback,
    Action.CLOSE_UNREACHED: close_unreached,
    Action.TRANSFER: transfer,
    Action.MERGE: merge,
}


WAITING_FOR_INCIDENT = (TicketStatus.RECEIVED, TicketStatus.RETURNED)


def incident_calls_resolve(*, incident_code: str, actor: User | None, at: dt.datetime, note: str) -> int:
    """The door's resolve, in bulk, for the calls of a restored incident (停热事件恢复): rows locked, every
    waiting call resolved (待回访) with its callback clock and one `resolve` event, the flag cleared on all.

    Set-based (INSERT … SELECT, one UPDATE per callback window) so that 2,000 calls take a handful of
    statements; the caller holds the transaction and the incident's row lock, so no call attaches meanwhile.
    """
    attached = Ticket.objects.filter(incident_code=incident_code)
    # Waiting = attached while with the desk (the flag) and not moved on since (guided to resolved, say).
    waiting = attached.filter(incident_open=True, status__in=WAITING_FOR_INCIDENT)
    rows = list(waiting.select_for_update(of=("self",)).order_by("id").values_list("id", "sla"))
    windows: dict[tuple[float, float], list[int]] = {}
    for ticket_id, snapshot in rows:
        window = snapshot[Stage.CALLBACK]
        windows.setdefault((window["seconds"], window["warn_at"]), []).append(ticket_id)
    text = (note or f"停热事件 {incident_code} 已恢复供热")[:MAX_TEXT]
    data = {"cause": ResolutionCause.SUPPLY_LOW.value, "indoor_temp": None, "note": text, "incident": incident_code}
    # No stage clock of a waiting call runs (it never had one, or it stopped on attaching); if one does, it stops.
    SlaClock.objects.filter(ticket_id__in=waiting.values("id"), met_at__isnull=True).update(
        met_at=at, next_level="", next_threshold_at=None
    )
    for (seconds, share), ids in windows.items():
        # One window (the usual case): the locked set itself, without a list of ids to send.
        group = waiting if len(windows) == 1 else waiting.filter(id__in=ids)
        due = at + dt.timedelta(seconds=seconds)
        warn = policy.warn_time(start=at, due=due, share=share)
        sla.sla_clocks_start_for(tickets=group, stage=Stage.CALLBACK, started_at=at, due_at=due, warn_at=warn)
        event_record_for(tickets=group, kind=Action.RESOLVE, actor=actor, at=at, data=data)
        group.update(
            status=TicketStatus.RESOLVED,
            resolved_at=at,
            resolution_cause=ResolutionCause.SUPPLY_LOW,
            resolution_note=text,
            callback_deadline=due,
            incident_open=False,
            updated_at=at,
        )
    attached.filter(incident_open=True).update(incident_open=False, updated_at=at)
    return len(rows)
