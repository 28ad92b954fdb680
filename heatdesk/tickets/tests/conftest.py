from __future__ import annotations

import pytest

from heatdesk.accounts.models import User
from heatdesk.reports.tests.conftest import desk_day  # noqa: F401 (the reports' hand-worked day, for test_import)
from heatdesk.tickets import services

LANJUE = "lanjuexiaoqu"  # 蓝爵小区, served by cf-qiaokao


@pytest.fixture
def users(demo_city):
    class Users:
        def __getitem__(self, username):
            return User.objects.get(username=username)

    return Users()


@pytest.fixture
def make_ticket(users):
    """make_ticket(**fields) → a received ticket created by operator 80725 at 蓝爵小区."""

    def make(**fields):
        defaults = {
            "caller_phone": "13800001111",
            "category": "not_warm",
            "compound": LANJUE,
            "building": "3",
            "unit": "2",
            "room": "501",
            "description": "暖气不热",
        }
        actor = fields.pop("actor", None) or users["80725"]
        dispatch = fields.pop("dispatch", False)
        call = services.TicketIntake(**{**defaults, **fields})
        return services.ticket_intake(actor=actor, call=call, dispatch=dispatch).ticket

    return make


@pytest.fixture
def act(users):
    """act("station-cf-qiaokao", ticket, "accept", **payload) → the updated ticket."""

    def do(username, ticket, action, **payload):
        return services.ticket_act(actor=users[username], number=ticket.number, action=action, payload=payload)

    return do
