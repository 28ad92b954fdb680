"""The ticket page: fields, clocks, timeline, photos, and exactly the actions this user may take now."""

import datetime as dt
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from heatdesk.core import clock
from heatdesk.web.tests.conftest import OTHER_STATION_USER, STATION_USER, act, new_ticket, png_bytes

pytestmark = pytest.mark.django_db


def buttons(page: str, *labels: str) -> dict[str, bool]:
    return {label: f">{label}</button>" in page or f"<summary>{label}</summary>" in page for label in labels}


def test_the_desk_sees_every_field_the_full_phone_and_the_running_clocks(page_as):
    ticket = new_ticket(phone="13912345678", caller_name="王女士", description="卧室暖气片不热")

    page = page_as("80720").get(f"/tickets/{ticket.number}/").content.decode()

    for text in ("13912345678", "王女士", "卧室暖气片不热", "蓝爵小区 3号楼2单元501室", "桥靠供暖所", "桥靠1号换热站"):
        assert text in page, text
    assert "响应" in page
    assert "剩余 59分" in page
    assert 'class="clock ok"' in page
    assert "data-due=" in page
    assert "新建工单" in page
    assert "派至 桥靠供暖所" in page


def test_a_company_sees_the_phone_masked(page_as):
    ticket = new_ticket(phone="13912345678")

    page = page_as("company-chengfa").get(f"/tickets/{ticket.number}/").content.decode()

    assert "139****5678" in page
    assert "13912345678" not in page


def test_another_station_cannot_open_the_ticket(page_as):
    ticket = new_ticket()

    response = page_as(OTHER_STATION_USER).get(f"/tickets/{ticket.number}/")

    assert response.status_code == 404
    assert "不存在或无权查看" in response.content.decode()


def test_the_station_sees_accept_and_return_but_the_operator_sees_urge_not_accept(page_as):
    ticket = new_ticket()

    station_page = page_as(STATION_USER).get(f"/tickets/{ticket.number}/").content.decode()
    desk_page = page_as("80725").get(f"/tickets/{ticket.number}/").content.decode()

    assert buttons(station_page, "接单", "退单", "催办") == {"接单": True, "退单": True, "催办": False}
    assert buttons(desk_page, "接单", "催办", "合并") == {"接单": False, "催办": True, "合并": True}
    assert buttons(page_as("regulator").get(f"/tickets/{ticket.number}/").content.decode(), "催办", "备注") == {
        "催办": False,
        "备注": False,
    }


def test_after_arrival_the_crew_sees_resolve_with_causes_and_no_more_depart_or_arrive(page_as):
    ticket = new_ticket()
    act(STATION_USER, ticket, "accept")
    act(STATION_USER, ticket, "arrive", indoor_temp="15.5")

    page = page_as(STATION_USER).get(f"/station/tickets/{ticket.number}/").content.decode()

    assert buttons(page, "出发", "到达", "处置完成", "申请延期") == {
        "出发": False,
        "到达": False,
        "处置完成": True,
        "申请延期": True,
    }
    assert "气堵(已放气)" in page
    assert "电话指导解决" not in page.split('id="resolve-cause"')[1].split("</select>")[0]
    assert "室温 15.5°C" in page


def test_a_refused_action_is_shown_beside_its_form_not_as_a_crash(page_as):
    ticket = new_ticket()

    response = page_as(STATION_USER).post(f"/tickets/{ticket.number}/act/return/", {"reason": ""})

    assert response.status_code == 422
    page = response.content.decode()
    assert "请填写退单原因" in page
    assert "已派单" in page


def test_an_action_not_allowed_now_is_refused_with_the_reason(page_as):
    ticket = new_ticket()

    response = page_as(STATION_USER).post(f"/tickets/{ticket.number}/act/resolve/", {"cause": "air_lock"})

    assert response.status_code == 422
    assert "不能处置完成" in response.content.decode()


def test_an_unknown_action_is_not_found(page_as):
    ticket = new_ticket()

    assert page_as("80725").post(f"/tickets/{ticket.number}/act/explode/").status_code == 404


def test_the_crew_walks_a_ticket_through_its_actions_and_the_timeline_tells_it(page_as):
    ticket = new_ticket()
    client = page_as(STATION_USER)
    crew = {"crew": "1"}

    assert client.post(f"/tickets/{ticket.number}/act/accept/", crew)["Location"].startswith("/station/tickets/")
    client.post(f"/tickets/{ticket.number}/act/depart/", crew)
    client.post(f"/tickets/{ticket.number}/act/arrive/", {**crew, "indoor_temp": "14.8"})
    response = client.post(
        f"/tickets/{ticket.number}/act/resolve/", {**crew, "cause": "valve", "indoor_temp": "19.5", "note": "阀门已调"}
    )

    assert response.status_code == 302
    page = client.get(f"/station/tickets/{ticket.number}/").content.decode()
    for text in ("已处置(待回访)", "接单", "出发", "到达", "室温 14.8°C", "原因：阀门问题", "阀门已调"):
        assert text in page, text


