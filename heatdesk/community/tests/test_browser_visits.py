"""A grid worker records visits on a phone; the cold home becomes an order on the station's board."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from heatdesk.community.services import StewardIn, stewards_replace
from heatdesk.demo import DEMO_PASSWORD, demo_seed
from heatdesk.geo.models import Compound
from heatdesk.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _login(browser, live_server, username):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(8000)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名或工号").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("domcontentloaded")
    return context, page


def test_a_grid_worker_records_three_visits_and_the_station_board_shows_the_cold_home(
    browser, live_server, screenshot_dir
):
    demo_seed()
    compound = Compound.objects.select_related("station").get(name="蓝爵小区")
    worker = get_user_model().objects.get(role="community", community=compound.community)
    stewards_replace(
        actor=worker,
        compound=compound,
        enterprise=StewardIn(name="王供热", phone="13900000001"),
        community=StewardIn(name="李社区", phone="13900000002"),
        grid=[StewardIn(name="张网格", phone="13900000003")],
    )
    context, page = _login(browser, live_server, worker.username)
    page.goto(f"{live_server.url}/community/visit/")
    expect(page.get_by_role("heading", name="走访登记")).to_be_visible()
    numbers = []
    for room, temp in (("501", "21"), ("502", "16.5"), ("503", "19.5")):
        page.get_by_label("小区").select_option(label="蓝爵小区")
        page.get_by_label("楼号").fill("3")
        page.get_by_label("单元").fill("2")
        page.get_by_label("房号").fill(room)
        page.get_by_label("室内温度 °C").fill(temp)
        page.get_by_role("button", name="提交走访").click()
        result = page.locator(".visit-result")
        expect(result).to_contain_text(f"3-2-{room}")
        link = result.locator("a.num")
        numbers.append(link.inner_text() if link.count() else None)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the visit form overflows a phone: {width}px"
    page.screenshot(path=f"{screenshot_dir}/community-visit-phone.png", full_page=True)
    context.close()

    assert numbers[0] is None
    assert numbers[2] is None
    ticket = Ticket.objects.get(number=numbers[1])
    assert (ticket.channel, ticket.status) == ("proactive", "dispatched")

    context, board = _login(browser, live_server, f"station-{compound.station.code}")
    board.goto(f"{live_server.url}/station/")
    expect(board.locator("#lane-waiting").locator("..")).to_contain_text(numbers[1])
    expect(board.locator("#lane-waiting").locator("..")).to_contain_text("3号楼2单元502")
    board.screenshot(path=f"{screenshot_dir}/community-visit-station-board-phone.png", full_page=True)
    context.close()
