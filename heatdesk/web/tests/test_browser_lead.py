"""The desk lead at 1920×1080: a wall that fits one screen with 73 overdue tickets, the work queue, and
the compact callbacks list. Set HEATDESK_DOCS_SCREENSHOTS=1 to refresh docs/screenshots/wall.png and
lead-queue.png."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from heatdesk.core import clock
from heatdesk.geo.models import Station
from heatdesk.web.tests.conftest import STATION_USER, act, new_ticket, resolved_ticket
from heatdesk.web.tests.test_browser_roles import LEAD, OPERATOR, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREEN_SLACK = 1.15  # "about one screen": at most 15 % taller than the 1080 px screen


def seventy_three_overdue() -> dict[str, int]:
    """73 overdue tickets: 14 waiting for dispatch (the desk's), 45 unanswered at six stations, 14 past
    their fix deadline at three; and 5 at risk. Returns the overdue count per stage."""
    codes = list(Station.objects.order_by("code").values_list("code", flat=True)[:6])
    assert len(codes) == 6, "the demo city has six stations"
    phone = iter(range(13600000000, 13600001000))
    with clock.moved_to(clock.now() - dt.timedelta(hours=3)):
        for _ in range(14):
            new_ticket(phone=str(next(phone)), dispatch=False)
    with clock.moved_to(clock.now() - dt.timedelta(hours=2)):
        for code, count in zip(codes, [14, 10, 8, 6, 4, 3], strict=True):
            for _ in range(count):
                new_ticket(phone=str(next(phone)), station=code)
    with clock.moved_to(clock.now() - dt.timedelta(hours=30)):
        for index in range(14):
            ticket = new_ticket(phone=str(next(phone)), station=codes[index % 3])
            act(f"station-{codes[index % 3]}", ticket, "accept")
    with clock.moved_to(clock.now() - dt.timedelta(minutes=50)):
        for _ in range(5):
            new_ticket(phone=str(next(phone)))
    return {"dispatch": 14, "response": 45, "resolution": 14}


def test_the_wall_fits_one_1920_screen_with_73_overdue_tickets(open_as, screenshot_dir):
    page = open_as("lead", LEAD)
    expected = seventy_three_overdue()
    page.reload()

    overdue = page.locator("section", has=page.get_by_role("heading", name=re.compile("超时工单")))
    expect(overdue.locator("h2 .count")).to_have_text("73")
    for stage, count in expected.items():
        expect(overdue.locator(f'.stage-col[data-stage="{stage}"] h3 .count')).to_have_text(str(count))
    expect(overdue.locator('.stage-col[data-stage="dispatch"] .holder[data-holder="desk"]')).to_contain_text(
        "话务台（待派单）"
    )
    expect(page.get_by_text("今日按时派单")).to_be_visible()
    shot(page, screenshot_dir, "wall")
    page.screenshot(path=f"{screenshot_dir}/wall-full.png", full_page=True)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= LEAD["height"] * SCREEN_SLACK, f"the wall is {height}px tall"
    assert page.evaluate("document.documentElement.scrollWidth") <= LEAD["width"]

    desk_row = overdue.locator('.holder[data-holder="desk"] li').first
    desk_row.locator("summary").click()
    page.wait_for_timeout(6000)  # past a 5 s poll: the open note survives it
    expect(desk_row.locator(".urge-form")).to_be_visible()
    expect(desk_row.locator(".urge-form")).to_contain_text("话务台派单")
    desk_row.get_by_label(re.compile("催办说明")).fill("请立即派单")
    desk_row.get_by_role("button", name=re.compile("确认催办")).click()
    expect(desk_row).to_contain_text("已催办（第 1 次）")

    busiest = overdue.locator('.stage-col[data-stage="response"] .holder').first
    more = busiest.get_by_role("link", name=re.compile("还有 12 条"))
    expect(more).to_be_visible()
    more.click()
    expect(page.get_by_role("heading", name=re.compile("工单查询"))).to_contain_text("14")
    expect(page.locator("#id_stage")).to_have_value("response")
    expect(page.locator("#id_overdue")).to_be_checked()
    page.screenshot(path=f"{screenshot_dir}/tickets-filtered.png")  # not in the README


def test_the_lead_works_the_queue_and_approves_an_extension(open_as, screenshot_dir):
    page = open_as("lead", LEAD)
    pending = new_ticket(phone="13600002001")
    act(STATION_USER, pending, "accept")
    act(STATION_USER, pending, "extend", until=(clock.now() + dt.timedelta(days=2)).isoformat(), reason="换热站检修")
    unreached = resolved_ticket(phone="13600002002")
    for tried in range(3):
        with clock.moved_to(clock.now() - dt.timedelta(hours=3) + dt.timedelta(minutes=45 * tried)):
            act("80725", unreached, "callback", reached=False)
    urged = new_ticket(phone="13600002003")
    act("lead", urged, "urge", note="请尽快")

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="督办队列").click()
    extensions = page.locator("#panel-extensions")
    expect(extensions.locator("h2 .count")).to_have_text("1")
    expect(page.locator("#panel-unreached")).to_contain_text(unreached.number)
    expect(page.locator("#panel-unreached")).to_contain_text("已 3 次未接通")
    expect(page.locator("#panel-urged")).to_contain_text(urged.number)
    expect(extensions).to_contain_text("换热站检修")
    assert page.evaluate("document.documentElement.scrollWidth") <= LEAD["width"]
    shot(page, screenshot_dir, "lead-queue")

    extensions.get_by_role("button", name=f"批准延期 {pending.number}").click()
    expect(page).to_have_url(re.compile(r"/queue/$"))
    expect(page.get_by_role("status")).to_contain_text("已批准延期")
    expect(page.locator("#panel-extensions h2 .count")).to_have_text("0")


def test_the_callbacks_list_is_compact_and_the_form_opens_for_one(open_as, screenshot_dir):
    page = open_as("80725", OPERATOR)
    rows = [resolved_ticket(phone=f"1360000300{n}") for n in range(6)]
    act("80725", rows[0], "callback", reached=False)
    solved = new_ticket(phone="13600003099", dispatch=False)
    act("80725", solved, "guide", solved=True, steps=["排气"])
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="回访").click()

    first = page.locator(f"#cb-{rows[1].number}")
    box = first.bounding_box()
    assert box is not None
    assert box["height"] < 60, f"a closed row is {box['height']}px tall"
    expect(first.locator("form.callback-form")).to_be_hidden()
    tried = page.locator(f"#cb-{rows[0].number}")
    expect(tried).to_have_class(re.compile("cb-unreached"))
    expect(tried).to_have_css("border-left-color", "rgb(178, 107, 0)")  # amber (--warn)
    page.screenshot(path=f"{screenshot_dir}/callbacks-compact.png")  # not in the README

    first.locator("summary").click()
    form = first.locator("form.callback-form")
    expect(form).to_be_visible()
    form.get_by_label("未接通").check()
    expect(form.get_by_text("满意度")).to_be_hidden()
    form.get_by_label("接通", exact=True).check()
    expect(form.get_by_text("满意度")).to_be_visible()
    page.screenshot(path=f"{screenshot_dir}/callbacks-open.png")  # not in the README

    phone_row = page.locator(f"#cb-{solved.number}")
    phone_row.locator("summary").click()
    phone_form = phone_row.locator("form.callback-form")
    phone_form.get_by_label("接通", exact=True).check()
    expect(phone_form.get_by_text("供暖所是否联系过您")).to_have_count(0)
    phone_form.get_by_label("已解决").check()
    phone_form.get_by_label("满意", exact=True).check()
    phone_form.get_by_role("button", name="提交回访").click()
    expect(page.locator(f"#cb-{solved.number}")).to_contain_text("回访完成，工单已办结")


def test_the_wall_and_the_queue_in_english_stay_within_1920(open_as, screenshot_dir):
    page = open_as("lead", LEAD)
    with clock.moved_to(clock.now() - dt.timedelta(hours=2)):
        for n in range(5):
            new_ticket(phone=f"1360000400{n}")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("domcontentloaded")

    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Supervision").click()
    overdue = page.locator('.band .stage-col[data-stage="response"]').first
    expect(overdue).to_contain_text("3 more")
    assert page.evaluate("document.documentElement.scrollWidth") <= LEAD["width"]
    page.screenshot(path=f"{screenshot_dir}/wall-en.png")
    page.get_by_role("link", name="Lead queue").first.click()
    expect(page.locator("#panel-urged")).to_contain_text("Urged")
    assert page.evaluate("document.documentElement.scrollWidth") <= LEAD["width"]
