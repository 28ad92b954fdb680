"""Random action sequences by random users never break the lifecycle's invariants (Hypothesis)."""

import ast
import datetime as dt
import pathlib

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from heatdesk.core.errors import DomainError
from heatdesk.tickets import services
from heatdesk.tickets.models import TicketCallback
from heatdesk.tickets.states import TRANSITIONS, TicketStatus

USERS = ["80725", "80720", "lead", "regulator", "station-cf-qiaokao", "station-ft-guanghua", "company-chengfa"]
MILESTONES = ["created_at", "dispatched_at", "accepted_at", "resolved_at", "closed_at"]
PAYLOADS = {
    "guide": [{"solved": True, "steps": ["放气"]}, {"solved": False, "steps": []}],
    "dispatch": [{}, {}, {"station": "ft-guanghua"}],
    "arrive": [{"indoor_temp": 16}],
    "note": [{"note": "记录"}],
    "resolve": [{"cause": "valve", "indoor_temp": 19}],
    "return": [{"reason": "非本所"}],
    "extend": [{"until": "2027-01-01T00:00:00+08:00", "reason": "等配件"}],
    "approve-extension": [{}],
    "urge": [{"note": "快"}],
    "callback": [
        {"reached": True, "contacted": True, "fixed": True, "satisfaction": "satisfied"},
        {"reached": True, "contacted": True, "fixed": False, "satisfaction": "not_satisfied"},
        {"reached": False},
    ],
    "close-unreached": [{}],
    "transfer": [{"to": "80720", "reason": "换班"}, {"to": "80725", "reason": "换回"}],
    "merge": [{"into": "OTHER"}, {"into": "GR000000000000"}, {"into": ""}],
}
# Mostly the role that may act (so sequences reach deep states), sometimes anyone (so refusals are tried).
LIKELY_ACTOR = {
    "accept": "station-cf-qiaokao",
    "depart": "station-cf-qiaokao",
    "arrive": "station-cf-qiaokao",
    "resolve": "station-cf-qiaokao",
    "return": "station-cf-qiaokao",
    "extend": "station-cf-qiaokao",
    "approve-extension": "lead",
    "close-unreached": "lead",
    "transfer": "lead",
}
# The main loop's actions weigh more than the exits (merge), so sequences often reach callback and close.
ACTIONS = [*sorted(PAYLOADS), "accept", "depart"] + ["dispatch", "accept", "resolve", "callback"] * 4
step = st.tuples(st.sampled_from(ACTIONS), st.integers(0, 2), st.one_of(st.none(), st.sampled_from(USERS)))
steps = st.lists(step.map(lambda s: (s[2] or LIKELY_ACTOR.get(s[0], "80725"), s[0], s[1])), min_size=12, max_size=40)


def _state(ticket):
    ticket.refresh_from_db()
    return ticket.status, ticket.owner.username, {m: getattr(ticket, m) for m in MILESTONES}, ticket.events.count()


@pytest.mark.django_db
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=steps)
def test_random_action_sequences_keep_the_invariants(users, make_ticket, time_machine, sequence):
    time_machine.move_to(dt.datetime(2026, 12, 5, 8, tzinfo=dt.UTC), tick=False)
    other = make_ticket(caller_phone="13000000000")
    ticket = make_ticket()
    seen_milestones = {m: None for m in MILESTONES}
    for minute, (username, action, variant) in enumerate(sequence, start=1):
        time_machine.move_to(dt.datetime(2026, 12, 5, 8, tzinfo=dt.UTC) + dt.timedelta(minutes=47 * minute), tick=False)
        options = PAYLOADS.get(action, [{}])
        payload = dict(options[variant % len(options)])
        if payload.get("into") == "OTHER":
            payload["into"] = other.number
        status, owner, _, events = _state(ticket)
        try:
            services.ticket_act(actor=users[username], number=ticket.number, action=action, payload=payload)
            refused = False
        except DomainError:
            refused = True
        new_status, new_owner, milestones, new_events = _state(ticket)
        if refused:
            assert (new_status, new_owner, new_events) == (status, owner, events)
            continue
        # Status only changes by the table.
        rule = TRANSITIONS[action]
        assert status in rule.sources
        assert (new_status if new_status != status else None) in rule.targets
        # Every change has exactly one event.
        assert new_events == events + 1
        assert ticket.events.order_by("-at", "-id").first().kind == action
        # Ownership changes only by transfer.
        if action != "transfer":
            assert new_owner == owner
        # Milestones never go backwards: set ones are ordered, and none moves earlier.
        present = [milestones[m] for m in MILESTONES if milestones[m] is not None]
        assert present == sorted(present)
        for name, value in milestones.items():
            if value is not None and seen_milestones[name] is not None:
                assert value >= seen_milestones[name]
            seen_milestones[name] = value or seen_milestones[name]
    ticket.refresh_from_db()
    event(f"final status: {ticket.status}")
    if ticket.status == TicketStatus.CLOSED:
        confirmed = TicketCallback.objects.filter(ticket=ticket, reached=True, fixed=True).exists()
        assert confirmed or (ticket.closed_unreached and ticket.callback_attempts >= 3)


def test_nothing_but_the_one_door_assigns_a_ticket_status():
    """`.status =` and `status=` writes to tickets live only in tickets/handlers.py (called by ticket_act)."""
    root = pathlib.Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts or path.name == "handlers.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AugAssign | ast.AnnAssign)
                else []
            )
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr == "status"
                    and isinstance(target.value, ast.Name)
                    and target.value.id in {"ticket", "self", "target", "t"}
                ):
                    offenders.append(f"{path}:{node.lineno}")
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in {"update", "bulk_update"}:
                source = ast.unparse(node)
                if "status=" in source and "Ticket" in source:
                    offenders.append(f"{path}:{node.lineno}")
    assert offenders == []
