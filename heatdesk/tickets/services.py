"""Writes to tickets. `ticket_act` is the one door through which every status change passes (STYLE §3)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import asdict, dataclass, replace
from functools import cached_property

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from heatdesk.accounts.models import Role, User
from heatdesk.core import clock
from heatdesk.core.errors import (
    Conflict,
    ErrorCode,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from heatdesk.core.prepared import PreparedQuery
from heatdesk.geo.services import compound_alias_learn
from heatdesk.sla import policy
from heatdesk.sla.models import Stage, Urgency
from heatdesk.tickets import clocks as sla_clocks
from heatdesk.tickets import handlers
from heatdesk.tickets.events import TicketEventKind, event_record
from heatdesk.tickets.models import (
    URGENT_CATEGORIES,
    Category,
    Channel,
    Kind,
    Ticket,
    TicketEvent,
)
from heatdesk.tickets.numbers import ticket_number_next
from heatdesk.tickets.routing import Route, ticket_route
from heatdesk.tickets.selectors import (
    first_of,
    ticket_list_visible_to,
    ticket_open_related,
    ticket_scope,
    tickets_scoped,
)
from heatdesk.tickets.states import TRANSITIONS, Action, TicketStatus, action_refusal

PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9\-]{5,19}$")
CREATE_ROLES = frozenset({Role.OPERATOR, Role.DESK_LEAD})
# The longest text each intake field stores (the model's column widths): longer input is refused, not cut.
FIELD_LIMITS = {"caller_name": 40, "description": 4000, "address": 200, "building": 10, "unit": 10, "room": 10}
IDEMPOTENCY_KEY_MAX = 80


@dataclass(frozen=True)
class TicketIntake:
    """One call as the desk takes it (the create body of DESIGN §8): what `ticket_intake` opens a ticket from."""

    caller_phone: str
    category: str
    kind: str = Kind.HELP
    urgency: str | None = None
    channel: str = Channel.PHONE
    caller_name: str = ""
    description: str = ""
    address: str = ""
    compound: str | None = None
    building: str = ""
    unit: str = ""
    room: str = ""
    station: str | None = None
    idempotency_key: str = ""
    # The open incident (停热事件) this call attaches to: set only by `incidents.services`, which checks
    # the incident is open and covers the address. The call is then not dispatched and runs no clocks.
    incident: str = ""
    # 关联: the number of another household's open ticket in the same building (not a repeat call).
    related_to: str = ""


@dataclass(frozen=True)
class GuidanceOutcome:
    """The phone guidance (电话指导) given during the call: the steps tried and whether they solved it."""

    solved: bool
    steps: tuple[str, ...] = ()
    note: str = ""


@dataclass
class TicketCreateResult:
    ticket: Ticket
    created: bool
    repeat_call: bool = False
    # The events a fresh create just wrote, in order, so the response needs not read them back.
    events: list[TicketEvent] | None = None

    @cached_property
    def related_open(self) -> list[Ticket]:
        """The caller's and the building's other open tickets, looked up only when someone shows them."""
        return _related(self.ticket)


def _choice(value: str | None, choices: type, name: str, default: str | None = None) -> str:
    value = value or default
    if value not in choices.values:
        raise ValidationFailed(
            f"{name} 取值无效 / {name} must be one of {', '.join(choices.values)}", details=[{"field": name}]
        )
    return value


def _fingerprint(fields: dict) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


_REPLAY = PreparedQuery(
    Ticket,
    lambda actor_id, key, blank: (
        Ticket.objects.filter(created_by_id=actor_id)
        .filter(idempotency_key=key)
        .exclude(idempotency_key=blank)
        .order_by()[:1]
    ),
)


def _idempotent_replay(*, actor: User, key: str, fingerprint: str) -> Ticket | None:
    # Unordered, and repeating the index's condition (key <> ''): SQLite uses a partial index only when the
    # query names its WHERE, else it walks every ticket of the operator through the created_by index.
    existing = _REPLAY.first(actor.id, key, "")
    if existing is not None and existing.idempotency_fingerprint != fingerprint:
        raise Conflict(
            "同一幂等键对应了不同的内容 / Idempotency-Key reused with a different request", code="idempotency_mismatch"
        )
    return existing


def _desk_phone(actor: User, caller_phone: str) -> str:
    """Only the desk takes calls; the caller's number without spaces, checked."""
    if actor.role not in CREATE_ROLES:
        raise PermissionDenied("只有话务员可以新建工单 / only the desk creates tickets")
    phone = re.sub(r"\s", "", caller_phone or "")
    if not PHONE_PATTERN.match(phone):
        raise ValidationFailed(
            "来电号码格式不对 / caller_phone is not a phone number", details=[{"field": "caller_phone"}]
        )
    return phone


