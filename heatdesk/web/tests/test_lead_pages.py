"""The desk lead's pages: 工单查询 filters, the 督办队列 panels, the wall's groups, the compact callbacks."""

import datetime as dt

import pytest
from django.utils import timezone

from heatdesk.core import clock
from heatdesk.core.errors import PermissionDenied
from heatdesk.web.selectors import TicketQuery, lead_queue, ticket_query
from heatdesk.web.tests.conftest import STATION_USER, act, new_ticket, resolved_ticket, user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_city")]

OTHER_ADDRESS = "新城区光华小区1号楼1单元101"  # 光华供暖所 (ft-guanghua)


def late(**fields):
    """Created (and by default dispatched) three hours ago: its first clock is overdue now."""
    with clock.moved_to(clock.now() - dt.timedelta(hours=3)):
        return new_ticket(**fields)


def numbers(query: TicketQuery, username: str = "lead") -> set[str]:
    return set(ticket_query(user=user(username), query=query, now=clock.now()).values_list("number", flat=True))


def extension_requested(**fields):
    ticket = new_ticket(**fields)
    act(STATION_USER, ticket, "accept")
    until = (clock.now() + dt.timedelta(days=2)).isoformat()
    return act(STATION_USER, ticket, "extend", until=until, reason="换热站检修")


def unreached_three_times(**fields):
    ticket = resolved_ticket(**fields)
    start = clock.now() - dt.timedelta(hours=3)
    for tried in range(3):
        with clock.moved_to(start + dt.timedelta(minutes=45 * tried)):
            act("80725", ticket, "callback", reached=False)
    return ticket


# ---- 工单查询 filters ------------------------------------------------------------------------------


def test_filters_by_holder_stage_and_overdue_combine():
    waiting = late(phone="13700000001", dispatch=False)  # the desk's: dispatch overdue
    responding = late(phone="13700000002")  # 桥靠: response overdue
    other = late(phone="13700000003", address=OTHER_ADDRESS)  # 光华: response overdue
    fresh = new_ticket(phone="13700000004")  # 桥靠, on time

    assert numbers(TicketQuery(station="desk", overdue=True)) == {waiting.number}
    assert numbers(TicketQuery(station="cf-qiaokao", stage="response", overdue=True)) == {responding.number}
    assert numbers(TicketQuery(stage="response", overdue=True)) == {responding.number, other.number}
    assert numbers(TicketQuery(station="cf-qiaokao", stage="response")) == {responding.number, fresh.number}
    assert numbers(TicketQuery(stage="dispatch")) == {waiting.number}


def test_extension_pending_and_status_filters():
    pending = extension_requested(phone="13700000011")
    accepted = new_ticket(phone="13700000012")
    act(STATION_USER, accepted, "accept")

    assert numbers(TicketQuery(extension=True)) == {pending.number}
    assert numbers(TicketQuery(status="accepted")) == {pending.number, accepted.number}
    assert numbers(TicketQuery(status="closed")) == set()


def test_the_last_four_digits_find_the_caller_for_the_desk_only():
    mine = new_ticket(phone="13700004321")
    new_ticket(phone="13700001234")

    assert numbers(TicketQuery(phone4="4321")) == {mine.number}
    assert numbers(TicketQuery(phone4="4321"), username="80725") == {mine.number}
    with pytest.raises(PermissionDenied):
        numbers(TicketQuery(phone4="4321"), username="regulator")
    with pytest.raises(PermissionDenied):
        numbers(TicketQuery(phone4="4321"), username=STATION_USER)


def test_the_list_page_keeps_filters_in_the_url_and_pages(page_as):
    for n in range(52):
        new_ticket(phone=f"137000{n:05d}", dispatch=False)

    page = page_as("lead").get("/tickets/", {"station": "desk", "status": "received"}).content.decode()

    assert '<span class="count">52</span>' in page
    assert "station=desk&amp;status=received&amp;page=2" in page
    second = page_as("lead").get("/tickets/", {"station": "desk", "status": "received", "page": "2"})
    assert second.status_code == 200
    assert second.content.decode().count('<td class="num">') == 2


@pytest.mark.parametrize(
    "params",
    [
        {"status": "nonsense"},
        {"stage": "x" * 500},
        {"station": "no-such-station"},
        {"phone4": "12ab"},
        {"page": "0"},
        {"page": "99999999999999999999"},
        {"q": "x" * 101},
    ],
)
def test_bad_filter_values_are_a_clear_400_not_a_500(page_as, params):
    response = page_as("lead").get("/tickets/", params)

    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()


def test_the_phone_filter_is_not_offered_outside_the_desk(page_as):
    assert 'name="phone4"' in page_as("80725").get("/tickets/").content.decode()
    assert 'name="phone4"' not in page_as("regulator").get("/tickets/").content.decode()
    assert 'name="phone4"' not in page_as(STATION_USER).get("/tickets/").content.decode()


# ---- 督办队列 ------------------------------------------------------------------------------------


def test_the_queue_counts_extensions_unreached_escalated_and_urged():
    pending = extension_requested(phone="13700000021")
    unreached = unreached_three_times(phone="13700000022")
    twice = resolved_ticket(phone="13700000023")
    act("80725", twice, "callback", reached=False)
    urged = new_ticket(phone="13700000024")
    act("lead", urged, "urge", note="请尽快")

    queue = lead_queue(user=user("lead"))

    assert [t.number for t in queue.extensions.rows] == [pending.number]
    assert [t.number for t in queue.unreached.rows] == [unreached.number]
    assert [t.number for t in queue.urged.rows] == [urged.number]
    assert queue.escalated.count == 0


