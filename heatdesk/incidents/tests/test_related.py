"""Related (关联), not repeat: another household of the same building is linked; the same caller urges."""

from __future__ import annotations

import pytest

from heatdesk.core.errors import DomainError
from heatdesk.incidents.tests.conftest import call
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.services import ticket_intake, ticket_repeat_call_register

pytestmark = pytest.mark.django_db


def test_another_household_of_the_building_is_linked_and_both_stay_tickets(users, api_as):
    first = ticket_intake(actor=users["80725"], call=call(phone="13800001111", room="501")).ticket
    api = api_as("80720")

    response = api.post(
        "tickets",
        {
            "caller_phone": "13800002222",
            "compound": "lanjuexiaoqu",
            "building": "3",
            "unit": "1",
            "room": "602",
            "category": "not_warm",
            "related_to": first.number,
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["related"] == [first.number]
    assert body["repeat_call"] is False
    assert api.get(f"tickets/{first.number}").json()["related"] == [body["number"]]
    assert Ticket.objects.count() == 2
    assert Ticket.objects.get(number=first.number).urge_count == 0


def test_the_same_caller_again_is_a_repeat_call_that_urges_not_a_related_ticket(users):
    first = ticket_intake(actor=users["80725"], call=call(phone="13800001111")).ticket

    with pytest.raises(DomainError) as refused:
        ticket_intake(actor=users["80725"], call=call(phone="13800001111", related_to=first.number))
    assert refused.value.code == "related_invalid"
    repeat = ticket_repeat_call_register(actor=users["80725"], number=first.number, caller_phone="13800001111")

    assert repeat.repeat_call
    assert repeat.ticket.urge_count == 1
    assert Ticket.objects.count() == 1


def test_a_ticket_of_another_building_is_not_related(users):
    first = ticket_intake(actor=users["80725"], call=call(phone="13800001111", building="3")).ticket

    with pytest.raises(DomainError) as refused:
        ticket_intake(actor=users["80725"], call=call(phone="13800003333", building="9", related_to=first.number))
    assert refused.value.code == "related_invalid"
    assert Ticket.objects.count() == 1
