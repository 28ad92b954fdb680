"""The operator's desk: intake, live lookups, guidance, repeat calls and the queue — through the pages."""

import re

import pytest

from heatdesk.web.tests.conftest import ADDRESS, STATION_USER, act, new_ticket, resolved_ticket

pytestmark = pytest.mark.django_db


def intake(**fields):
    body = {
        "caller_phone": "13812345678",
        "address": ADDRESS,
        "building": "3",
        "unit": "2",
        "room": "501",
        "category": "not_warm",
        "urgency": "normal",
        "kind": "help",
        "channel": "phone",
        "description": "卧室暖气不热",
        "idempotency_key": "form-1",
        "submit": "dispatch",
    }
    body.update(fields)
    return body


def created_number(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    match = re.search(r"created=(GR\d+)", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def test_the_desk_offers_a_fresh_idempotency_key_with_each_form(page_as):
    first = page_as("80725").get("/desk/").content.decode()
    second = page_as("80725").get("/desk/").content.decode()
    keys = [re.search(r'name="idempotency_key" value="(\w+)"', page).group(1) for page in (first, second)]

    assert keys[0] != keys[1]
    assert 'id="id_caller_phone"' in first
    assert '<label for="id_caller_phone">来电号码</label>' in first


def test_create_and_dispatch_in_one_step_shows_the_ticket_dispatched_to_its_station(page_as):
    client = page_as("80725")

    number = created_number(client.post("/desk/", intake()))
    page = client.get(f"/desk/?created={number}").content.decode()

    assert "已创建工单" in page
    assert number in page
    assert "已派单" in page
    assert "桥靠供暖所" in page


def test_a_double_submit_with_the_same_form_makes_one_ticket(page_as):
    client = page_as("80725")

    first = created_number(client.post("/desk/", intake(idempotency_key="same-form")))
    second = created_number(client.post("/desk/", intake(idempotency_key="same-form")))

    assert first == second
    assert client.get("/desk/queue/").content.decode().count(f'href="/tickets/{first}/"') == 1


def test_a_bad_phone_is_shown_beside_the_field_and_nothing_is_created(page_as):
    response = page_as("80725").post("/desk/", intake(caller_phone="abc"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "来电号码格式不对" in page
    assert "暂无在办工单" in page


def test_an_uncertain_address_asks_the_operator_to_choose(page_as):
    response = page_as("80725").post("/desk/", intake(address="蓝爵公馆3-2-501"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "地址无法确定" in page
    assert "蓝爵小区" in page  # offered as a candidate to pick


def test_a_chosen_candidate_routes_the_ticket_and_is_learned_as_an_alias(page_as):
    client = page_as("80725")
    before = client.get("/desk/resolve/", {"address": "蓝爵公馆3-2-501"}).content.decode()
    assert "地址不确定" in before
    assert 'class="candidate"' in before

    chosen = client.get("/desk/resolve/", {"address": "蓝爵公馆3-2-501", "compound": "lanjuexiaoqu"}).content.decode()
    assert "已确认" in chosen
    assert 'name="compound" value="lanjuexiaoqu"' in chosen
    number = created_number(client.post("/desk/", intake(address="蓝爵公馆3-2-501", compound="lanjuexiaoqu")))

    assert "桥靠供暖所" in client.get(f"/tickets/{number}/").content.decode()
    after = client.get("/desk/resolve/", {"address": "蓝爵公馆3-2-501"}).content.decode()
    assert "自动匹配" in after


def test_the_resolution_panel_shows_the_station_and_confidence_as_the_address_is_typed(page_as):
    page = page_as("80725").get("/desk/resolve/", {"address": ADDRESS}).content.decode()

    assert "自动匹配 100%" in page
    assert "蓝爵小区" in page
    assert "桥靠供暖所" in page
    assert "桥靠1号换热站" in page
    assert 'value="3"' in page
    assert 'value="501"' in page


def test_typing_the_phone_shows_the_callers_open_tickets_with_a_repeat_call_button(page_as):
    ticket = new_ticket(phone="13900002222")

    page = page_as("80720").get("/desk/lookup/", {"caller_phone": "139 0000 2222"}).content.decode()

    assert ticket.number in page
    assert "登记重复来电" in page
    assert "同一号码" in page


def test_the_buildings_open_tickets_show_beside_the_resolved_address(page_as):
    ticket = new_ticket(phone="13900003333")

    page = page_as("80720").get("/desk/resolve/", {"address": ADDRESS, "caller_phone": "13700000000"}).content.decode()

    assert 'hx-swap-oob="innerHTML"' in page
    assert ticket.number in page
    assert "同楼栋" in page


def test_a_repeat_call_is_registered_on_the_open_ticket_and_urges_it(page_as):
    ticket = new_ticket(phone="13900004444")

    response = page_as("80720").post(
        "/desk/repeat/", {"repeat_of": ticket.number, "caller_phone": "13900004444", "idempotency_key": "k1"}
    )

    page = response.content.decode()
    assert "已登记重复来电并催办" in page
    assert "第 1 次重复来电" in page
    timeline = page_as("80720").get(f"/tickets/{ticket.number}/").content.decode()
    assert "市民重复来电（尾号 4444）" in timeline


def test_a_repeat_call_on_a_closed_ticket_is_refused_in_place(page_as):
    ticket = resolved_ticket(phone="13900005555")
    act("80725", ticket, "callback", reached=True, contacted=True, fixed=True, satisfaction="satisfied")

    page = page_as("80725").post("/desk/repeat/", {"repeat_of": ticket.number, "caller_phone": "13900005555"})

    assert "该工单已办结，请新建工单" in page.content.decode()


def test_the_guidance_script_follows_the_chosen_category(page_as):
    page = page_as("80725").get("/desk/guidance/", {"category": "leak"}).content.decode()

    assert "漏水/跑水" in page
    assert "已尝试 第1步" in page
    assert "电话指导已解决" in page
    assert "指导无效，派单" in page
    assert "暂无指导话术" in page_as("80725").get("/desk/guidance/", {"category": "billing"}).content.decode()


def test_guidance_that_solves_the_problem_resolves_the_ticket_on_the_phone(page_as):
    client = page_as("80725")

    number = created_number(client.post("/desk/", intake(submit="guide_solved", steps=["valves_open", "open_valves"])))

    page = client.get(f"/tickets/{number}/").content.decode()
    assert "已处置(待回访)" in page
    assert "电话指导已解决" in page
    assert "请您看一下暖气的进水阀和回水阀" in page  # what was tried, in words


def test_guidance_that_fails_dispatches_with_what_was_tried(page_as):
    client = page_as("80725")

    number = created_number(client.post("/desk/", intake(submit="guide_dispatch", steps=["valves_open"])))

    page = client.get(f"/tickets/{number}/").content.decode()
    assert "已派单" in page
    assert "电话指导未解决" in page
    assert "派至 桥靠供暖所" in page


def test_a_leak_is_urgent_whatever_was_chosen(page_as):
    client = page_as("80725")

    number = created_number(client.post("/desk/", intake(category="leak", urgency="normal")))

    assert "紧急" in client.get(f"/tickets/{number}/").content.decode()


def test_my_queue_puts_urgent_first_then_the_nearest_breach(page_as):
    received = new_ticket(phone="13900000001", dispatch=False)
    returned = new_ticket(phone="13900000002")
    act(STATION_USER, returned, "return", reason="不是本所的楼")
    waiting = resolved_ticket(phone="13900000003")
    leak = new_ticket(phone="13900000005", category="leak")
    others = new_ticket(by="80720", phone="13900000004", dispatch=False)

    page = page_as("80725").get("/desk/queue/").content.decode()

    # The urgent leak first; then by time to breach: dispatch (minutes) before the callback (a day).
    positions = [page.index(ticket.number) for ticket in (leak, received, waiting)]
    assert positions == sorted(positions)
    assert others.number not in page
    assert "待回访" in page
    assert "被退回" in page
    assert re.search(r'待派单 <b data-count="dispatch">2</b>', page)
    assert re.search(r'回访 <b data-count="callback">1</b>', page)


def test_my_queue_shows_the_leads_urge_with_its_note(page_as):
    ticket = new_ticket(phone="13900000006")
    act("lead", ticket, "urge", note="市民第三次来电，请盯紧")

    page = page_as("80725").get("/desk/queue/").content.decode()

    assert "市民第三次来电，请盯紧" in page
    assert "催办" in page


def test_an_order_without_its_content_is_refused(page_as):
    client = page_as("80725")

    response = client.post("/desk/", intake(description=""))

    assert response.status_code == 200
    assert "请填写诉求内容" in response.content.decode()


def test_a_leak_cannot_be_solved_by_phone(page_as):
    client = page_as("80725")

    assert 'value="guide_solved"' not in client.get("/desk/guidance/?category=leak").content.decode()
    assert 'value="guide_solved"' in client.get("/desk/guidance/?category=not_warm").content.decode()
    response = client.post("/desk/", intake(category="leak", submit="guide_solved"))
    assert "不能电话指导解决" in response.content.decode()


def test_a_neighbour_is_offered_related_not_repeat_call(page_as):
    neighbour = new_ticket(phone="13900000007")
    client = page_as("80725")

    page = client.get("/desk/resolve/", {"address": ADDRESS, "caller_phone": "13812345678"}).content.decode()
    assert neighbour.number in page
    assert f'data-relate="{neighbour.number}"' in page
    assert "登记重复来电" not in page

    number = created_number(client.post("/desk/", {**intake(), "related": [neighbour.number]}))
    assert neighbour.number in client.get(f"/tickets/{number}/").content.decode()
