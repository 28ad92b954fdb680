"""停热事件 pages: list with suggestions, one-click declare, detail with calls, the wall panel, the station card."""

from __future__ import annotations

import datetime as dt

import pytest

from heatdesk.core import clock
from heatdesk.incidents import services
from heatdesk.incidents.burst import incidents_burst_check
from heatdesk.incidents.models import Incident
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.services import TicketIntake, ticket_intake
from heatdesk.web.tests.conftest import user

pytestmark = pytest.mark.django_db


def _burst(count=5):
    for i in range(count):
        call = TicketIntake(caller_phone=f"1390000{i:04d}", category="no_heat", compound="lanjuexiaoqu", building="3")
        ticket_intake(actor=user("80725"), call=call)
    return incidents_burst_check()[0]


def _declare():
    declaration = services.IncidentDeclaration(
        compounds=("lanjuexiaoqu",), cause="换热站停电", expected_restore_at=clock.now() + dt.timedelta(hours=3)
    )
    return services.incident_declare(actor=user("lead"), declaration=declaration)


def test_the_lead_declares_from_the_wall_suggestion_in_one_click(page_as):
    suggestion = _burst()
    lead = page_as("lead")
    wall = lead.get("/wall/live/").content.decode()
    assert "疑似停热" in wall
    assert suggestion.tickets[0] in wall

    response = lead.post(
        "/incidents/declare/", {"suggestion": suggestion.id, "compounds": "lanjuexiaoqu", "cause": "换热站故障"}
    )

    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/incidents/{incident.code}/"
    assert Ticket.objects.filter(incident_code=incident.code).count() == 5
    page = lead.get(f"/incidents/{incident.code}/").content.decode()
    assert "蓝爵小区" in page
    assert suggestion.tickets[0] in page
    assert "恢复供热" in page
    assert incident.code in lead.get("/wall/live/").content.decode()


def test_restore_from_the_page_moves_calls_to_callback_and_the_list_shows_it(page_as):
    incident = _declare()
    call = TicketIntake(caller_phone="13800001111", category="no_heat", compound="lanjuexiaoqu", building="3")
    number = services.incident_call_take(actor=user("80725"), code=incident.code, call=call).ticket.number

    page_as("lead").post(f"/incidents/{incident.code}/restore/", {"note": "已恢复"})

    assert Ticket.objects.get(number=number).status == "resolved"
    listing = page_as("80725").get("/incidents/").content.decode()
    assert incident.code in listing
    assert "已恢复" in listing
    assert page_as("80725").post(f"/incidents/{incident.code}/restore/").status_code == 403


def test_the_station_board_shows_the_repair_as_one_card_with_the_call_count(page_as):
    incident = _declare()
    for i in range(3):
        call = TicketIntake(caller_phone=f"1380000{i:04d}", category="no_heat", compound="lanjuexiaoqu", building="3")
        services.incident_call_take(actor=user("80725"), code=incident.code, call=call)

    board = page_as("station-cf-qiaokao").get("/station/").content.decode()

    assert incident.repair_ticket.number in board
    assert f"停热事件 {incident.code} · 3 户来电" in board
    assert board.count("tcard-top") == 1  # the calls are not on the board: the repair carries them