def test_the_queue_lists_escalated_tickets_from_the_monitors_alerts():
    from heatdesk.supervision.monitor import monitor_pass

    with clock.moved_to(clock.now() - dt.timedelta(hours=5)):
        stuck = new_ticket(phone="13700000031")
    monitor_pass(now=clock.now())

    assert [t.number for t in lead_queue(user=user("lead")).escalated.rows] == [stuck.number]


def test_the_lead_approves_an_extension_from_the_queue_and_comes_back(page_as):
    pending = extension_requested(phone="13700000041")
    page = page_as("lead").get("/queue/").content.decode()
    assert pending.number in page.split('id="panel-extensions"')[1].split("</section>")[0]

    response = page_as("lead").post(
        f"/tickets/{pending.number}/act/approve-extension/", {"approved": "yes", "next": "/queue/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/queue/"
    pending.refresh_from_db()
    assert pending.extension_requested_until is None
    assert pending.extension_count == 1
    assert pending.number not in page_as("lead").get("/queue/").content.decode()


def test_the_lead_denies_an_extension_and_an_outside_next_is_ignored(page_as):
    pending = extension_requested(phone="13700000042")

    response = page_as("lead").post(
        f"/tickets/{pending.number}/act/approve-extension/", {"approved": "no", "next": "https://evil.example/"}
    )

    assert response["Location"] == f"/tickets/{pending.number}/"
    pending.refresh_from_db()
    assert pending.extension_requested_until is None
    assert pending.extension_count == 0


def test_the_wall_shows_the_queue_counts_to_the_lead_only(page_as):
    extension_requested(phone="13700000051")

    lead_page = page_as("lead").get("/wall/").content.decode()

    assert 'class="wall-queue' in lead_page
    assert "#panel-extensions" in lead_page
    assert 'class="wall-queue' not in page_as("regulator").get("/wall/").content.decode()


# ---- the wall's groups ---------------------------------------------------------------------------


def test_the_wall_groups_overdue_tickets_by_stage_and_holder_and_caps_them(page_as):
    from heatdesk.supervision.wall import ROWS_PER_GROUP, wall_for

    for n in range(5):
        late(phone=f"1370000006{n}")  # 桥靠: response overdue
    waiting = late(phone="13700000070", dispatch=False)  # the desk: dispatch overdue

    wall = wall_for(user=user("lead"), now=clock.now())

    columns = {column.stage: column for column in wall.overdue}
    assert [(g.holder, g.total) for g in columns["dispatch"].groups] == [("desk", 1)]
    assert columns["dispatch"].groups[0].rows[0].ticket.number == waiting.number
    station = columns["response"].groups[0]
    assert (station.holder, station.total, station.more) == ("cf-qiaokao", 5, 5 - ROWS_PER_GROUP["overdue"])
    page = page_as("lead").get("/wall/").content.decode()
    assert "还有 3 条" in page
    assert "?stage=response&amp;station=cf-qiaokao&amp;overdue=on" in page


# ---- callbacks, one line each --------------------------------------------------------------------


def test_a_phone_solved_ticket_is_not_asked_about_the_station(page_as):
    solved = new_ticket(phone="13700000081", dispatch=False)
    act("80725", solved, "guide", solved=True, steps=["排气"])
    crewed = resolved_ticket(phone="13700000082")

    page = page_as("80725").get("/callbacks/").content.decode()
    solved_row = page.split(f'id="cb-{solved.number}"')[1].split("</article>")[0]
    crewed_row = page.split(f'id="cb-{crewed.number}"')[1].split("</article>")[0]

    assert 'name="contacted"' not in solved_row
    assert 'name="station_controllable"' not in solved_row
    assert 'name="contacted"' in crewed_row
    response = page_as("80725").post(
        f"/callbacks/{solved.number}/", {"reached": "yes", "fixed": "yes", "satisfaction": "satisfied"}
    )
    assert response.status_code == 302
    solved.refresh_from_db()
    assert solved.status == "closed"
    assert solved.callbacks.get().contacted is None


def test_a_crew_ticket_still_needs_the_contacted_answer():
    from heatdesk.core.errors import ValidationFailed

    crewed = resolved_ticket(phone="13700000083")

    with pytest.raises(ValidationFailed):
        act("80725", crewed, "callback", reached=True, fixed=True, satisfaction="satisfied")


def test_the_callback_list_is_one_line_per_ticket_with_not_reached_in_amber(page_as):
    tried = resolved_ticket(phone="13700000091")
    act("80725", tried, "callback", reached=False)
    resolved_ticket(phone="13700000092")

    page = page_as("lead").get("/callbacks/").content.decode()

    assert page.count("<details") == 2
    assert f'class="cb-row cb-unreached" id="cb-{tried.number}"' in page
    assert "已 1 次未接通" in page


def test_todays_on_time_dispatch_shows_the_desks_late_undispatched_tickets_beside_the_kpi(page_as):
    noon = timezone.localtime(clock.now()).replace(hour=12, minute=0)  # the desk's day, whatever the hour
    with clock.moved_to(noon - dt.timedelta(minutes=20)):  # the dispatch window is 10 minutes
        new_ticket(phone="13700000101", dispatch=False)
    with clock.moved_to(noon):
        new_ticket(phone="13700000102")
        page = page_as("lead").get("/wall/").content.decode()

    stats = page.split('class="stats"')[1].split("</section>")[0]

    assert '1<span class="sub"> / 1' in stats  # the KPI: dispatched on time ÷ dispatched
    assert "1 件超时未派" in stats
