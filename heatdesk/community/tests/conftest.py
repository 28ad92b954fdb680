"""Fixtures of the community tests: the demo city's 蓝爵小区 (光明小区社区, served by 桥靠供暖所 of 城发热力)
and organisations that are not its."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model

from heatdesk.geo.models import Compound


@dataclass(frozen=True)
class Cast:
    compound: str  # 蓝爵小区
    community: str  # its community's user
    other_community: str
    station: str  # serves it
    other_station: str
    company: str  # its station's company
    other_company: str
    lead: str = "lead"
    operator: str = "80725"


@pytest.fixture
def cast(demo_city) -> Cast:
    compound = Compound.objects.select_related("community", "station__company").get(name="蓝爵小区")
    users = get_user_model().objects
    mine = users.get(role="community", community=compound.community).username
    other = users.filter(role="community").exclude(community=compound.community).order_by("username").first()
    other_station = (
        users.filter(role="station").exclude(station__compounds=compound).exclude(station=compound.station).first()
    )
    other_company = users.filter(role="company").exclude(company=compound.station.company).first()
    return Cast(
        compound=compound.code,
        community=mine,
        other_community=other.username,
        station=f"station-{compound.station.code}",
        other_station=other_station.username,
        company=f"company-{compound.station.company.code}",
        other_company=other_company.username,
    )


STEWARDS = {
    "enterprise": {"name": "王供热", "phone": "13900000001"},
    "community": {"name": "李社区", "phone": "13900000002"},
    "grid": [{"name": "张网格", "phone": "13900000003"}, {"name": "赵网格", "phone": "13900000004"}],
}


@pytest.fixture
def stewarded(api_as, cast) -> Cast:
    """The compound with its stewards set by its community."""
    response = api_as(cast.community).put(f"community/compounds/{cast.compound}/stewards", STEWARDS)
    assert response.status_code == 200, response.content
    return cast


@pytest.fixture
def page_as(demo_city):
    """page_as("lead") → a Django test client signed in as that demo account."""
    from django.test import Client

    def make(username: str) -> Client:
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return make
