"""The desk's stories, played end to end in Debian's chromium through the pages only.

Each test asserts what its user sees and leaves screenshots of every page it visits, at desktop
(1280×800) and phone (390×844) sizes, in `screenshot_dir`.
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from heatdesk.core import clock
from heatdesk.web.tests.conftest import STATION_USER, new_ticket, png_bytes, resolved_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def snap(page, screenshot_dir: str, name: str) -> None:
    """Screenshots of the page as it is now, at both sizes (the page's own size first)."""
    own = page.viewport_size
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        page.screenshot(path=f"{screenshot_dir}/{name}-{label}.png", full_page=True)
    page.set_viewport_size(own)


def test_an_operator_takes_calls_and_dispatches_them_from_the_desk(open_as, screenshot_dir):
    page = open_as("80725")
    expect(page.get_by_role("heading", name="新建工单")).to_be_visible()

    # A first call: the phone and the address typed while the caller speaks; the route shows at once.
    page.get_by_label("来电号码").press_sequentially("13812345678")
    expect(page.locator("#history")).to_contain_text("该号码和楼栋没有在办或历史工单")
    page.get_by_label("地址").press_sequentially("回民区蓝爵小区3号楼2单元501")
    resolution = page.locator("#resolution")
    expect(resolution).to_contain_text("自动匹配 100%")
    expect(resolution).to_contain_text("桥靠供暖所")
    expect(page.get_by_label("楼", exact=True)).to_have_value("3")
    expect(page.get_by_label("室", exact=True)).to_have_value("501")
    page.get_by_label("诉求内容").fill("卧室暖气片上凉下热，室温约15°C")
    snap(page, screenshot_dir, "desk")
    page.get_by_role("button", name="新建并派单").click()

    banner = page.locator(".created-banner")
    expect(banner).to_contain_text("已派单")
    expect(banner).to_contain_text("已派至 桥靠供暖所")
    first = banner.locator("strong").inner_text()
    expect(page.locator("#queue")).to_contain_text(first)

    # The same caller rings again: the open ticket shows, and one click attaches the call to it.
    page.get_by_label("来电号码").press_sequentially("13812345678")
    item = page.locator(f"#repeat-{first}")
    expect(item).to_contain_text("同一号码")
    item.get_by_role("button", name="登记重复来电").click()
    expect(page.locator(f"#repeat-{first}")).to_contain_text("已登记重复来电并催办")

    # A neighbour reports a leak with an address the gazetteer is unsure of: pick the compound, guide, dispatch.
    page.get_by_label("来电号码").fill("")
    page.get_by_label("来电号码").press_sequentially("13987654321")
    page.get_by_label("地址").fill("")
    page.get_by_label("地址").press_sequentially("蓝爵公馆3-2-502")
    expect(resolution).to_contain_text("地址不确定")
    page.get_by_role("button", name=re.compile("蓝爵小区")).click()
    expect(resolution).to_contain_text("已确认")
    expect(page.locator("#history")).to_contain_text("同楼栋")
    page.get_by_label("漏水/跑水").check()
    expect(page.get_by_label("紧急", exact=True)).to_be_checked()
    guidance = page.locator("#guidance")
    expect(guidance).to_contain_text("漏水/跑水")
    guidance.get_by_label("已尝试 第1步").check()
    page.get_by_label("诉求内容").fill("厨房暖气片接口漏水")  # 诉求内容 is required
    snap(page, screenshot_dir, "desk-guidance")
    guidance.get_by_role("button", name="指导无效，派单").click()

    expect(banner).to_contain_text("已派单")
    expect(banner).to_contain_text("紧急")
    second = banner.locator("strong").inner_text()
    assert second != first
    page.get_by_role("link", name="查看工单").click()
    expect(page.locator("#ticket-live")).to_contain_text("电话指导未解决")
    expect(page.locator("#ticket-live")).to_contain_text("已尝试：请您立即关闭漏水处前面的阀门")


def test_a_crew_takes_a_new_ticket_on_a_phone_from_board_to_resolved(open_as, screenshot_dir):
    page = open_as(STATION_USER, PHONE)
    expect(page.get_by_role("heading", name=re.compile("供暖所看板"))).to_be_visible()
    expect(page.locator("#board")).to_contain_text("暂无待接工单")

    ticket = new_ticket(phone="13700001234", description="客厅暖气不热")  # dispatched by the desk meanwhile

    waiting = page.locator(".lane").first
    expect(waiting).to_contain_text(ticket.number, timeout=5000)  # no reload: the board polls
    card = waiting.locator("article", has_text=ticket.number)
    expect(card).to_contain_text("新")
    snap(page, screenshot_dir, "station-board")
    accept = card.get_by_role("button", name="接单")
    assert accept.bounding_box()["height"] >= 44
    accept.click()

    head = page.locator("#ticket-head")
    expect(head).to_contain_text("已响应")
    expect(head.get_by_role("link", name="13700001234")).to_have_attribute("href", "tel:13700001234")
    depart = page.get_by_role("button", name="出发")
    assert depart.bounding_box()["height"] >= 44
    depart.click()
    expect(page.locator("#ticket-live")).to_contain_text("出发")
    page.get_by_label("室内温度（°C）").fill("15.5")
    page.get_by_role("button", name="到达", exact=True).click()
    expect(page.locator("#ticket-fields")).to_contain_text("室温 15.5°C")
    page.get_by_label("拍照或选择照片").set_input_files(
        {"name": "radiator.png", "mimeType": "image/png", "buffer": png_bytes(64, 48)}
    )
    # The photo goes up as soon as it is chosen.
    expect(page.get_by_role("img", name=re.compile("现场照片"))).to_be_visible()
    snap(page, screenshot_dir, "crew")
    page.get_by_label("处置原因").select_option(label="气堵(已放气)")
    page.get_by_label("处置后室温（°C）").fill("19.5")
    page.get_by_label("处置说明").fill("放气后暖气片全热")
    page.get_by_role("button", name="处置完成").click()
    page.get_by_role("button", name="确认处置完成").click()  # the first tap only arms it

    expect(head).to_contain_text("已处置(待回访)")
    expect(page.locator("#ticket-live")).to_contain_text("原因：气堵(已放气)")
    page.get_by_role("link", name=re.compile("返回看板")).click()
    expect(page.locator(".lane.done")).to_contain_text(ticket.number)


def test_an_operator_calls_back_and_closes_the_ticket(open_as, screenshot_dir):
    ticket = resolved_ticket(by="80725", phone="13600005678")
    page = open_as("80725")

    page.get_by_role("navigation").get_by_role("link", name="回访").click()
    row = page.locator(f"#cb-{ticket.number}")
    expect(row).to_contain_text("已处置(待回访)")
    row.locator("summary").click()  # one line per ticket: the form opens for the chosen one
    # First try: nobody answers; the three questions step aside.
    row.get_by_label("未接通").check()
    expect(row.get_by_text("是否解决：问题解决了吗？")).to_be_hidden()
    row.get_by_role("button", name="提交回访").click()
    row = page.locator(f"#cb-{ticket.number}")
    expect(row).to_contain_text("未接通，已记录第 1 次")
    expect(row).to_contain_text("已 1 次未接通")
    # Later the citizen answers: contacted, fixed, satisfied.
    row.locator("summary").click()
    row.get_by_label("接通", exact=True).check()
    row.get_by_label("已联系").check()
    row.get_by_label("已解决").check()
    row.get_by_label("满意", exact=True).check()
    row.get_by_label("市民意见").fill("师傅上门很及时")
    snap(page, screenshot_dir, "callbacks")
    row.get_by_role("button", name="提交回访").click()

    row = page.locator(f"#cb-{ticket.number}")
    expect(row).to_contain_text("回访完成，工单已办结")
    row.get_by_role("link", name=ticket.number).click()
    expect(page.locator("#ticket-head")).to_contain_text("已办结")
    expect(page.locator("#ticket-fields")).to_contain_text("满意")


def test_a_supervisor_sees_the_clocks_and_urges_an_overdue_ticket(open_as, screenshot_dir):
    with clock.moved_to(clock.now() - dt.timedelta(hours=2)):
        late = new_ticket(phone="13500001111")  # its one-hour response clock ran out an hour ago
    with clock.moved_to(clock.now() - dt.timedelta(minutes=50)):
        close = new_ticket(phone="13500002222", address="赛罕区万达广场二期1号楼1单元101")
    page = open_as("lead")

    overdue = page.locator("section", has=page.get_by_role("heading", name=re.compile("超时工单")))
    at_risk = page.locator("section", has=page.get_by_role("heading", name=re.compile("预警工单")))
    expect(overdue).to_contain_text(late.number)
    expect(overdue.locator(".clock.overdue")).to_contain_text("超时 1小时")
    expect(at_risk).to_contain_text(close.number)
    expect(at_risk.locator(".clock.warning")).to_contain_text("剩余")
    expect(page.locator(".station-table")).to_contain_text("桥靠供暖所")
    snap(page, screenshot_dir, "wall")
    overdue.get_by_label(f"催办 {late.number}", exact=True).click()  # opens the note, names who is urged
    overdue.get_by_role("button", name=f"确认催办 {late.number}").click()
    expect(page.locator(f"#urge-{late.number}")).to_contain_text("已催办")

    page.get_by_role("link", name=late.number).first.click()
    expect(page.locator("#ticket-clocks .clock.overdue")).to_contain_text("超时")
    expect(page.locator("#ticket-live")).to_contain_text("督办大屏催办")
    snap(page, screenshot_dir, "ticket")

    regulator = open_as("regulator")
    expect(regulator.locator("body")).to_contain_text(late.number)
    expect(regulator.get_by_text("只读")).to_be_visible()
    expect(regulator.get_by_role("button", name=re.compile("催办"))).to_have_count(0)
