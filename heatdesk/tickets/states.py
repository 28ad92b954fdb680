"""The ticket lifecycle of DESIGN §3 as data: statuses, actions, who may move what where, and the guards
that rule an action out for a ticket's state (a pending extension, a missing owner, too few callbacks).

`tickets.services.ticket_act` is the one door that applies this table; nothing else sets a status.
`tickets.selectors.ticket_actions_available` lists what the same rules allow, for buttons and the API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from heatdesk.accounts.models import Role, User
from heatdesk.core.errors import DomainError, OutOfScope, PermissionDenied, TransitionNotAllowed
from heatdesk.core.vocabulary import Category

if TYPE_CHECKING:
    from heatdesk.tickets.models import Ticket


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
class Refusal:
    """Why an action is not possible now: the domain error the door raises (bilingual message)."""

    error: type[DomainError]
    # Text, or a function that writes it: the listings ask about every action and read no message.
    text: str | Callable[[], str]
    code: str | None = None

    @property
    def message(self) -> str:
        return self.text() if callable(self.text) else self.text

    def as_error(self) -> DomainError:
        return self.error(self.message, code=self.code)


# A guard says whether the ticket's state, the actor or the moment rules an action out: None = no objection.
Guard = Callable[["User", "Ticket", dt.datetime], Refusal | None]


@dataclass(frozen=True)
class Transition:
    """An action is allowed from `sources`, by `roles`, when every guard agrees; it ends in one of
    `targets` (None = unchanged). `station_bound`: a station may take it only on tickets dispatched to it."""

    sources: frozenset[str]
    targets: frozenset[str | None]
    roles: frozenset[str]
    guards: tuple[Guard, ...] = ()
    station_bound: bool = False


# Callback retry rule (DESIGN §3): unreached callbacks are retried at different times; after this many
# a desk lead may close the ticket as 未联系上 (counted apart).
CALLBACK_TRIES_BEFORE_CLOSE_UNREACHED = 3
CALLBACK_RETRY_SPACING = dt.timedelta(minutes=30)


def owner_operator_only(user: User, ticket: Ticket, now: dt.datetime) -> Refusal | None:
    """首问负责制: among operators only the ticket's owner calls back; desk leads always may."""
    if user.role == Role.OPERATOR and ticket.owner_id != user.id:
        return Refusal(PermissionDenied, "只有首问负责人可以回访 / only the owner may call back")
    return None


def not_yet_departed(user: User, ticket: Ticket, now: dt.datetime) -> Refusal | None:
    if ticket.departed_at or ticket.arrived_at:
        return Refusal(TransitionNotAllowed, "已记录出发或到达 / departure or arrival already recorded")
    return None


def not_yet_arrived(user: User, ticket: Ticket, now: dt.datetime) -> Refusal | None:
    if ticket.arrived_at:
        return Refusal(TransitionNotAllowed, "已记录到达 / arrival already recorded")
    return None


def no_extension_pending(user: User, ticket: Ticket, now: dt.datetime) -> Refusal | None:
    if ticket.extension_requested_until is not None:
        return Refusal(TransitionNotAllowed, "已有待批准的延期申请 / an extension request is already pending")
    return None


def extension_pending(user: User, ticket: Ticket, now: dt.datetime) -> Refusal | None:
    if ticket.extension_requested_until is None:
        return Refusal(TransitionNotAllowed, "没有待批准的延期申请 / no extension request is pending")
    return None


def callback_tries_done(user: User, ticket: Ticket, now: dt.datetime) -> Refusal | None:
    if ticket.callback_attempts < CALLBACK_TRIES_BEFORE_CLOSE_UNREACHED:
        return Refusal(
            TransitionNotAllowed,
            f"回访未接通需满 {CALLBACK_TRIES_BEFORE_CLOSE_UNREACHED} 次 / needs "
            f"{CALLBACK_TRIES_BEFORE_CLOSE_UNREACHED} unreached callbacks first",
            code="callback_tries_needed",
        )
    return None


# Evidence before 处置完成: a problem in the home is resolved only on site (arrival first); for a cold home
# the indoor temperature measured on arrival is the proof; a leak also needs a photo. A billing or
# service question needs no visit.
SITE_VISIT_CATEGORIES = frozenset({Category.NOT_WARM, Category.BELOW_STANDARD, Category.NO_HEAT, Category.LEAK})
TEMPERATURE_EVIDENCE_CATEGORIES = frozenset({Category.NOT_WARM, Category.BELOW_STANDARD})
PHOTO_EVIDENCE_CATEGORIES = frozenset({Category.LEAK})


def evidence_recorded(user: User, ticket: Ticket, now: dt.datetime) -> Refusal | None:
    if ticket.category in SITE_VISIT_CATEGORIES and ticket.arrived_at is None:
        return Refusal(TransitionNotAllowed, "请先记录到达现场 / record the arrival first", code="arrival_required")
    if ticket.category in TEMPERATURE_EVIDENCE_CATEGORIES and ticket.arrival_indoor_temp is None:
        return Refusal(
            TransitionNotAllowed,
            "请先记录到达时的室内温度 / record the indoor temperature on arrival first",
            code="arrival_temp_required",
        )
    if ticket.category in PHOTO_EVIDENCE_CATEGORIES and not ticket.attachments.exists():
        return Refusal(TransitionNotAllowed, "漏水须先上传现场照片 / a leak needs a photo first", code="photo_required")
    return None


