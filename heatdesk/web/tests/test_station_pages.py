"""The station's board and the crew's view."""

import pytest

from heatdesk.web.tests.conftest import OTHER_STATION_USER, STATION_USER, act, new_ticket, resolved_ticket

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


@pytest.mark.parametrize("since", ["nan", "inf", "-inf", "1e300", "-1e300", "x"])
def test_a_board_poll_with_a_stamp_that_is_no_time_gets_the_whole_board_not_a_500(page_as, since):
    ticket = new_ticket(phone="13900000031")
    client = page_as(STATION_USER)

    response = client.get("/station/board/", {"v": "old", "since": since}, headers={"X-Board-Diff": "1"})

    assert response.status_code == 200
    assert ticket.number in response.content.decode()


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


def _ticket_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if "tickets_ticket" in q["sql"]]


def test_the_unchanged_poll_reads_the_tickets_once_however_long_the_stations_history(page_as):
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from heatdesk.core import clock
    from heatdesk.tickets.models import Ticket

    # given a station with open work and a long closed history
    template = resolved_ticket(phone="13900000031")
    new_ticket(phone="13900000032")
    Ticket.objects.filter(id=template.id).update(status="closed", closed_at=clock.now())
    template.refresh_from_db()
    old = clock.now() - dt.timedelta(days=20)
    skip = {"id", "number", "idempotency_key", "idempotency_fingerprint"}
    values = {f.attname: getattr(template, f.attname) for f in Ticket._meta.concrete_fields if f.name not in skip}
    values.update(resolved_at=old, closed_at=old, updated_at=old, created_at=old)
    Ticket.objects.bulk_create(Ticket(**values, number=f"H{i:07d}") for i in range(300))
    client = page_as(STATION_USER)
    version = client.get("/station/board/")["X-Board-Version"]

    # when the board polls and nothing changed
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/station/board/", {"v": version})

    # then it answers 204 after one statement on the tickets, which seeks the station's newest change
    assert response.status_code == 204
    reads = _ticket_reads(ctx.captured_queries)
    assert len(reads) == 1, reads
    assert "ORDER BY updated_at DESC LIMIT 1" in reads[0]


def test_the_poll_sees_a_card_resolved_today_and_only_it(page_as):
    # given a board drawn with two tickets in hand
    done, other = new_ticket(phone="13900000041"), new_ticket(phone="13900000042")
    for ticket in (done, other):
        act(STATION_USER, ticket, "accept")
    client = page_as(STATION_USER)
    first = client.get("/station/board/")
    act(STATION_USER, done, "arrive", indoor_temp="15")
    act(STATION_USER, done, "resolve", cause="air_lock", indoor_temp="19")

    # when the page's poll asks what changed since its last answer
    params = {"v": first["X-Board-Version"], "since": first["X-Board-Since"]}
    diff = client.get("/station/board/", params, headers={"X-Board-Diff": "1"}).json()

    # then the resolved card moved to 今日已处置 and is the one card sent (the margin re-sends the
    # accepts, which happened within it)
    assert diff["lanes"]["done"] == {"count": 1, "order": [done.number]}
    assert diff["lanes"]["working"]["order"] == [other.number]
    done_lane = diff["html"].split('id="lane-done"')[1]
    assert done.number in done_lane
    assert client.get("/station/board/", {"v": diff["version"]}).status_code == 204


def test_the_board_version_is_the_stations_alone(page_as):
    from heatdesk.core import clock
    from heatdesk.core.errors import PermissionDenied
    from heatdesk.web.selectors import station_board_version
    from heatdesk.web.tests.conftest import user

    with pytest.raises(PermissionDenied):
        station_board_version(user=user("80725"), since=clock.now())
