"""Each crew step names who did it on the ticket and crew views (the actor's name as accounts model it:
job number and display name); the citizen's status page still names nobody."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from heatdesk.accounts.models import Role
from heatdesk.geo.models import Station
from heatdesk.web.tests.conftest import act, new_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def crew_member(demo_city):
    return get_user_model().objects.create_user(
        username="qk-07",
        password="x" * 12,
        role=Role.STATION,
        station=Station.objects.get(code="cf-qiaokao"),
        job_number="Q07",
        display_name="维修员",
    )


def test_the_ticket_and_crew_views_name_who_accepted_departed_and_arrived(page_as, crew_member):
    # Given crew member Q07 accepts, departs and arrives, and the station's shared account resolves
    ticket = new_ticket(phone="13700004321", description="客厅暖气不热")
    act(crew_member.username, ticket, "accept")
    act(crew_member.username, ticket, "depart")
    act(crew_member.username, ticket, "arrive", indoor_temp="15")
    act("station-cf-qiaokao", ticket, "resolve", cause="air_lock", indoor_temp="19")
    # When the lead opens the ticket and the crew opens its phone view
    lead_html = page_as("lead").get(f"/tickets/{ticket.number}/").content.decode()
    crew = Client()
    crew.force_login(crew_member)
    crew_html = crew.get(f"/station/tickets/{ticket.number}/").content.decode()
    # Then each step names who did it
    for html in (lead_html, crew_html):
        for step in ("accept", "depart", "arrive"):
            assert f'data-step-actor="{step}">Q07 维修员</span>' in html, step
        assert 'data-step-actor="resolve">桥靠供暖所</span>' in html


def test_the_citizens_status_page_names_no_crew_member(crew_member):
    ticket = new_ticket(phone="13800005678")
    act(crew_member.username, ticket, "accept")
    html = Client().post(f"/s/{ticket.number}", {"digits": "5678"}).content.decode()
    assert "已接单" in html
    assert "Q07" not in html
    assert "维修员" not in html
