"""What the listing offers is exactly what the door accepts (Hypothesis).

Random tickets are driven through random accepted actions by random demo users; at every step one
(user, action) pair is probed: if `ticket_actions_available` lists it, `ticket_act` with a valid payload
for that action must accept it; if not, the door must refuse it and change nothing.
"""

import datetime as dt

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from heatdesk.core import clock
from heatdesk.core.errors import DomainError
from heatdesk.tickets import services
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.selectors import ticket_actions_available
from heatdesk.tickets.states import TEMPERATURE_EVIDENCE_CATEGORIES, TRANSITIONS, Action, callback_retry_refusal

USERS = [
    "80725",
    "80720",
    "lead",
    "regulator",
    "admin",
    "station-cf-qiaokao",
    "station-ft-guanghua",
    "company-chengfa",
    "company-futai",
    "community-guangmingxiaoqu",
]
ACTIONS = list(TRANSITIONS)
SIDE_ACTIONS = {Action.NOTE, Action.URGE, Action.TRANSFER, Action.MERGE}
START = dt.datetime(2026, 12, 5, 8, tzinfo=dt.UTC)


def valid_payload(data, action: str, ticket: Ticket, other: Ticket) -> dict:
    """A payload the handler accepts for this ticket now (DESIGN §8 bodies)."""
    now = clock.now()
    if action == Action.GUIDE:
        return {"solved": data.draw(st.booleans()), "steps": ["放气"], "note": "试过"}
    if action == Action.DISPATCH:
        return data.draw(st.sampled_from([{}, {}, {"station": "cf-qiaokao"}, {"station": "ft-guanghua"}]))
    if action == Action.ARRIVE:
        # A cold home's arrival carries its indoor temperature (required evidence); others may omit it.
        cold = ticket.category in TEMPERATURE_EVIDENCE_CATEGORIES
        return data.draw(st.sampled_from([{"indoor_temp": 16}] if cold else [{}, {"indoor_temp": 16}]))
    if action == Action.RESOLVE:
        return {"cause": "valve", "indoor_temp": 19, "note": ""}
    if action == Action.RETURN:
        return {"reason": "非本所"}
    if action == Action.EXTEND:
        base = max(now, ticket.resolution_deadline or now)
        return {"until": (base + dt.timedelta(days=1)).isoformat(), "reason": "等配件"}
    if action == Action.APPROVE_EXTENSION:
        return {"approved": data.draw(st.booleans())}
    if action == Action.CALLBACK:
        answers = [
            {"reached": True, "contacted": True, "fixed": True, "satisfaction": "satisfied"},
            {"reached": True, "contacted": True, "fixed": False, "satisfaction": "not_satisfied"},
        ]
        if callback_retry_refusal(ticket, now) is None:  # an unreached try needs 30 minutes since the last
            answers += [{"reached": False}] * 2
        return data.draw(st.sampled_from(answers))
    if action == Action.TRANSFER:
        return {"to": "80720" if ticket.owner.username != "80720" else "80725", "reason": "换班"}
    if action == Action.MERGE:
        return {"into": other.number}
    return {"note": "记录"}


def snapshot(ticket: Ticket) -> tuple:
    fresh = Ticket.objects.get(id=ticket.id)
    return tuple(getattr(fresh, f.attname) for f in Ticket._meta.concrete_fields), fresh.events.count()


def reload(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("station", "station__company", "compound", "owner").get(id=ticket.id)


def _pick(data, listed: dict[str, list[str]]) -> tuple[str, str]:
    """Mostly an action that moves the ticket on (so tickets travel deep), by someone who is offered it;
    now and then a side action (note, urge, transfer, merge: a merge ends the story) or any pair at all."""
    offered = sorted({action for actions in listed.values() for action in actions})
    onward = [action for action in offered if action not in SIDE_ACTIONS]
    roll = data.draw(st.integers(0, 9))
    if onward and roll < 7:
        action = data.draw(st.sampled_from(onward))
    elif offered and roll < 8:
        action = data.draw(st.sampled_from(offered))
    else:
        return data.draw(st.sampled_from(USERS)), data.draw(st.sampled_from(ACTIONS))
    return data.draw(st.sampled_from([name for name in USERS if action in listed[name]])), action


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_an_action_is_listed_if_and_only_if_the_door_accepts_it(users, make_ticket, time_machine, data):
    time_machine.move_to(START, tick=False)
    other = make_ticket(caller_phone="13000000000")
    ticket = make_ticket()
    now = START
    for _ in range(data.draw(st.integers(12, 30))):
        now += dt.timedelta(minutes=data.draw(st.sampled_from([5, 20, 31, 90, 600])))
        time_machine.move_to(now, tick=False)
        ticket = reload(ticket)
        listed = {name: ticket_actions_available(user=users[name], ticket=ticket) for name in USERS}
        username, action = _pick(data, listed)
        payload = valid_payload(data, action, ticket, other)
        before = snapshot(ticket)
        event(f"{ticket.status} {action} {action in listed[username]}")
        if action in listed[username]:
            services.ticket_act(actor=users[username], number=ticket.number, action=action, payload=payload)
            assert snapshot(ticket)[1] == before[1] + 1
        else:
            with pytest.raises(DomainError):
                services.ticket_act(actor=users[username], number=ticket.number, action=action, payload=payload)
            assert snapshot(ticket) == before


def test_the_api_listing_agrees_with_the_door_for_a_callback_by_a_non_owner(users, make_ticket, act):
    """An operator who does not own the ticket is not offered the callback the door refuses (issue 10)."""
    ticket = make_ticket(dispatch=True)
    act("station-cf-qiaokao", ticket, "accept")
    act("station-cf-qiaokao", ticket, "arrive", indoor_temp=16)
    ticket = act("station-cf-qiaokao", ticket, "resolve", cause="valve")
    assert Action.CALLBACK in ticket_actions_available(user=users["80725"], ticket=ticket)
    assert Action.CALLBACK not in ticket_actions_available(user=users["80720"], ticket=ticket)
    assert Action.APPROVE_EXTENSION not in ticket_actions_available(user=users["lead"], ticket=ticket)
    with pytest.raises(DomainError) as refused:
        act("80720", ticket, "callback", reached=True, contacted=True, fixed=True, satisfaction="satisfied")
    assert refused.value.code == "permission_denied"
