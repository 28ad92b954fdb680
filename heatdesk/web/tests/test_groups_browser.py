"""The desk lead opens /groups/ after a dispatch, a warning and an urge and sees all three, drawn as
the station's group sees them (Debian's chromium)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from heatdesk.demo import DEMO_PASSWORD, demo_seed
from heatdesk.notify.services import outbox_deliver_due
from heatdesk.supervision.monitor import monitor_pass
from heatdesk.tickets.models import SlaClock
from heatdesk.web.tests.conftest import act, new_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_desk_lead_sees_the_dispatch_the_warning_and_the_urge_on_groups(browser, live_server, screenshot_dir):
    demo_seed()
    ticket = new_ticket(category="leak", urgency="urgent")
    response = SlaClock.objects.filter(ticket=ticket, stage="response").latest("cycle")
    monitor_pass(now=response.warn_at)
    act("80725", ticket, "urge", note="楼道积水，请尽快")
    outbox_deliver_due()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(8000)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名或工号").fill("lead")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("domcontentloaded")

    page.get_by_role("link", name="工作群").first.click()
    page.get_by_role("link", name="桥靠供暖所").click()

    station = page.locator('section[data-group="station:cf-qiaokao"]')
    expect(station.locator(".robot-card", has_text=f"【派单】{ticket.number}")).to_be_visible()
    expect(station.locator(".robot-card", has_text=f"【预警】工单 {ticket.number}")).to_be_visible()
    expect(station.locator(".robot-card", has_text="楼道积水，请尽快")).to_be_visible()
    expect(station.locator(".badge.delivery-delivered").first).to_be_visible()
    page.screenshot(path=f"{screenshot_dir}/groups.png", full_page=False)
    context.close()