def _bounded(name: str, value: object, limit: int) -> str:
    """The text as given (trimmed where noted), refused by name when longer than its column: never cut."""
    text = "" if value is None else str(value)
    if len(text) > limit:
        raise ValidationFailed(
            f"{name} 过长（最多 {limit} 个字符） / {name} is longer than {limit} characters",
            code=ErrorCode.FIELD_TOO_LONG,
            details=[{"field": name, "max_length": limit}],
        )
    return text


def idempotency_key_checked(key: str | None) -> str:
    """The Idempotency-Key header trimmed; longer than the stored key is a 422, so two keys never collide."""
    return _bounded("Idempotency-Key", (key or "").strip(), IDEMPOTENCY_KEY_MAX)


def _intake_checked(actor: User, call: TicketIntake) -> TicketIntake:
    """The call with its codes checked and its text normalised; leaks and flooding are urgent (DESIGN §3)."""
    phone = _desk_phone(actor, call.caller_phone)
    category = _choice(call.category, Category, "category")
    urgency = Urgency.URGENT if category in URGENT_CATEGORIES else _choice(call.urgency, Urgency, "urgency", "normal")
    text = {name: _bounded(name, getattr(call, name), limit) for name, limit in FIELD_LIMITS.items()}
    for name in ("building", "unit", "room"):
        text[name] = _bounded(name, text[name].strip(), FIELD_LIMITS[name])
    return replace(
        call,
        caller_phone=phone,
        category=category,
        kind=_choice(call.kind, Kind, "kind"),
        urgency=urgency,
        channel=_choice(call.channel, Channel, "channel", Channel.PHONE),
        **text,
        idempotency_key=idempotency_key_checked(call.idempotency_key),
        incident=_bounded("incident", (call.incident or "").strip(), 20),
        related_to=_bounded("related_to", (call.related_to or "").strip(), 20),
    )


def intake_route(call: TicketIntake) -> Route:
    """Where the call goes (compound, building, station); an address neither resolved nor chosen is refused."""
    route = ticket_route(
        address=call.address,
        compound_code=call.compound,
        building=call.building,
        unit=call.unit,
        room=call.room,
        station_code=call.station,
    )
    if route.compound is None and route.station is None:
        raise ValidationFailed(
            "地址无法确定，请选择小区或供暖所 / address is uncertain: choose a compound or station",
            code="address_uncertain",
            details={"candidates": route.candidates},
        )
    return route


def _related_target(call: TicketIntake, route) -> Ticket | None:
    """关联 (related), not a repeat: another household's open ticket in the same building."""
    if not call.related_to:
        return None
    target = first_of(Ticket.objects.filter(number=call.related_to))
    same_building = (
        target is not None
        and route.compound is not None
        and target.compound_id == route.compound.id
        and target.building == route.building[:10]
    )
    if target is None or not target.is_open or not same_building:
        raise ValidationFailed(
            f"关联工单 {call.related_to} 不是同楼其他住户的未办结工单 / related_to must be an open ticket of the "
            "same building",
            code="related_invalid",
            details=[{"field": "related_to"}],
        )
    if target.caller_phone == call.caller_phone:
        raise ValidationFailed(
            "同一来电人再次来电是重复来电，请用 repeat_of / the same caller again is a repeat call: use repeat_of",
            code="related_invalid",
            details=[{"field": "related_to"}],
        )
    return target