def callback_next_try(ticket: Ticket) -> dt.datetime | None:
    """When an unreached callback may be tried again (tries must be at different times)."""
    if ticket.callback_attempts and ticket.last_callback_attempt_at:
        return ticket.last_callback_attempt_at + CALLBACK_RETRY_SPACING
    return None


def callback_retry_refusal(ticket: Ticket, now: dt.datetime) -> Refusal | None:
    """Recording another *unreached* callback within 30 minutes of the last try is refused. This depends
    on the answer (a reached callback is always possible), so the callback handler applies it."""
    last = ticket.last_callback_attempt_at
    if last is not None and now - last < CALLBACK_RETRY_SPACING:
        return Refusal(
            TransitionNotAllowed,
            "未接通回访须间隔 30 分钟再试 / retry the callback at a different time (30 min apart)",
            code="callback_retry_too_soon",
        )
    return None


def not_waiting_for_incident(user: User, ticket: Ticket, now: dt.datetime) -> Refusal | None:
    """A call attached to an open incident (停热事件) is repaired by the incident's own ticket: no dispatch."""
    if ticket.incident_open:
        return Refusal(
            TransitionNotAllowed,
            f"已关联停热事件 {ticket.incident_code}，恢复前不单独派单 / attached to open incident "
            f"{ticket.incident_code}: not dispatched on its own",
            code="incident_open",
        )
    return None


def _t(sources, targets, roles, *guards: Guard, station_bound: bool = False) -> Transition:
    return Transition(frozenset(sources), frozenset(targets), frozenset(roles), guards, station_bound)


DESK = (Role.OPERATOR, Role.DESK_LEAD)
STAFF = (Role.OPERATOR, Role.DESK_LEAD, Role.STATION, Role.COMPANY, Role.COMMUNITY)
STATION = (Role.STATION,)
S = TicketStatus

TRANSITIONS: dict[str, Transition] = {
    Action.GUIDE: _t({S.RECEIVED}, {S.RESOLVED, None}, DESK),
    Action.DISPATCH: _t({S.RECEIVED, S.RETURNED}, {S.DISPATCHED}, DESK, not_waiting_for_incident),
    Action.ACCEPT: _t({S.DISPATCHED}, {S.ACCEPTED}, STATION, station_bound=True),
    Action.DEPART: _t({S.ACCEPTED}, {None}, STATION, not_yet_departed, station_bound=True),
    Action.ARRIVE: _t({S.ACCEPTED}, {None}, STATION, not_yet_arrived, station_bound=True),
    Action.NOTE: _t(OPEN_STATUSES, {None}, STAFF),
    Action.RESOLVE: _t({S.ACCEPTED}, {S.RESOLVED}, STATION, evidence_recorded, station_bound=True),
    Action.RETURN: _t({S.DISPATCHED, S.ACCEPTED}, {S.RETURNED}, STATION, station_bound=True),
    Action.EXTEND: _t({S.ACCEPTED}, {None}, STATION, no_extension_pending, station_bound=True),
    Action.APPROVE_EXTENSION: _t({S.ACCEPTED}, {None}, {Role.DESK_LEAD}, extension_pending),
    Action.URGE: _t(OPEN_STATUSES, {None}, DESK),
    # Reached and fixed → closed; not fixed (or unhappy for a cause the station controls) → 重办
    # redo; not reached → stays resolved for another try.
    Action.CALLBACK: _t({S.RESOLVED}, {S.CLOSED, S.DISPATCHED, None}, DESK, owner_operator_only),
    Action.CLOSE_UNREACHED: _t({S.RESOLVED}, {S.CLOSED}, {Role.DESK_LEAD}, callback_tries_done),
    Action.TRANSFER: _t(OPEN_STATUSES, {None}, {Role.DESK_LEAD}),
    Action.MERGE: _t({S.RECEIVED, S.DISPATCHED}, {S.MERGED}, DESK),
}

# Actions a station may take only on tickets dispatched to it.
STATION_BOUND = frozenset(action for action, rule in TRANSITIONS.items() if rule.station_bound)


def action_refusal(*, user: User, ticket: Ticket, action: str, now: dt.datetime) -> Refusal | None:
    """Why `user` may not take `action` on `ticket` now (role, station, status, then the action's guards);
    None when the table allows it. The door raises it; the listings ask it. Payload checks come later."""
    rule = TRANSITIONS[action]
    if user.role not in rule.roles:
        return Refusal(
            PermissionDenied,
            lambda: f"{user.get_role_display()}不能执行「{Action(action).label}」 / role {user.role} may not {action}",
        )
    if rule.station_bound and ticket.station_id != user.station_id:
        return Refusal(OutOfScope, "该工单不属于本供暖所 / this ticket is not dispatched to your station")
    if ticket.status not in rule.sources:
        status = ticket.status
        return Refusal(
            TransitionNotAllowed,
            lambda: f"工单{TicketStatus(status).label}，不能{Action(action).label} / cannot {action} a {status} ticket",
        )
    for guard in rule.guards:
        refusal = guard(user, ticket, now)
        if refusal is not None:
            return refusal
    return None
