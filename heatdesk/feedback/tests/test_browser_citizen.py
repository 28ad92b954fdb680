"""The citizen's story on a phone (390×844): status page → rating link → closed, in Debian's chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from heatdesk.demo import demo_seed
from heatdesk.feedback.models import SmsMessage
from heatdesk.feedback.tests.conftest import resolved_ticket
from heatdesk.tickets.models import Ticket, TicketCallback

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_a_citizen_follows_the_ticket_and_closes_it_by_link_on_a_phone(browser, live_server, screenshot_dir):
    demo_seed()
    ticket = resolved_ticket(caller_name="王建国")
    text = SmsMessage.objects.get(ticket=ticket, kind="resolved").text
    rating_path = re.search(r"(/r/[^（\s]+)", text).group(1)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(8000)
    try:
        page.goto(f"{live_server.url}/s/{ticket.number}")
        page.get_by_label("请输入来电手机号后四位").fill("5678")
        page.get_by_role("button", name="查询进度").click()
        expect(page.locator(".status")).to_have_text("已处置(待回访)")
        expect(page.get_by_text("已派单至桥靠供暖所")).to_be_visible()
        assert "王建国" not in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=f"{screenshot_dir}/citizen-status-phone.png", full_page=True)

        page.goto(f"{live_server.url}{rating_path}")
        page.get_by_text("联系过", exact=True).click()
        page.get_by_text("已解决", exact=True).click()
        page.get_by_text("非常满意", exact=True).click()
        expect(page.get_by_role("radio", name="联系过")).to_be_checked()
        expect(page.get_by_role("radio", name="非常满意")).to_be_checked()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        button = page.get_by_role("button", name="提交评价")
        assert button.bounding_box()["height"] >= 44  # a big button for a thumb
        page.screenshot(path=f"{screenshot_dir}/citizen-rating-phone.png", full_page=True)
        button.click()
        expect(page.get_by_text("感谢您的评价，工单已办结。")).to_be_visible()

        page.goto(f"{live_server.url}/s/{ticket.number}")
        page.get_by_label("请输入来电手机号后四位").fill("5678")
        page.get_by_role("button", name="查询进度").click()
        expect(page.locator(".status")).to_have_text("已办结")
        expect(page.get_by_text("您已确认解决，工单办结")).to_be_visible()
        page.goto(f"{live_server.url}{rating_path}")
        expect(page.get_by_text("该链接已评价过")).to_be_visible()
    finally:
        context.close()
    assert Ticket.objects.get(pk=ticket.pk).status == "closed"
    assert TicketCallback.objects.get(ticket=ticket).channel == "sms_link"