def _ticket_open(
    *, actor: User, call: TicketIntake, route, fingerprint: str, snapshot: dict
) -> tuple[Ticket, TicketEvent]:
    """Insert the received ticket, owned by its creator (首问负责制), with its dispatch clock and create event.
    A call attached to an incident runs no clock of its own: the incident's repair ticket carries them."""
    now = clock.now()
    attached = bool(call.incident)
    related = _related_target(call, route)
    ticket = Ticket.objects.create(
        number=ticket_number_next(at=now),
        kind=call.kind,
        category=call.category,
        urgency=call.urgency,
        channel=call.channel,
        caller_phone=call.caller_phone,
        caller_name=call.caller_name,
        description=call.description,
        address=call.address,
        compound=route.compound,
        district=route.compound.district if route.compound else None,
        building=route.building[:10],
        unit=route.unit[:10],
        room=route.room[:10],
        substation=route.substation,
        station=route.station,
        routing_confidence=route.confidence,
        owner=actor,
        created_by=actor,
        sla=snapshot,
        created_at=now,
        updated_at=now,
        dispatch_deadline=None if attached else policy.deadline(start=now, snapshot=snapshot, stage=Stage.DISPATCH),
        incident_code=call.incident,
        incident_open=attached,
        related_to=related,
        idempotency_key=call.idempotency_key,
        idempotency_fingerprint=fingerprint if call.idempotency_key else "",
    )
    # One rule: text the operator confirmed for a compound the resolver was not sure of becomes an alias.
    if route.alias_to_learn:
        compound_alias_learn(compound=route.compound, text=route.alias_to_learn)
    if not attached:
        handlers.clock_start(ticket, Stage.DISPATCH, now, first=True)
    station, compound = route.station, route.compound
    data = {"category": call.category, "urgency": call.urgency, "channel": call.channel}
    if attached:
        data["incident"] = call.incident
    if related is not None:
        data["related_to"] = related.number
    data.update(station=station.code if station else None, compound=compound.code if compound else None)
    event = event_record(
        ticket=ticket, kind=TicketEventKind.CREATE, actor=actor, at=now, data={**data, "confidence": route.confidence}
    )
    return ticket, event


def ticket_intake(
    *,
    actor: User,
    call: TicketIntake,
    guidance: GuidanceOutcome | None = None,
    dispatch: bool = False,
    route: Route | None = None,
) -> TicketCreateResult:
    """Take a call: open the ticket routed from its address, record the phone guidance, dispatch it — all in
    one transaction, so a refused guidance or dispatch leaves no ticket behind. A replay with the same
    idempotency key returns the first result and changes nothing.

    The checks, the replay lookup and the routing only read, and run before the transaction opens: on
    SQLite the transaction holds the database's one write lock, for the writes alone. `route` is this very
    call's routing when the caller already looked it up (the API's register check), so it is not done twice."""
    call = _intake_checked(actor, call)
    if guidance is not None and guidance.solved and dispatch:
        raise ValidationFailed("电话指导已解决，无需派单 / guidance solved the call: nothing to dispatch")
    if call.incident and dispatch:
        raise ValidationFailed(
            "关联停热事件的来电不单独派单 / a call attached to an incident is not dispatched on its own",
            code="incident_call_not_dispatched",
        )
    guide = (
        None if guidance is None else {"solved": guidance.solved, "steps": list(guidance.steps), "note": guidance.note}
    )
    request = {name: value for name, value in asdict(call).items() if name != "idempotency_key"}
    fingerprint = _fingerprint({**request, "dispatch": dispatch, **({"guidance": guide} if guide else {})})
    key = call.idempotency_key
    if key and (existing := _idempotent_replay(actor=actor, key=key, fingerprint=fingerprint)):
        return TicketCreateResult(ticket=existing, created=False)
    route = route or intake_route(call)
    snapshot = policy.policy_snapshot(urgency=call.urgency)  # read outside the write lock, like the routing
    try:
        with transaction.atomic():
            ticket, event = _ticket_open(
                actor=actor, call=call, route=route, fingerprint=fingerprint, snapshot=snapshot
            )
            events = [event]
            if guide is not None:
                events.append(_apply(ticket=ticket, actor=actor, action=Action.GUIDE, payload=guide))
            if dispatch:
                events.append(_apply(ticket=ticket, actor=actor, action=Action.DISPATCH, payload={}))
            result = TicketCreateResult(ticket=ticket, created=True, events=events)
    except IntegrityError:
        existing = _idempotent_replay(actor=actor, key=key, fingerprint=fingerprint) if key else None
        if existing is None:
            raise
        return TicketCreateResult(ticket=existing, created=False)
    return result


