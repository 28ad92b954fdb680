"""The ticket lifecycle of DESIGN §3 as data: statuses, actions, and who may move what where.

`tickets.services.ticket_act` is the one door that applies this table; nothing else sets a status.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from heatdesk.accounts.models import Role


class TicketStatus(models.TextChoices):
    RECEIVED = "received", _("已受理")
    DISPATCHED = "dispatched", _("已派单")
    ACCEPTED = "accepted", _("已响应")
    RESOLVED = "resolved", _("已处置(待回访)")
    CLOSED = "closed", _("已办结")
    RETURNED = "returned", _("已退回")
    MERGED = "merged", _("已合并")


OPEN_STATUSES = frozenset(
    {
        TicketStatus.RECEIVED,
        TicketStatus.DISPATCHED,
        TicketStatus.ACCEPTED,
        TicketStatus.RESOLVED,
        TicketStatus.RETURNED,
    }
)
FINAL_STATUSES = frozenset({TicketStatus.CLOSED, TicketStatus.MERGED})


class Action(models.TextChoices):
    CREATE = "create", _("新建工单")
    GUIDE = "guide", _("电话指导")
    DISPATCH = "dispatch", _("派单")
    ACCEPT = "accept", _("接单")
    DEPART = "depart", _("出发")
    ARRIVE = "arrive", _("到达")
    NOTE = "note", _("备注")
    RESOLVE = "resolve", _("处置完成")
    RETURN = "return", _("退单")
    EXTEND = "extend", _("申请延期")
    APPROVE_EXTENSION = "approve-extension", _("批准延期")
    URGE = "urge", _("催办")
    CALLBACK = "callback", _("回访")
    CLOSE_UNREACHED = "close-unreached", _("未联系上办结")
    TRANSFER = "transfer", _("转交")
    MERGE = "merge", _("合并")


@dataclass(frozen=True)
class Transition:
    """An action is allowed from `sources`, by `roles`; it ends in one of `targets` (None = unchanged)."""

    sources: frozenset[str]
    targets: frozenset[str | None]
    roles: frozenset[str]


def _t(sources, targets, roles) -> Transition:
    return Transition(frozenset(sources), frozenset(targets), frozenset(roles))


DESK = (Role.OPERATOR, Role.DESK_LEAD)
STAFF = (Role.OPERATOR, Role.DESK_LEAD, Role.STATION, Role.COMPANY, Role.COMMUNITY)
S = TicketStatus

TRANSITIONS: dict[str, Transition] = {
    Action.GUIDE: _t({S.RECEIVED}, {S.RESOLVED, None}, DESK),
    Action.DISPATCH: _t({S.RECEIVED, S.RETURNED}, {S.DISPATCHED}, DESK),
    Action.ACCEPT: _t({S.DISPATCHED}, {S.ACCEPTED}, {Role.STATION}),
    Action.DEPART: _t({S.ACCEPTED}, {None}, {Role.STATION}),
    Action.ARRIVE: _t({S.ACCEPTED}, {None}, {Role.STATION}),
    Action.NOTE: _t(OPEN_STATUSES, {None}, STAFF),
    Action.RESOLVE: _t({S.ACCEPTED}, {S.RESOLVED}, {Role.STATION}),
    Action.RETURN: _t({S.DISPATCHED, S.ACCEPTED}, {S.RETURNED}, {Role.STATION}),
    Action.EXTEND: _t({S.ACCEPTED}, {None}, {Role.STATION}),
    Action.APPROVE_EXTENSION: _t({S.ACCEPTED}, {None}, {Role.DESK_LEAD}),
    Action.URGE: _t(OPEN_STATUSES, {None}, DESK),
    # Reached and fixed → closed; not fixed (or unhappy for a cause the station controls) → 重办
    # redo; not reached → stays resolved for another try.
    Action.CALLBACK: _t({S.RESOLVED}, {S.CLOSED, S.DISPATCHED, None}, DESK),
    Action.CLOSE_UNREACHED: _t({S.RESOLVED}, {S.CLOSED}, {Role.DESK_LEAD}),
    Action.TRANSFER: _t(OPEN_STATUSES, {None}, {Role.DESK_LEAD}),
    Action.MERGE: _t({S.RECEIVED, S.DISPATCHED}, {S.MERGED}, DESK),
}

# Callback retry rule (DESIGN §3): unreached callbacks are retried at different times; after this many
# a desk lead may close the ticket as 未联系上 (counted apart).
CALLBACK_TRIES_BEFORE_CLOSE_UNREACHED = 3
CALLBACK_RETRY_SPACING = dt.timedelta(minutes=30)

# Actions that only the ticket's owner may take among operators (首问负责制); desk leads may always.
OWNER_ONLY_FOR_OPERATORS = frozenset({Action.CALLBACK})
# Actions a station may take only on tickets dispatched to it.
STATION_BOUND = frozenset({Action.ACCEPT, Action.DEPART, Action.ARRIVE, Action.RESOLVE, Action.RETURN, Action.EXTEND})


def actions_allowed(*, status: str, role: str) -> list[str]:
    """Actions the table allows a role from a status (scope and ownership are checked by the service)."""
    return [action for action, rule in TRANSITIONS.items() if status in rule.sources and role in rule.roles]
