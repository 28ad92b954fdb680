"""The station's board and the crew's view."""

import pytest

from heatdesk.web.tests.conftest import OTHER_STATION_USER, STATION_USER, act, new_ticket

pytestmark = pytest.mark.django_db


def test_the_board_shows_new_tickets_to_accept_and_polls_for_more(page_as):
    ticket = new_ticket(category="leak")

    page = page_as(STATION_USER).get("/station/").content.decode()

    assert 'hx-get="/station/board/?v=' in page
    assert 'hx-trigger="every 3s"' in page
    assert ticket.number in page
    assert "新" in page
    assert "紧急" in page
    assert f'action="/tickets/{ticket.number}/act/accept/"' in page


def test_the_board_fragment_moves_an_accepted_ticket_to_in_hand(page_as):
    ticket = new_ticket()
    act(STATION_USER, ticket, "accept")
    act(STATION_USER, ticket, "depart")

    fragment = page_as(STATION_USER).get("/station/board/").content.decode()

    working = fragment.split('id="lane-working"')[1].split('id="lane-done"')[0]
    assert ticket.number in working
    assert "已出发" in working


def test_urgent_tickets_come_first_on_the_board(page_as):
    normal = new_ticket(phone="13900000011")
    urgent = new_ticket(phone="13900000012", category="leak")

    fragment = page_as(STATION_USER).get("/station/board/").content.decode()

    assert fragment.index(urgent.number) < fragment.index(normal.number)


def test_another_stations_board_does_not_show_the_ticket(page_as):
    ticket = new_ticket()

    assert ticket.number not in page_as(OTHER_STATION_USER).get("/station/board/").content.decode()
    assert page_as(OTHER_STATION_USER).get(f"/station/tickets/{ticket.number}/").status_code == 404


def test_the_crew_view_is_made_for_a_phone(page_as):
    ticket = new_ticket(phone="13912345678")

    page = page_as(STATION_USER).get(f"/station/tickets/{ticket.number}/").content.decode()

    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert 'href="tel:13912345678"' in page  # the assigned station calls the citizen in one tap
    assert 'accept="image/*" capture="environment"' in page
    assert "返回看板" in page
    assert 'name="crew" value="1"' in page


def test_the_board_poll_answers_nothing_until_the_board_changes(page_as):
    new_ticket(phone="13900000013")
    client = page_as(STATION_USER)
    version = client.get("/station/").content.decode().split("/station/board/?v=")[1].split('"')[0]
    version = version.replace("%3A", ":")

    assert client.get("/station/board/", {"v": version}).status_code == 204
    arrived = new_ticket(phone="13900000014")

    changed = client.get("/station/board/", {"v": version})
    assert changed.status_code == 200
    assert arrived.number in changed.content.decode()


def test_the_board_poll_sends_only_the_changed_cards_and_each_lanes_order(page_as):
    import datetime as dt

    from heatdesk.core import clock
    from heatdesk.tickets.models import Ticket

    old = [new_ticket(phone=f"1390000002{i}") for i in range(3)]
    Ticket.objects.filter(id__in=[t.id for t in old]).update(updated_at=clock.now() - dt.timedelta(hours=1))
    since = clock.now().timestamp()
    arrived = new_ticket(phone="13900000029", category="leak")
    client = page_as(STATION_USER)

    diff = client.get("/station/board/", {"v": "old", "since": f"{since}"}, headers={"X-Board-Diff": "1"})

    assert diff["Content-Type"].startswith("application/json")
    body = diff.json()
    newest_first = [arrived.number] + [t.number for t in reversed(old)]  # the 待接单 lane: newest first
    assert body["lanes"]["waiting"] == {"count": 4, "order": newest_first}
    assert arrived.number in body["html"]
    assert all(t.number not in body["html"] for t in old)
    assert 'data-waiting-count="4">4</span>' in body["html"]  # the lane's header count
    assert len(body["html"]) < len(client.get("/station/board/").content) / 2
    assert float(diff["X-Board-Since"]) >= since
    assert client.get("/station/board/", {"v": diff["X-Board-Version"]}).status_code == 204
