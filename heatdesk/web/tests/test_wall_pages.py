"""The supervisor's wall: clocks by stage, at-risk and overdue lists, urge, per station, today's figures."""

import datetime as dt

import pytest

from heatdesk.core import clock
from heatdesk.web.tests.conftest import act, new_ticket, resolved_ticket

pytestmark = pytest.mark.django_db


def overdue_ticket(**fields):
    """Dispatched two hours ago: its one-hour response clock is overdue now."""
    with clock.moved_to(clock.now() - dt.timedelta(hours=2)):
        return new_ticket(**fields)


def at_risk_ticket(**fields):
    """Dispatched 50 minutes ago: past 80 % of its one-hour response window."""
    with clock.moved_to(clock.now() - dt.timedelta(minutes=50)):
        return new_ticket(**fields)


def section(page: str, title: str) -> str:
    return page.split(title, 1)[1].split("</section>")[0]


def test_the_wall_lists_overdue_and_at_risk_tickets_with_their_clocks(page_as):
    late = overdue_ticket(phone="13900000021")
    close = at_risk_ticket(phone="13900000022")
    fine = new_ticket(phone="13900000023")

    page = page_as("lead").get("/wall/").content.decode()

    overdue = section(page, "超时工单")
    at_risk = section(page, "预警工单")
    assert late.number in overdue
    assert "超时 1小时" in overdue
    assert close.number in at_risk
    assert "剩余 9分" in at_risk
    assert fine.number not in overdue + at_risk
    assert 'hx-trigger="every 5s"' in page


def test_the_stage_table_and_station_counts_add_up(page_as):
    overdue_ticket(phone="13900000031")
    new_ticket(phone="13900000032")

    page = page_as("lead").get("/wall/").content.decode()

    stations = section(page, "各供暖所")
    assert "城发热力" in stations
    assert "桥靠供暖所" in stations
    stage_rows = section(page, "在办工单：按环节与时限")
    response_row = stage_rows.split("响应</th>")[1].split("</tr>")[0]
    assert [cell.split(">")[-1] for cell in response_row.split("</td>")[:4]] == ["2", "1", "0", "1"]


def test_todays_figures_count_received_dispatched_on_time_closed_and_satisfaction(page_as):
    ticket = resolved_ticket(phone="13900000041")
    act("80725", ticket, "callback", reached=True, contacted=True, fixed=True, satisfaction="very_satisfied")
    new_ticket(phone="13900000042")

    page = page_as("lead").get("/wall/").content.decode()

    stats = page.split('class="stats"')[1].split("</section>")[0]
    assert '今日受理</div><div class="value">2' in stats
    assert '2<span class="sub"> / 2' in stats  # dispatched on time / dispatched
    assert '今日办结</div><div class="value">1' in stats
    assert '今日满意度</div><div class="value">100%' in stats


def test_urge_in_one_click_swaps_in_a_done_mark(page_as):
    late = overdue_ticket(phone="13900000051")

    response = page_as("lead").post(f"/wall/urge/{late.number}/", HTTP_HX_REQUEST="true")

    assert "已催办（第 1 次）" in response.content.decode()
    timeline = page_as("lead").get(f"/tickets/{late.number}/").content.decode()
    assert "督办大屏催办" in timeline


def test_the_regulator_reads_the_wall_without_urge_buttons_and_may_not_urge(page_as):
    late = overdue_ticket(phone="13900000061")

    page = page_as("regulator").get("/wall/").content.decode()

    assert late.number in page
    assert "只读" in page
    assert f"/wall/urge/{late.number}/" not in page
    assert page_as("regulator").post(f"/wall/urge/{late.number}/").status_code == 403


def test_a_company_sees_only_its_own_stations(page_as):
    ours = overdue_ticket(phone="13900000071")  # 桥靠 of 城发热力
    theirs = overdue_ticket(phone="13900000072", address="新城区光华小区1号楼1单元101")  # 光华 of 富泰热力

    page = page_as("company-chengfa").get("/wall/").content.decode()

    assert ours.number in page
    assert theirs.number not in page
    assert "富泰热力" not in section(page, "各供暖所")
    assert theirs.number in page_as("company-futai").get("/wall/").content.decode()


def test_an_undispatched_overdue_ticket_is_charged_to_the_desk_not_the_station(page_as):
    with clock.moved_to(clock.now() - dt.timedelta(hours=3)):
        waiting = new_ticket(phone="13500003333", dispatch=False)  # routed to 桥靠 but never dispatched
    from heatdesk.supervision.wall import wall_for
    from heatdesk.web.tests.conftest import user

    wall = wall_for(user=user("lead"), now=clock.now())
    assert waiting.station is not None

    stations = {row.code: row for company in wall.companies for row in company.stations}
    assert wall.desk.overdue + wall.desk.warning == 1
    assert "cf-qiaokao" not in stations or stations["cf-qiaokao"].overdue + stations["cf-qiaokao"].warning == 0
    assert "话务台（待派单）" in page_as("lead").get("/wall/").content.decode()


def test_an_urge_from_the_wall_carries_its_note_and_names_who_is_urged(page_as):
    ticket = new_ticket(phone="13500004444")

    response = page_as("lead").post(f"/wall/urge/{ticket.number}/", {"note": "请半小时内到场"}, HTTP_HX_REQUEST="true")

    assert "桥靠供暖所" in response.content.decode()
    assert "请半小时内到场" in page_as("lead").get(f"/tickets/{ticket.number}/").content.decode()
