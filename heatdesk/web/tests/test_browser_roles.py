"""A peak winter day, each role at the screen it uses (operator 1366×768, crew 390×844, lead 1920×1080).

Set HEATDESK_DOCS_SCREENSHOTS=1 to refresh the README's screenshots in docs/screenshots/.
"""

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from heatdesk.web.tests.conftest import STATION_USER, act, new_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPERATOR = {"width": 1366, "height": 768}
CREW = {"width": 390, "height": 844}
LEAD = {"width": 1920, "height": 1080}
DOCS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


def shot(page, screenshot_dir: str, name: str) -> None:
    """The page at its own size; copied into docs/screenshots when asked to refresh them."""
    path = os.path.join(screenshot_dir, f"{name}.png")
    page.screenshot(path=path)
    if os.environ.get("HEATDESK_DOCS_SCREENSHOTS"):
        shutil.copyfile(path, DOCS / f"{name}.png")


class Keys:
    """Presses keys and counts the navigation ones (everything but typed text)."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def press(self, key: str) -> None:
        self.count += 1
        self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)


def test_an_operator_takes_a_guided_call_by_keyboard_and_enter_never_sends(open_as, screenshot_dir):
    page = open_as("80725", OPERATOR)
    urgent = new_ticket(phone="13900000009", category="leak")
    act("lead", urgent, "urge", note="业主家已漫水，请盯紧")
    page.reload()

    # 我的工单 is beside the form, above the fold, with the lead's urge.
    queue = page.locator("#queue")
    expect(queue).to_contain_text(urgent.number)
    expect(queue).to_contain_text("业主家已漫水")
    box, form_box = queue.bounding_box(), page.locator(".intake").bounding_box()
    assert box["x"] > form_box["x"] + form_box["width"] - 1
    assert box["y"] < 200

    keys = Keys(page)
    expect(page.get_by_label("来电号码")).to_be_focused()
    keys.type("13812345678")
    keys.press("Enter")  # moves on to the address; nothing is sent
    expect(page.get_by_label("地址")).to_be_focused()
    keys.type("回民区蓝爵小区3号楼2单元501")
    expect(page.locator("#resolution")).to_contain_text("桥靠供暖所")
    keys.press("Enter")
    expect(page.get_by_label(re.compile("诉求内容"))).to_be_focused()
    keys.type("卧室暖气片上凉下热")
    assert "created=" not in page.url
    assert page.locator(".created-banner").count() == 0

    keys.press("Alt+Digit1")  # 暖气不热
    steps = page.locator("[data-guidance] .step.current")
    expect(steps).to_have_count(1)
    expect(steps.get_by_role("button", name="是")).to_be_visible()
    outcome = page.locator("[data-outcome]")
    for _ in range(6):  # 是 at each step until the script reaches its end (here: dispatch)
        keys.press("Alt+KeyY")
        if outcome.is_visible():
            break
    expect(outcome).to_contain_text("需派单上门")
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, screenshot_dir, "desk")
    keys.press("Alt+KeyG")  # guide, then dispatch

    banner = page.locator(".created-banner")
    expect(banner).to_contain_text("已派至 桥靠供暖所")
    # Before: about 31 navigation keys (Tab through every field and the script); now:
    print(f"guided intake navigation keys: {keys.count}")
    assert keys.count <= 8

    # The shortcuts are listed behind `?`; Alt+N starts a clean form for the next call.
    page.locator("body").click()
    page.keyboard.press("?")
    expect(page.get_by_role("dialog")).to_contain_text("Ctrl+Enter")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    page.keyboard.press("Alt+KeyN")
    expect(page.locator(".created-banner")).to_have_count(0)
    expect(page.get_by_label("来电号码")).to_have_value("")


def test_an_empty_content_is_not_sent_and_ctrl_enter_sends(open_as):
    page = open_as("80725", OPERATOR)
    page.get_by_label("来电号码").fill("13812340000")
    page.get_by_label("地址").press_sequentially("回民区蓝爵小区3号楼2单元501")
    expect(page.locator("#resolution")).to_contain_text("桥靠供暖所")
    page.get_by_label("地址").press("Enter")
    page.get_by_label("来电号码").press("Enter")
    assert page.locator(".created-banner").count() == 0
    page.keyboard.press("Control+Enter")
    expect(page.get_by_role("alert")).to_contain_text("请填写诉求内容")
    page.get_by_label(re.compile("诉求内容")).fill("楼道漏水")
    page.get_by_label(re.compile("诉求内容")).press("Control+Enter")
    expect(page.locator(".created-banner")).to_contain_text("已派至")


def test_a_leak_script_offers_no_phone_solution_and_a_neighbour_is_related(open_as):
    neighbour = new_ticket(phone="13900000011")
    page = open_as("80725", OPERATOR)
    page.get_by_label("来电号码").fill("13812349999")
    page.get_by_label("地址").press_sequentially("回民区蓝爵小区3号楼2单元501")
    history = page.locator("#history")
    expect(history).to_contain_text(neighbour.number)
    expect(history.get_by_role("button", name="登记重复来电")).to_have_count(0)
    history.get_by_role("button", name="关联").click()
    expect(history).to_contain_text("已关联")

    page.keyboard.press("Alt+Digit2")  # 漏水/跑水
    guidance = page.locator("#guidance")
    expect(guidance).to_contain_text("漏水")
    expect(guidance.get_by_role("button", name="电话指导已解决")).to_have_count(0)
    expect(page.locator('input[name="urgency"][value="urgent"]')).to_be_checked()


def test_an_unsure_address_is_never_a_green_match(open_as):
    page = open_as("80725", OPERATOR)
    page.get_by_label("地址").press_sequentially("xh 3-2-501")
    resolution = page.locator("#resolution")
    expect(resolution.locator(".badge")).not_to_have_count(0)
    expect(resolution.locator(".badge.ok")).to_have_count(0)
    expect(resolution.locator("button.candidate").first).to_be_visible()
    # Enter in the address confirms the top candidate.
    page.get_by_label("地址").press("Enter")
    expect(resolution).to_contain_text("已确认")


def test_a_crew_notices_new_work_and_shows_evidence_before_closing(open_as, screenshot_dir):
    page = open_as(STATION_USER, CREW)
    expect(page.locator("#board")).to_contain_text("暂无待接工单")
    ticket = new_ticket(phone="13700004321", description="客厅暖气不热")  # dispatched meanwhile

    lane = page.locator(".lane").first
    expect(lane).to_contain_text(ticket.number, timeout=6000)
    expect(page).to_have_title(re.compile(r"^\(1\) "))
    expect(page.locator("[data-station-alerts]")).to_have_attribute("data-beeps", re.compile(r"[1-9]"))
    expect(lane.locator("article.just-in")).to_contain_text(ticket.number)
    shot(page, screenshot_dir, "station-board-phone")

    lane.get_by_role("button", name=f"接单 {ticket.number}").click()
    expect(page.locator(".next-step")).to_contain_text("到达现场，测量并填写室内温度")
    expect(page.get_by_role("button", name="处置完成")).to_have_count(0)  # no arrival yet
    call = page.get_by_role("link", name=re.compile("拨打来电人"))
    assert call.bounding_box()["height"] >= 48
    expect(page.get_by_role("link", name=re.compile("地图导航"))).to_have_attribute("href", re.compile("amap"))
    assert page.evaluate("document.documentElement.scrollWidth") <= CREW["width"]

    # The crew view polls the board too: new work elsewhere shows in the title and a banner.
    other = new_ticket(phone="13700005555", category="leak")
    expect(page).to_have_title(re.compile(r"^\(1\) "), timeout=9000)
    expect(page.locator("[data-new-work]")).to_be_visible()
    assert other.number

    page.get_by_label("室内温度（°C）").fill("15")
    page.get_by_role("button", name="到达", exact=True).click()
    expect(page.locator(".next-step")).to_contain_text("处置完成")
    shot(page, screenshot_dir, "crew-phone")
    page.get_by_label("处置原因").select_option(label="气堵(已放气)")
    page.get_by_role("button", name="处置完成").click()
    page.get_by_role("button", name="确认处置完成").click()
    expect(page.locator("#ticket-head")).to_contain_text("已处置(待回访)")


def test_the_lead_sees_the_wall_fit_1920_and_urges_with_a_note(open_as, screenshot_dir):
    from heatdesk.core import clock

    with clock.moved_to(clock.now() - dt.timedelta(hours=2)):
        late = new_ticket(phone="13500001111")
        waiting = new_ticket(phone="13500002222", dispatch=False)
    page = open_as("lead", LEAD)
    overdue = page.locator("section", has=page.get_by_role("heading", name=re.compile("超时工单")))
    expect(overdue).to_contain_text(late.number)
    expect(page.locator(".desk-row")).to_contain_text("话务台")
    assert waiting.number
    assert page.evaluate("document.documentElement.scrollWidth") <= LEAD["width"]
    page.screenshot(path=f"{screenshot_dir}/wall-urge.png")  # the README's wall.png: test_browser_lead (73 overdue)
    row = overdue.locator("li", has_text=late.number)
    row.get_by_label(f"催办 {late.number}", exact=True).click()  # opens the note and names who is urged
    expect(row.locator(".urge-form")).to_contain_text("桥靠供暖所")
    row.get_by_label(re.compile("催办说明")).fill("请尽快到场")
    row.get_by_role("button", name=f"确认催办 {late.number}").click()
    expect(row).to_contain_text("已催办")
    expect(row).to_contain_text("桥靠供暖所")