def ticket_repeat_call_register(
    *, actor: User, number: str, caller_phone: str, note: str = "", idempotency_key: str = ""
) -> TicketCreateResult:
    """Attach a repeat call (重复来电) to an open ticket, which urges it; replays with the same key do nothing."""
    phone = _desk_phone(actor, caller_phone)
    key = idempotency_key_checked(idempotency_key)
    with transaction.atomic():
        # The row lock comes before the replay check: concurrent calls with one key queue here, and each
        # after the first finds the first one's event (ten at once recorded up to five urges otherwise).
        target = first_of(
            ticket_list_visible_to(user=actor)
            .filter(number=number)
            .select_related(None)
            .select_for_update(of=("self",))
        )
        if target is None:
            raise ValidationFailed(
                f"重复来电的工单 {number} 不存在 / repeat_of {number} not found", details=[{"field": "repeat_of"}]
            )
        if key and target.events.filter(actor=actor, data__idempotency_key=key).exists():
            return TicketCreateResult(ticket=target, created=False, repeat_call=True)
        if not target.is_open:
            raise ValidationFailed(
                "该工单已办结，请新建工单 / that ticket is closed: open a new one",
                code=ErrorCode.REPEAT_OF_CLOSED,
                details=[{"field": "repeat_of"}],
            )
        payload = {"note": note or "市民重复来电", "repeat_call": True, "caller_phone": phone, "idempotency_key": key}
        ticket = ticket_act(actor=actor, number=number, action=Action.URGE, payload=payload)
    return TicketCreateResult(ticket=ticket, created=False, repeat_call=True)


def tickets_resolve_for_incident(*, actor: User | None, incident_code: str, note: str) -> int:
    """Heat is back (停热事件恢复): every attached call still waiting moves to resolved (待回访) with its
    callback clock and one event each, and no attached call waits for the incident any more. Runs inside
    the incidents service's transaction; returns how many calls moved."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("tickets_resolve_for_incident must run inside the incident's transaction")
    return handlers.incident_calls_resolve(incident_code=incident_code, actor=actor, at=clock.now(), note=note)


def tickets_attach_to_incident(*, actor: User, numbers: list[str], incident_code: str) -> list[str]:
    """Calls taken before the incident was declared join it (one event each): those still with the desk
    wait for the incident's repair (their dispatch clock stops); those already dispatched stay in hand and
    are counted. Runs inside the incidents service's transaction; returns the numbers attached."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("tickets_attach_to_incident must run inside the incident's transaction")
    now = clock.now()
    attached = []
    tickets = Ticket.objects.filter(number__in=numbers, incident_code="").select_for_update(of=("self",))
    for ticket in tickets.order_by("id"):
        if not ticket.is_open:
            continue
        waiting = ticket.first_dispatched_at is None and ticket.status == TicketStatus.RECEIVED
        ticket.incident_code = incident_code
        ticket.incident_open = waiting
        if waiting:
            ticket.dispatch_deadline = None
            sla_clocks.sla_clock_meet(ticket_id=ticket.id, stage=Stage.DISPATCH, at=now)
        ticket.updated_at = now
        ticket.save(update_fields=["incident_code", "incident_open", "dispatch_deadline", "updated_at"])
        event_record(
            ticket=ticket,
            kind=TicketEventKind.INCIDENT,
            actor=actor,
            at=now,
            data={"incident": incident_code, "waiting": waiting},
        )
        attached.append(ticket.number)
    return attached


