"""The crew view on a phone (390×844) in both languages: nothing wider than the screen (the clock table
overflowed in English), and each crew step names who did it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from heatdesk.accounts.models import Role
from heatdesk.core import clock
from heatdesk.demo import DEMO_PASSWORD, demo_seed
from heatdesk.geo.models import Station
from heatdesk.web.tests.conftest import act, new_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CREW = {"width": 390, "height": 844}
CREW_MEMBER = "qk-07"


@pytest.fixture
def crew_page(browser, live_server):
    """crew_page(language) → a phone signed in as crew member 07 of 桥靠 (a station user of their own)."""
    demo_seed()
    member = get_user_model().objects.create_user(
        username=CREW_MEMBER,
        password=DEMO_PASSWORD,
        role=Role.STATION,
        station=Station.objects.get(code="cf-qiaokao"),
        job_number="Q07",
        display_name="维修员",
    )
    contexts = []

    def make(language: str):
        context = browser.new_context(viewport=CREW, is_mobile=True, has_touch=True)
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(8000)
        page.goto(f"{live_server.url}/login/")
        page.locator("input[name=username]").fill(member.username)
        page.locator("input[name=password]").fill(DEMO_PASSWORD)
        page.locator("button.primary[type=submit]").click()
        page.wait_for_load_state("domcontentloaded")
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_crew_view_fits_a_390_px_phone_with_its_clocks(crew_page, live_server, screenshot_dir, language):
    # Given a ticket of yesterday dispatched and accepted late by crew member Q07, now overdue for its
    # fix: the clock table's widest rows (超时完成 / met late, 超时 … / overdue by …)
    start = clock.now() - dt.timedelta(hours=30)
    with clock.moved_to(start):
        ticket = new_ticket(phone="13700004321", description="客厅暖气不热", dispatch=False)
    with clock.moved_to(start + dt.timedelta(minutes=47)):
        act("80725", ticket, "dispatch")
    with clock.moved_to(start + dt.timedelta(hours=3, minutes=12)):
        act(CREW_MEMBER, ticket, "accept")
        act(CREW_MEMBER, ticket, "depart")
    with clock.moved_to(start + dt.timedelta(hours=4)):
        act(CREW_MEMBER, ticket, "arrive", indoor_temp="15")
    page = crew_page(language)
    # When the crew opens it on the phone
    page.goto(f"{live_server.url}/station/tickets/{ticket.number}/")
    clocks = page.locator("#ticket-clocks table.clocks")
    expect(clocks).to_be_visible()
    page.screenshot(path=f"{screenshot_dir}/crew-clocks-{language}.png", full_page=True)
    page.locator("#ticket-clocks").screenshot(path=f"{screenshot_dir}/crew-clocks-table-{language}.png")
    # Then nothing is wider than the screen, the clock table included
    assert page.evaluate("document.documentElement.scrollWidth") <= CREW["width"]
    box = clocks.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= CREW["width"]
    # And every step names who did it
    for step in ("accept", "depart", "arrive"):
        expect(page.locator(f'[data-step-actor="{step}"]')).to_have_text("Q07 维修员")
    expect(page.locator("#ticket-live")).to_contain_text("Q07 维修员")
