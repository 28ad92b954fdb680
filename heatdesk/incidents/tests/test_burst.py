"""Burst detection: N calls behind one substation within the window suggest an incident, once per burst."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from heatdesk.core import clock
from heatdesk.incidents.burst import incidents_burst_check
from heatdesk.incidents.models import BurstSuggestion
from heatdesk.incidents.tests.conftest import BEIER, FULI, LANJUE, call
from heatdesk.incidents.worker import incidents_worker_step
from heatdesk.notify.models import OutboxMessage
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.services import ticket_intake

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 12, 20, 22, 0, tzinfo=dt.UTC)


def _calls(users, count, *, at, compound=LANJUE, first=0):
    numbers = []
    for i in range(first, first + count):
        with clock.moved_to(at + dt.timedelta(minutes=i)):
            numbers.append(ticket_intake(actor=users["80725"], call=call(phone=f"1390000{i:04d}", compound=compound)))
    return [result.ticket.number for result in numbers]


def test_five_calls_behind_one_substation_raise_one_suggestion_to_desk_and_station(users):
    numbers = _calls(users, 4, at=START, compound=LANJUE) + _calls(users, 1, at=START, compound=BEIER, first=4)

    with clock.moved_to(START + dt.timedelta(minutes=5)):
        raised = incidents_burst_check()

    assert len(raised) == 1
    suggestion = raised[0]
    assert suggestion.substation.code == "cf-qiaokao-qiaokao1haohuanrezhan"
    assert sorted(suggestion.tickets) == sorted(numbers)
    messages = OutboxMessage.objects.filter(topic="incident.suggested")
    assert {(m.org_kind, m.org_code) for m in messages} == {("desk", "city"), ("station", "cf-qiaokao")}


def test_a_burst_is_suggested_once_while_it_lasts_and_again_after_a_quiet_spell(users):
    _calls(users, 5, at=START)
    with clock.moved_to(START + dt.timedelta(minutes=5)):
        assert len(incidents_burst_check()) == 1
    _calls(users, 3, at=START + dt.timedelta(minutes=10), first=5)
    with clock.moved_to(START + dt.timedelta(minutes=20)):
        assert incidents_burst_check() == []
        assert incidents_worker_step() is False
    assert BurstSuggestion.objects.count() == 1
    assert len(BurstSuggestion.objects.get().tickets) == 8

    later = START + dt.timedelta(hours=3)
    _calls(users, 5, at=later, first=20)
    with clock.moved_to(later + dt.timedelta(minutes=5)):
        assert len(incidents_burst_check()) == 1
    assert BurstSuggestion.objects.count() == 2


def test_fewer_calls_or_calls_spread_over_substations_suggest_nothing(users):
    _calls(users, 4, at=START)
    _calls(users, 3, at=START, compound=FULI, first=10)
    with clock.moved_to(START + dt.timedelta(minutes=10)), override_settings(HEATDESK_BURST_CALLS=5):
        assert incidents_burst_check() == []
    assert not OutboxMessage.objects.filter(topic="incident.suggested").exists()


def test_declaring_from_the_suggestion_attaches_its_calls_in_one_click(users, declare):
    numbers = _calls(users, 5, at=START)
    with clock.moved_to(START + dt.timedelta(minutes=5)):
        suggestion = incidents_burst_check()[0]
        incident = declare(compounds=[LANJUE], suggestion=suggestion.id)
        assert incidents_burst_check() == []  # the declared outage needs no new suggestion

    assert set(Ticket.objects.filter(incident_code=incident.code).values_list("number", flat=True)) == set(numbers)
    suggestion.refresh_from_db()
    assert suggestion.incident == incident
