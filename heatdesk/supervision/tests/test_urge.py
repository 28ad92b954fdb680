"""Manual urging (催办) through the API, and repeat calls that urge by themselves; the worker delivers both."""

from __future__ import annotations

from django.core.management import call_command

from heatdesk.notify.models import OutboxMessage, OutboxStatus
from heatdesk.notify.services import channel_create
from heatdesk.tickets.models import Ticket

BODY = {"caller_phone": "13800002222", "compound": "lanjuexiaoqu", "building": "3", "unit": "2", "room": "501"}


def _dispatched(api_as) -> str:
    number = api_as("80725").post("tickets", {**BODY, "dispatch": True}).json()["number"]
    return number


def test_an_operator_urges_a_ticket_and_the_station_is_told(api_as):
    number = _dispatched(api_as)

    response = api_as("80725").post(f"tickets/{number}/urge", {"note": "市民很着急"})

    assert response.status_code == 200, response.content
    urge = [e for e in response.json()["events"] if e["kind"] == "urge"]
    assert len(urge) == 1
    assert urge[0]["data"]["note"] == "市民很着急"
    message = OutboxMessage.objects.get(topic="ticket.urged")
    assert (message.org_kind, message.org_code) == ("station", "cf-qiaokao")
    assert message.payload["title"] == f"【催办】{number} 暖气不热"
    assert ["事项", "催办（第1次）"] in message.payload["facts"]
    assert "13800002222" not in str(message.payload)


def test_a_desk_lead_may_urge_but_a_station_may_not(api_as):
    number = _dispatched(api_as)

    by_lead = api_as("lead").post(f"tickets/{number}/urge", {"note": "请加快"})
    by_station = api_as("station-cf-qiaokao").post(f"tickets/{number}/urge", {})

    assert by_lead.status_code == 200
    assert by_station.status_code == 403
    assert Ticket.objects.get(number=number).urge_count == 1


def test_a_repeat_call_urges_the_open_ticket_instead_of_opening_another(api_as):
    number = _dispatched(api_as)
    operator = api_as("80720")

    first = operator.post("tickets", {**BODY, "repeat_of": number}, headers={"Idempotency-Key": "call-2"})
    replay = operator.post("tickets", {**BODY, "repeat_of": number}, headers={"Idempotency-Key": "call-2"})

    assert first.status_code == 200, first.content
    assert first.json()["number"] == number
    assert first.json()["repeat_call"] is True
    assert replay.json()["number"] == number
    ticket = Ticket.objects.get(number=number)
    assert Ticket.objects.count() == 1
    assert (ticket.urge_count, ticket.repeat_call_count) == (1, 1)
    event = ticket.events.get(kind="urge")
    assert event.data["repeat_call"] is True
    assert event.data["caller_phone_tail"] == "2222"
    message = OutboxMessage.objects.get(topic="ticket.urged")
    assert message.payload["title"] == f"【催办】{number} 暖气不热"
    assert ["事项", "重复来电催办（第1次）"] in message.payload["facts"]


def test_the_worker_delivers_the_urge_to_the_station_work_group(api_as, receiver):
    channel_create(org_kind="station", org_code="cf-qiaokao", kind="webhook", url=receiver.url("/qiaokao"))
    number = _dispatched(api_as)
    api_as("lead").post(f"tickets/{number}/urge", {"note": "请加快"})

    call_command("worker", "--once")

    topics = [hit.topic for hit in receiver.on("/qiaokao")]
    assert sorted(topics) == ["ticket.dispatched", "ticket.urged"]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.DELIVERED}


def test_robots_show_what_the_ticket_door_queued_title_once_then_body_ticket_line_and_link(api_as, receiver, settings):
    settings.HEATDESK_BASE_URL = "https://heatdesk.example.cn"
    channel_create(org_kind="station", org_code="cf-qiaokao", kind="wecom", url=receiver.url("/wecom"))
    channel_create(org_kind="station", org_code="cf-qiaokao", kind="feishu", url=receiver.url("/feishu"))
    number = _dispatched(api_as)
    api_as("lead").post(f"tickets/{number}/urge", {"note": "请加快"})

    call_command("worker", "--once")

    link = f"https://heatdesk.example.cn/tickets/{number}/"
    wecom = [hit.body["markdown"]["content"] for hit in receiver.on("/wecom")]
    assert len(wecom) == 2
    dispatched = next(content for content in wecom if content.startswith(f"**【派单】{number}"))
    assert dispatched.count(f"【派单】{number}") == 1  # the headline once
    assert "类别：暖气不热" in dispatched
    assert "紧急程度：一般" in dispatched
    assert "地址：蓝爵小区 3号楼2单元501" in dispatched
    assert f"工单编号：{number}" in dispatched
    assert f"[查看工单]({link})" in dispatched
    assert "13800002222" not in "".join(wecom)
    cards = [hit.body["card"] for hit in receiver.on("/feishu")]
    urged = next(card for card in cards if card["header"]["title"]["content"].startswith(f"【催办】{number}"))
    assert urged["header"]["template"] == "orange"
    assert urged["elements"][-1]["actions"][0]["url"] == link
