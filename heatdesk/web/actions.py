"""Which buttons a user sees on a ticket, and how each action's form becomes the service's payload.

What a user may do now is the state table's answer (`tickets.selectors.ticket_actions_available`, the
same rules the door applies); this module only orders the buttons and reads the forms.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from heatdesk.accounts.models import User
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.selectors import ticket_actions_available
from heatdesk.tickets.states import CALLBACK_TRIES_BEFORE_CLOSE_UNREACHED, Action

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


def ticket_actions_for(*, user: User, ticket: Ticket, now: dt.datetime | None = None) -> list[str]:
    """The actions this user may take on this ticket now (the table's answer), in the order the buttons appear."""
    allowed = set(ticket_actions_available(user=user, ticket=ticket, now=now))
    return [action for action in ACTION_ORDER if action in allowed]


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
