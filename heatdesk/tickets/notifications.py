"""The work-group messages of ticket changes, queued in the change's own transaction (DESIGN §2, §11).

One rule, from the event the door writes (`events.event_record` calls `event_announce`):
- dispatched (and redone, 重办) → the station's group: a new order to accept;
- urged (催办) → whoever holds the ticket: the desk while it is not dispatched (received, returned),
  the station once it is;
- extension asked (申请延期) and returned (退单) → the desk's group: the desk must decide.
Each message is a card: ticket number, compound/building/unit, category, urgency, what happened, the
running deadline and the link. Never the caller's phone. Urgent leaks mention the on-duty people.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from typing import Any

from heatdesk.notify.channels import mask_phones
from heatdesk.notify.messages import Message
from heatdesk.notify.models import OrgKind, Topic
from heatdesk.notify.services import outbox_enqueue
from heatdesk.sla.models import Stage
from heatdesk.tickets.models import Ticket, TicketEvent

DESK_CODE = "city"  # the city's 12345 heating desk (供热专席): org_kind "desk"
HELD_BY_STATION = frozenset({"dispatched", "accepted"})
MENTION_CATEGORIES = frozenset({"leak"})  # 漏水/跑水: someone must move now
# Lines apps above tickets add to a station group's card, e.g. community's stewards of the compound
# (registered in their AppConfig.ready: tickets cannot import them).
STATION_CARD_FACTS: list[Callable[[Ticket], Sequence[tuple[str, str]]]] = []
ANNOUNCED_KINDS = frozenset({"dispatch", "callback", "urge", "extend", "return"})  # the kinds `_what` answers


def ticket_place(ticket: Ticket) -> str:
    """Compound and building-unit-room, as a group reads it: 蓝爵小区 3号楼2单元501."""
    place = ticket.compound.name if ticket.compound else ticket.address
    flat = "".join(
        part
        for part in (
            f"{ticket.building}号楼" if ticket.building else "",
            f"{ticket.unit}单元" if ticket.unit else "",
            ticket.room,
        )
        if part
    )
    return f"{place} {flat}".strip()


@functools.cache
def _choices(field: str) -> dict[str, Any]:
    return dict(Ticket._meta.get_field(field).flatchoices)


def _label(field: str, value: str) -> str:
    """A choice's label, as `get_<field>_display` gives it, without rebuilding the choices each call
    (that cost more than the rest of a monitor pass's message)."""
    return str(_choices(field).get(value, value))


def ticket_facts(ticket: Ticket, *, happened: str) -> tuple[tuple[str, str], ...]:
    """The card's lines a group acts on: what happened, where, what, how urgent, which station."""
    facts = [
        ("事项", happened),
        ("地址", ticket_place(ticket)),
        ("类别", _label("category", ticket.category)),
        ("紧急程度", _label("urgency", ticket.urgency)),
    ]
    if ticket.station is not None:
        facts.append(("供暖所", ticket.station.name))
    return tuple((label, value) for label, value in facts if value)


def running_deadline(ticket: Ticket) -> tuple[dt.datetime | None, str]:
    """The deadline the holder must beat next, by status: dispatch, response, resolution, callback."""
    by_status = {
        "received": (ticket.dispatch_deadline, Stage.DISPATCH),
        "returned": (ticket.dispatch_deadline, Stage.DISPATCH),
        "dispatched": (ticket.response_deadline, Stage.RESPONSE),
        "accepted": (ticket.resolution_deadline, Stage.RESOLUTION),
        "resolved": (ticket.callback_deadline, Stage.CALLBACK),
    }
    deadline, stage = by_status.get(ticket.status, (None, ""))
    return deadline, f"{Stage(stage).label}时限" if stage else ""


def ticket_message(
    *,
    ticket: Ticket,
    topic: Topic,
    title: str,
    happened: str,
    text: str = "",
    extra_facts: Sequence[tuple[str, str]] = (),
) -> Message:
    """The card of a ticket change; urgent leaks mention the group's on-duty people."""
    deadline, label = running_deadline(ticket)
    return Message.about_ticket(
        topic=topic,
        number=ticket.number,
        title=title,
        text=mask_phones(text),  # a note may carry the caller's number; no group ever sees it
        facts=ticket_facts(ticket, happened=happened) + tuple(extra_facts),
        deadline=deadline,
        deadline_label=label,
        mention=ticket.urgency == "urgent" and ticket.category in MENTION_CATEGORIES,
    )


def _holder(ticket: Ticket) -> tuple[str, str]:
    if ticket.station is not None and ticket.status in HELD_BY_STATION:
        return str(OrgKind.STATION), ticket.station.code
    return str(OrgKind.DESK), DESK_CODE


def _station(ticket: Ticket) -> tuple[str, str] | None:
    return (str(OrgKind.STATION), ticket.station.code) if ticket.station is not None else None


def _what(ticket: Ticket, event: TicketEvent) -> tuple[Topic, str, str, str, tuple[str, str] | None] | None:
    """(topic, title, happened, text, recipient) of an event, or None when no group needs to hear it."""
    data: dict[str, Any] = event.data or {}
    if event.kind not in ANNOUNCED_KINDS or (event.kind == "callback" and data.get("outcome") != "redo"):
        return None  # most events (before the label lookups below, which every action would pay for)
    number, category = ticket.number, ticket.get_category_display()
    if event.kind == "dispatch":
        return Topic.TICKET_DISPATCHED, f"【派单】{number} {category}", "新派单，请接单", "", _station(ticket)
    if event.kind == "callback" and data.get("outcome") == "redo":
        happened = "重办：回访未解决或不满意"
        return Topic.TICKET_REDO, f"【重办】{number} {category}", happened, "", _station(ticket)
    if event.kind == "urge":
        label = "重复来电催办" if data.get("repeat_call") else "催办"
        happened = f"{label}（第{ticket.urge_count}次）"
        note = str(data.get("note") or "")
        text = f"催办说明：{note}" if note else ""
        return Topic.TICKET_URGED, f"【催办】{number} {category}", happened, text, _holder(ticket)
    if event.kind == "extend":
        until = str(data.get("until") or "")
        happened = "供暖所申请延期，请审批"
        text = f"申请延至：{until[:16].replace('T', ' ')}\n延期原因：{data.get('reason', '')}"
        return Topic.TICKET_EXTENSION_ASKED, f"【延期申请】{number} {category}", happened, text, _desk()
    if event.kind == "return":
        text = f"退单原因：{data.get('reason', '')}"
        happened = "供暖所退单，请改派"
        return Topic.TICKET_RETURNED, f"【退单】{number} {category}", happened, text, _desk()
    return None


def _desk() -> tuple[str, str]:
    return str(OrgKind.DESK), DESK_CODE


def event_announce(*, ticket: Ticket, event: TicketEvent) -> int:
    """Queue the work-group message an event calls for (none for most); inside the event's transaction.
    The key is the event's id, so a replayed change cannot send twice. Returns messages queued."""
    what = _what(ticket, event)
    if what is None:
        return 0
    topic, title, happened, text, recipient = what
    if recipient is None:
        return 0
    org_kind, org_code = recipient
    extra = [fact for add in STATION_CARD_FACTS for fact in add(ticket)] if org_kind == OrgKind.STATION else []
    message = ticket_message(ticket=ticket, topic=topic, title=title, happened=happened, text=text, extra_facts=extra)
    outbox_enqueue(
        message=message,
        org_kind=org_kind,
        org_code=org_code,
        idempotency_key=f"{topic}:{ticket.number}:{event.pk}",
    )
    return 1


def station_notify(*, ticket: Ticket, topic: str, text: str, at: dt.datetime) -> None:
    """Kept for the action handlers' calls; the messages now come from the event (`event_announce`),
    which every change writes, so this queues nothing. The handlers' calls can go."""
