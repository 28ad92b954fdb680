"""Every door that opens a ticket yields the caller's "received" SMS — queued by the worker's chore from
the event log, never inside the request's transaction, and once however often the chore runs."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from heatdesk.feedback.cursor import sms_from_events
from heatdesk.feedback.models import SmsMessage
from heatdesk.geo.models import Compound
from heatdesk.open311.services import open311_client_create
from heatdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db
DAY = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Hohhot
ADDRESS = "回民区蓝爵小区3号楼2单元501"


def _signed_in(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _by_api(api_as) -> list[str]:
    body = {"caller_phone": "13800000001", "category": "not_warm", "address": ADDRESS, "dispatch": True}
    response = api_as("80725").post("tickets", body)
    assert response.status_code == 201, response.content
    return [response.json()["number"]]


def _by_desk_form(api_as) -> list[str]:
    form = {
        "caller_phone": "13800000002",
        "address": ADDRESS,
        "building": "3",
        "unit": "2",
        "room": "502",
        "category": "not_warm",
        "urgency": "normal",
        "kind": "help",
        "channel": "phone",
        "description": "卧室暖气不热",
        "idempotency_key": "form-sms",
        "submit": "dispatch",
    }
    response = _signed_in("80725").post("/desk/", form)
    assert response.status_code == 302, response.content.decode()[:500]
    return [re.search(r"created=(GR\d+)", response["Location"]).group(1)]


def _by_open311(api_as) -> list[str]:
    _client, key = open311_client_create(name="市民App")
    form = {
        "api_key": key,
        "service_code": "not_warm",
        "address_string": ADDRESS,
        "description": "暖气片只有上面热",
        "attribute[indoor_temp]": "15.5",
        "attribute[scope]": "whole_home",
        "phone": "13800000003",
    }
    response = Client().post("/open311/v2/requests.json", form)
    assert response.status_code == 200, response.content
    return [response.json()[0]["service_request_id"]]


def _community_user(api_as) -> tuple[str, str]:
    compound = Compound.objects.get(name="蓝爵小区")
    community = get_user_model().objects.get(role="community", community=compound.community).username
    stewards = {
        "enterprise": {"name": "王供热", "phone": "13900000001"},
        "community": {"name": "李社区", "phone": "13900000002"},
        "grid": [],
    }
    assert api_as(community).put(f"community/compounds/{compound.code}/stewards", stewards).status_code == 200
    return community, compound.code


def _by_community_visit(api_as) -> list[str]:
    community, compound = _community_user(api_as)
    visit = {"compound": compound, "building": "3", "unit": "2", "room": "601", "indoor_temp": 16.0, "note": ""}
    response = api_as(community).post("community/visits", visit)
    assert response.status_code == 201, response.content
    return [response.json()["ticket"]]


def _by_ledger(api_as) -> list[str]:
    community, compound = _community_user(api_as)
    households = [{"building": "7", "unit": "1", "room": room} for room in ("101", "102")]
    body = {"compound": compound, "title": "7号楼老旧管网", "category": "not_warm", "households": households}
    response = api_as(community).post("community/ledgers", body)
    assert response.status_code == 201, response.content
    return response.json()["tickets"]


@pytest.mark.parametrize("door", [_by_api, _by_desk_form, _by_open311, _by_community_visit, _by_ledger])
def test_every_door_that_opens_a_ticket_yields_the_received_sms_once(api_as, time_machine, door):
    time_machine.move_to(DAY, tick=False)
    numbers = door(api_as)
    tickets = list(Ticket.objects.filter(number__in=numbers))
    assert len(tickets) == len(numbers) >= 1
    assert not SmsMessage.objects.filter(ticket__in=tickets).exists()  # the request's transaction queued none

    sms_from_events()
    sms_from_events()  # a second pass (or a second worker) adds nothing

    for ticket in tickets:
        received = SmsMessage.objects.filter(ticket=ticket, kind="received")
        assert received.count() == 1, ticket.channel
        assert received.get().to == ticket.caller_phone
        assert ticket.number in received.get().text