def _related(ticket: Ticket) -> list[Ticket]:
    return ticket_open_related(
        caller_phone=ticket.caller_phone, compound_id=ticket.compound_id, building=ticket.building, exclude_id=ticket.id
    )


def _check_allowed(*, ticket: Ticket, actor: User, action: str, now: dt.datetime) -> None:
    """The table's word (role, station, status, guards): the same rules `ticket_actions_available` lists."""
    if action not in TRANSITIONS:
        raise NotFound(f"未知操作 {action} / unknown action {action}", code="unknown_action")
    refusal = action_refusal(user=actor, ticket=ticket, action=action, now=now)
    if refusal is not None:
        raise refusal.as_error()


def _apply(*, ticket: Ticket, actor: User, action: str, payload: dict) -> TicketEvent:
    """Check, change, log: the body of the one door. Runs inside the caller's transaction with the row locked.
    Changes `ticket` in place; returns the event it wrote."""
    now = clock.now()
    _check_allowed(ticket=ticket, actor=actor, action=action, now=now)
    before = ticket.status
    columns = Ticket._meta.concrete_fields
    values_before = [getattr(ticket, column.attname) for column in columns]
    data = handlers.HANDLERS[action](handlers.ActionContext(ticket=ticket, actor=actor, payload=payload, now=now))
    after = None if ticket.status == before else ticket.status
    if after not in TRANSITIONS[action].targets:
        raise AssertionError(f"{action} moved {before} → {ticket.status}, outside the table")
    ticket.updated_at = now
    # Write only what the handler changed: the ticket row is wide and most actions touch two columns.
    changed = [c.attname for c, old in zip(columns, values_before, strict=True) if getattr(ticket, c.attname) != old]
    ticket.save(update_fields=changed)
    return event_record(ticket=ticket, kind=action, actor=actor, at=now, data=data)


def _locked_in_scope(lookup: str) -> PreparedQuery[Ticket]:
    """The ticket row by number, locked (FOR UPDATE OF the ticket alone), within one kind of scope; handlers
    need only its station and company joined. Every action runs it: compiled once per kind of scope."""

    def build(number: str, *scope_value: object) -> QuerySet[Ticket]:
        found = Ticket.objects.select_related("station__company").filter(number=number)
        if lookup:
            found = found.filter(**{lookup: scope_value[0]})
        return found.select_for_update(of=("self",)).order_by()[:1]

    return PreparedQuery(Ticket, build, for_write=True)


_LOCKS: dict[str, PreparedQuery[Ticket]] = {}  # by the lookups selectors.ticket_scope gives, made on first use


def _ticket_locked(*, actor: User, number: str) -> Ticket | None:
    """The ticket the actor may see, its row locked until the transaction ends; None when there is none."""
    scope = ticket_scope(user=actor)
    if scope is None:
        return None
    lookup, value = scope
    if lookup and value is None:  # a scoped account without its organisation: the plain query says what it sees
        visible = tickets_scoped(Ticket.objects.select_related("station__company"), user=actor)
        return first_of(visible.filter(number=number).select_for_update(of=("self",)))
    query = _LOCKS.get(lookup) or _LOCKS.setdefault(lookup, _locked_in_scope(lookup))
    return query.first(number, *([value] if lookup else []))


def ticket_act(*, actor: User, number: str, action: str, payload: dict | None = None) -> Ticket:
    """Apply one lifecycle action: lock the row, check status, role and scope, change, write one event.

    Refused actions raise a DomainError and change nothing (no ticket change, no event, no message).
    """
    with transaction.atomic():
        ticket = _ticket_locked(actor=actor, number=number)
        if ticket is None:
            raise NotFound(f"工单 {number} 不存在或无权查看 / ticket {number} not found")
        _apply(ticket=ticket, actor=actor, action=action, payload=dict(payload or {}))
        return ticket
