from __future__ import annotations

import datetime as dt

import pytest

from heatdesk.accounts.models import User
from heatdesk.core import clock
from heatdesk.incidents import services
from heatdesk.tickets.services import TicketIntake

LANJUE = "lanjuexiaoqu"  # 蓝爵小区, cf-qiaokao, substation qiaokao 1
BEIER = "beierluxiaoqu"  # 贝尔路小区, same station and substation
FULI = "fulihuayuan"  # 富丽花园, cf-qiaokao, another substation


@pytest.fixture
def users(demo_city):
    class Users:
        def __getitem__(self, username):
            return User.objects.get(username=username)

    return Users()


@pytest.fixture
def declare(users):
    """declare(compounds=[...], buildings={...}, by="lead") → an open incident."""

    def make(compounds=(LANJUE,), buildings=None, by="lead", **fields):
        declaration = services.IncidentDeclaration(
            compounds=tuple(compounds),
            buildings=buildings or {},
            cause=fields.pop("cause", "换热站循环泵故障"),
            expected_restore_at=fields.pop("expected_restore_at", clock.now() + dt.timedelta(hours=4)),
            **fields,
        )
        return services.incident_declare(actor=users[by], declaration=declaration)

    return make


def call(phone: str = "13800001111", compound: str = LANJUE, building: str = "3", room: str = "501", **fields):
    return TicketIntake(
        caller_phone=phone, category="no_heat", compound=compound, building=building, unit="1", room=room, **fields
    )