def test_an_extension_request_in_local_time_reaches_the_desk_lead_for_approval(page_as):
    ticket = new_ticket()
    act(STATION_USER, ticket, "accept")
    until = (clock.now() + dt.timedelta(days=2)).astimezone(dt.timezone(dt.timedelta(hours=8)))

    page_as(STATION_USER).post(
        f"/tickets/{ticket.number}/act/extend/", {"until": until.strftime("%Y-%m-%dT%H:%M"), "reason": "等配件"}
    )
    lead_page = page_as("lead").get(f"/tickets/{ticket.number}/").content.decode()
    assert "延期申请待批准" in lead_page
    assert "批准延期" in lead_page
    page_as("lead").post(f"/tickets/{ticket.number}/act/approve-extension/", {"approved": "yes"})

    page = page_as("lead").get(f"/tickets/{ticket.number}/").content.decode()
    assert f"批准延期至 {until:%m-%d %H:%M}" in page


def test_a_photo_is_uploaded_shown_and_served_only_to_those_who_see_the_ticket(page_as):
    ticket = new_ticket()
    upload = SimpleUploadedFile("site.png", png_bytes(), content_type="image/png")

    response = page_as(STATION_USER).post(f"/tickets/{ticket.number}/photos/", {"photo": upload, "crew": "1"})

    assert response.status_code == 302
    page = page_as("80725").get(f"/tickets/{ticket.number}/").content.decode()
    assert "现场照片" in page
    assert "上传照片" in page
    assert "site.png" in page
    photo_url = page.split('<img src="')[1].split('"')[0]
    served = page_as("80725").get(photo_url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert page_as(OTHER_STATION_USER).get(photo_url).status_code == 404


def test_a_file_that_is_not_an_image_is_refused_beside_the_upload(page_as):
    ticket = new_ticket()
    upload = SimpleUploadedFile("notes.txt", b"hello", content_type="image/png")

    response = page_as(STATION_USER).post(f"/tickets/{ticket.number}/photos/", {"photo": upload})

    assert response.status_code == 422
    assert "只能上传图片" in response.content.decode()


def test_the_live_poll_answers_nothing_until_the_ticket_changes(page_as):
    ticket = new_ticket()
    client = page_as("80725")
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    version = page.split("/live/?v=")[1].split('"')[0]

    assert client.get(f"/tickets/{ticket.number}/live/", {"v": unquote(version)}).status_code == 204
    act(STATION_USER, ticket, "accept")

    changed = client.get(f"/tickets/{ticket.number}/live/", {"v": unquote(version)})
    assert changed.status_code == 200
    body = changed.content.decode()
    assert "已响应" in body
    assert 'hx-swap-oob="true"' in body
    assert "接单" in body


def test_sla_alerts_appear_in_the_timeline(page_as):
    from heatdesk.supervision.models import Alert

    ticket = new_ticket()
    Alert.objects.create(  # an alert the ticket log does not hold
        ticket=ticket,
        clock=ticket.sla_clocks.get(stage="response"),
        stage="response",
        level="warning",
        station_code="cf-qiaokao",
        company_code="chengfa",
        threshold_at=clock.now(),
        raised_at=clock.now(),
    )

    page = page_as("80725").get(f"/tickets/{ticket.number}/").content.decode()

    assert "响应预警" in page
    assert "督办" in page


def test_the_search_finds_a_ticket_by_phone_or_number(page_as):
    ticket = new_ticket(phone="13911112222")

    link = f'href="/tickets/{ticket.number}/"'
    assert link in page_as("80725").get("/tickets/", {"q": "13911112222"}).content.decode()
    assert link in page_as("80725").get("/tickets/", {"q": ticket.number}).content.decode()
    assert link not in page_as(OTHER_STATION_USER).get("/tickets/", {"q": ticket.number}).content.decode()


def test_an_alert_the_ticket_log_already_holds_is_shown_once(page_as):
    from heatdesk.supervision.models import Alert
    from heatdesk.tickets.events import alert_event_record

    ticket = new_ticket()
    alert = Alert.objects.create(
        ticket=ticket,
        clock=ticket.sla_clocks.get(stage="response"),
        stage="response",
        level="overdue",
        station_code="cf-qiaokao",
        company_code="chengfa",
        threshold_at=clock.now(),
        raised_at=clock.now(),
    )
    alert_event_record(
        ticket=ticket, level=alert.level, stage=alert.stage, threshold_at=alert.threshold_at, at=alert.raised_at
    )

    page = page_as("80725").get(f"/tickets/{ticket.number}/").content.decode()

    assert page.count("响应超时</strong>") == 1
