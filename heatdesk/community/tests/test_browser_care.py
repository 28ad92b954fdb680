"""The operator types a registered household's address: the desk shows 重点关爱, ticks 紧急 and names the stewards."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from heatdesk.community.services import StewardIn, VulnerableIn, stewards_replace, vulnerable_register
from heatdesk.demo import DEMO_PASSWORD, demo_seed
from heatdesk.geo.models import Compound
from heatdesk.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 768}


def test_the_desk_flags_a_registered_household_and_shows_the_stewards(browser, live_server, screenshot_dir):
    demo_seed()
    compound = Compound.objects.get(name="蓝爵小区")
    community = get_user_model().objects.get(role="community", community=compound.community)
    stewards_replace(
        actor=community,
        compound=compound,
        enterprise=StewardIn(name="王供热", phone="13900000001"),
        community=StewardIn(name="李社区", phone="13900000002"),
        grid=[StewardIn(name="张网格", phone="13900000003")],
    )
    entry = VulnerableIn(
        compound=compound.code,
        building="3",
        unit="2",
        room="501",
        kind="elderly_alone",
        contact_name="刘奶奶",
        contact_phone="13811112222",
        consent_at=dt.date(2026, 10, 20),
    )
    vulnerable_register(actor=community, entry=entry)
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(8000)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名或工号").fill("80725")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("domcontentloaded")
    page.goto(f"{live_server.url}/desk/")
    page.locator("#id_caller_phone").fill("13800005555")
    page.locator("#id_address").fill("回民区蓝爵小区3号楼2单元501")

    flag = page.locator("[data-vulnerable]")
    expect(flag).to_contain_text("重点关爱")
    expect(flag).to_contain_text("独居老人")
    expect(page.locator(".care-stewards")).to_contain_text("王供热 13900000001")
    expect(page.locator(".care-stewards")).to_contain_text("张网格")
    expect(page.locator('input[name="urgency"][value="urgent"]')).to_be_checked()
    page.screenshot(path=os.path.join(screenshot_dir, "desk-care.png"))

    page.locator('input[name="urgency"][value="normal"]').check()  # the operator may untick it
    page.locator("#id_address").fill("回民区蓝爵小区3号楼2单元501 ")  # the panel refreshes as they type
    expect(page.locator("[data-vulnerable]")).to_be_visible()
    expect(page.locator('input[name="urgency"][value="normal"]')).to_be_checked()

    page.locator('input[name="urgency"][value="urgent"]').check()
    page.locator("#id_description").fill("卧室暖气不热，老人独居")
    page.get_by_role("button", name="新建并派单").click()
    page.wait_for_url("**/desk/?created=*")
    number = page.url.rsplit("created=", 1)[1]
    assert Ticket.objects.get(number=number).urgency == "urgent"
    page.goto(f"{live_server.url}/tickets/{number}/")
    expect(page.locator(".ticket-care [data-vulnerable]")).to_contain_text("重点关爱")
    expect(page.locator(".ticket-care .care-stewards")).to_contain_text("李社区")
    page.screenshot(path=os.path.join(screenshot_dir, "ticket-care.png"))
    context.close()
