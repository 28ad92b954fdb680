"""The ticket's story as the pages tell it: each event and each SLA alert as one Chinese line."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from heatdesk.sla.models import AlertLevel, Stage, Urgency
from heatdesk.tickets.events import TicketEventKind
from heatdesk.tickets.models import Category, ResolutionCause, Satisfaction
from heatdesk.tickets.states import TicketStatus


@dataclass
class TimelineEntry:
    at: dt.datetime
    kind: str
    label: str
    actor: str
    lines: list[str] = field(default_factory=list)
    tone: str = ""  # "", "ok", "warning", "overdue"


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def _when(value) -> str:
    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return str(value)
    if timezone.is_naive(moment):
        return moment.strftime("%m-%d %H:%M")
    return timezone.localtime(moment).strftime("%m-%d %H:%M")


def _yes_no(value, yes: str, no: str) -> str:
    if value is None:
        return ""
    return yes if value else no


def _temperature(value) -> str:
    return "" if value is None else _("室温 %(t)s°C") % {"t": value}


def _lines(kind: str, data: dict, stations: dict[str, str]) -> tuple[list[str], str]:
    """The detail lines and tone of one event."""
    text: list[str] = []
    tone = ""
    if kind == TicketEventKind.CREATE:
        text.append(f"{_label(Category, data.get('category'))} · {_label(Urgency, data.get('urgency'))}")
        if data.get("station"):
            text.append(_("地址匹配：%(s)s") % {"s": stations.get(data["station"], data["station"])})
    elif kind == TicketEventKind.GUIDE:
        text.append(_("电话指导已解决") if data.get("solved") else _("电话指导未解决"))
        if data.get("steps"):
            text.append(_("已尝试：%(s)s") % {"s": "；".join(data["steps"])})
        tone = "ok" if data.get("solved") else ""
    elif kind == TicketEventKind.DISPATCH:
        target = stations.get(data.get("station") or "", data.get("station") or "")
        text.append((_("重新派至 %(s)s") if data.get("redispatch") else _("派至 %(s)s")) % {"s": target})
    elif kind == TicketEventKind.ARRIVE:
        text.append(_temperature(data.get("indoor_temp")))
    elif kind == TicketEventKind.RESOLVE:
        text.append(_("原因：%(c)s") % {"c": _label(ResolutionCause, data.get("cause"))})
        text.append(_temperature(data.get("indoor_temp")))
        tone = "ok"
    elif kind == TicketEventKind.RETURN:
        text.append(_("退单原因：%(r)s") % {"r": data.get("reason", "")})
        tone = "warning"
    elif kind == TicketEventKind.EXTEND:
        text.append(_("申请延期至 %(u)s") % {"u": _when(data.get("until"))})
        text.append(_("原因：%(r)s") % {"r": data.get("reason", "")})
    elif kind == TicketEventKind.APPROVE_EXTENSION:
        approved = data.get("approved", True)
        text.append(
            (_("批准延期至 %(u)s") if approved else _("驳回延期申请（%(u)s）")) % {"u": _when(data.get("until"))}
        )
    elif kind == TicketEventKind.URGE:
        if data.get("repeat_call"):
            text.append(_("市民重复来电（尾号 %(t)s）") % {"t": data.get("caller_phone_tail", "")})
        tone = "warning"
    elif kind == TicketEventKind.CALLBACK:
        text.extend(_callback_lines(data))
        tone = {"closed": "ok", "redo": "overdue"}.get(data.get("outcome"), "")
    elif kind == TicketEventKind.CLOSE_UNREACHED:
        text.append(_("%(n)s 次未接通，未联系上办结") % {"n": data.get("attempts", "")})
    elif kind == TicketEventKind.TRANSFER:
        text.append(
            _("%(a)s → %(b)s；原因：%(r)s") % {"a": data.get("from"), "b": data.get("to"), "r": data.get("reason")}
        )
    elif kind == TicketEventKind.MERGE:
        text.append(_("合并至 %(n)s") % {"n": data.get("into", "")})
    elif kind == TicketEventKind.ATTACHMENT:
        text.append(data.get("name", ""))
    elif kind.startswith("alert_"):
        text.append(_("时限 %(t)s") % {"t": _when(data.get("threshold_at"))})
        tone = "warning" if kind == TicketEventKind.ALERT_WARNING else "overdue"
    note = data.get("note")
    if (note and kind not in (TicketEventKind.GUIDE,)) or (kind == TicketEventKind.GUIDE and note):
        text.append(str(note))
    return [line for line in text if line], tone


def _callback_lines(data: dict) -> list[str]:
    outcome = data.get("outcome")
    if not data.get("reached"):
        return [_("未接通（第 %(n)s 次回访）") % {"n": data.get("attempt", "")}]
    lines = [
        "；".join(
            part
            for part in (
                _yes_no(data.get("contacted"), _("供暖所已联系"), _("供暖所未联系")),
                _yes_no(data.get("fixed"), _("已解决"), _("未解决")),
                _label(Satisfaction, data.get("satisfaction")),
            )
            if part
        )
    ]
    if outcome == "closed":
        lines.append(_("办结"))
    elif outcome == "redo":
        lines.append(_("重办：重新派单"))
    if data.get("comment"):
        lines.append(_("市民意见：%(c)s") % {"c": data["comment"]})
    return lines


def _moment(data: dict) -> dt.datetime | None:
    """The alert threshold an `alert_<level>` event names (each cycle of a stage has its own)."""
    try:
        return dt.datetime.fromisoformat(str(data.get("threshold_at")))
    except ValueError:
        return None


def ticket_timeline(*, events, alerts, stations: dict[str, str]) -> list[TimelineEntry]:
    """Events and SLA alerts in time order (alerts the tickets app already logged as events are not doubled)."""
    entries = []
    logged_alerts = set()
    for event in events:
        kind = event.kind
        try:
            label = str(TicketEventKind(kind).label)
        except ValueError:
            label = kind
        if kind.startswith("alert_"):
            logged_alerts.add((event.data.get("stage"), kind.removeprefix("alert_"), _moment(event.data)))
            label = f"{_label(Stage, event.data.get('stage'))}{label}"
        lines, tone = _lines(kind, event.data or {}, stations)
        if event.actor:
            actor = event.actor.label
        else:
            actor = _("督办") if kind.startswith("alert_") else _("系统")
        entries.append(TimelineEntry(at=event.at, kind=kind, label=label, actor=actor, lines=lines, tone=tone))
    for alert in alerts:
        if (alert.stage, alert.level, alert.threshold_at) in logged_alerts:
            continue
        entries.append(
            TimelineEntry(
                at=alert.raised_at,
                kind=f"alert_{alert.level}",
                label=f"{_label(Stage, alert.stage)}{_label(AlertLevel, alert.level)}",
                actor=_("督办"),
                lines=[_("时限 %(t)s") % {"t": _when(alert.threshold_at)}],
                tone="warning" if alert.level == AlertLevel.WARNING else "overdue",
            )
        )
    entries.sort(key=lambda entry: entry.at)
    return entries


CREW_STEPS = (TicketEventKind.ACCEPT, TicketEventKind.DEPART, TicketEventKind.ARRIVE, TicketEventKind.RESOLVE)


def step_actors(events) -> dict[str, str]:
    """Who did each crew step last (接单, 出发, 到达, 处置完成): the actor's name as the timeline shows it,
    keyed by the step's code, for the ticket and crew views' milestone lines."""
    actors: dict[str, str] = {}
    for event in events:
        if event.kind in CREW_STEPS and event.actor is not None:
            actors[event.kind] = event.actor.label
    return actors


STATUS_TONES = {
    TicketStatus.RECEIVED: "info",
    TicketStatus.DISPATCHED: "info",
    TicketStatus.ACCEPTED: "work",
    TicketStatus.RESOLVED: "ok",
    TicketStatus.CLOSED: "done",
    TicketStatus.RETURNED: "warning",
    TicketStatus.MERGED: "done",
}
