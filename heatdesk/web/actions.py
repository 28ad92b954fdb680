"""Which buttons a user sees on a ticket, and how each action's form becomes the service's payload.

The state table (`tickets.states`) says what a role may do from a status; the rest — the station the
ticket is dispatched to, the owner for callbacks, a pending extension — is checked here only to hide
buttons that would be refused. The service checks everything again.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from heatdesk.accounts.models import Role, User
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.states import (
    CALLBACK_RETRY_SPACING,
    CALLBACK_TRIES_BEFORE_CLOSE_UNREACHED,
    STATION_BOUND,
    Action,
    actions_allowed,
)

# Order of the buttons: the next step of the work first.
ACTION_ORDER = [
    Action.ACCEPT,
    Action.DEPART,
    Action.ARRIVE,
    Action.RESOLVE,
    Action.EXTEND,
    Action.RETURN,
    Action.DISPATCH,
    Action.GUIDE,
    Action.CALLBACK,
    Action.CLOSE_UNREACHED,
    Action.APPROVE_EXTENSION,
    Action.URGE,
    Action.TRANSFER,
    Action.MERGE,
    Action.NOTE,
]


def ticket_actions_for(*, user: User, ticket: Ticket) -> list[str]:
    """The actions this user may take on this ticket now, in the order the buttons appear."""
    allowed = set(actions_allowed(status=ticket.status, role=user.role))
    if user.role == Role.STATION and ticket.station_id != user.station_id:
        allowed -= set(STATION_BOUND)
    if user.role == Role.OPERATOR and ticket.owner_id != user.id:
        allowed.discard(Action.CALLBACK)
    if ticket.departed_at or ticket.arrived_at:
        allowed.discard(Action.DEPART)
    if ticket.arrived_at:
        allowed.discard(Action.ARRIVE)
    if ticket.extension_requested_until is None:
        allowed.discard(Action.APPROVE_EXTENSION)
    else:
        allowed.discard(Action.EXTEND)
    if ticket.callback_attempts < CALLBACK_TRIES_BEFORE_CLOSE_UNREACHED:
        allowed.discard(Action.CLOSE_UNREACHED)
    return [action for action in ACTION_ORDER if action in allowed]


def callback_next_try(ticket: Ticket) -> dt.datetime | None:
    """When an unreached callback may be tried again (tries must be at different times)."""
    if ticket.callback_attempts and ticket.last_callback_attempt_at:
        return ticket.last_callback_attempt_at + CALLBACK_RETRY_SPACING
    return None


CALLBACK_TRIES_NEEDED = CALLBACK_TRIES_BEFORE_CLOSE_UNREACHED


def _answer(value: str | None) -> bool | None:
    """Radio answers: yes / no; anything else is "not answered" (the service asks for it)."""
    return {"yes": True, "no": False}.get(value or "")


def _local_time(value: str) -> str:
    """A `datetime-local` value (Hohhot time, no offset) as ISO 8601 with offset; other text as typed."""
    value = (value or "").strip()
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    return moment.isoformat()


def action_payload(action: str, post) -> dict:
    """The payload of `ticket_act` from a submitted action form (field names follow DESIGN §8)."""
    text = {name: (post.get(name) or "").strip() for name in ("note", "reason", "cause", "to", "into", "comment")}
    if action == Action.GUIDE:
        return {"solved": _answer(post.get("solved")), "steps": post.getlist("steps"), "note": text["note"]}
    if action == Action.DISPATCH:
        return {"station": post.get("station") or None}
    if action == Action.ARRIVE:
        return {"indoor_temp": post.get("indoor_temp") or None}
    if action == Action.RESOLVE:
        return {"cause": text["cause"], "indoor_temp": post.get("indoor_temp") or None, "note": text["note"]}
    if action == Action.RETURN:
        return {"reason": text["reason"]}
    if action == Action.EXTEND:
        return {"until": _local_time(post.get("until", "")), "reason": text["reason"]}
    if action == Action.APPROVE_EXTENSION:
        return {"approved": post.get("approved") != "no", "note": text["note"]}
    if action == Action.CALLBACK:
        return callback_payload(post)
    if action == Action.TRANSFER:
        return {"to": text["to"], "reason": text["reason"]}
    if action == Action.MERGE:
        return {"into": text["into"]}
    return {"note": text["note"]}


def callback_payload(post) -> dict:
    """The three callback questions (是否联系 / 是否解决 / 满意度) and the comment."""
    reached = _answer(post.get("reached"))
    payload: dict = {"reached": reached, "comment": (post.get("comment") or "").strip()}
    if reached:
        payload.update(
            contacted=_answer(post.get("contacted")),
            fixed=_answer(post.get("fixed")),
            satisfaction=post.get("satisfaction") or None,
            # An unhappy citizen re-opens the ticket only for a cause the station controls.
            station_controllable=post.get("station_controllable", "yes") != "no",
        )
    return payload
