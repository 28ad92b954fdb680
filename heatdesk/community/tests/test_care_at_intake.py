"""重点关爱 at intake: a registered household's call is flagged and urgent by default, the stewards are shown
beside the address and on the ticket, and every register read this makes is audited."""

from __future__ import annotations

from heatdesk.audit.models import AuditEntry
from heatdesk.community.tests.test_api_scope import REGISTER_ROW
from heatdesk.notify.channels import card_markdown
from heatdesk.notify.messages import Message
from heatdesk.notify.models import OutboxMessage
from heatdesk.tickets.models import Ticket

ADDRESS = "回民区蓝爵小区3号楼2单元501"  # the registered household of REGISTER_ROW


def _register(api_as, cast) -> None:
    response = api_as(cast.community).post("community/vulnerable", {**REGISTER_ROW, "compound": cast.compound})
    assert response.status_code == 201, response.content


def _reads(via: str) -> int:
    return AuditEntry.objects.filter(action="vulnerable_read", detail__via=via).count()


def test_an_api_call_from_a_registered_household_is_urgent_by_default_and_the_read_is_audited(api_as, stewarded):
    _register(api_as, stewarded)
    body = {"caller_phone": "13800005555", "category": "not_warm", "address": ADDRESS, "dispatch": True}
    flagged = api_as("80725").post("tickets", body)
    chosen = api_as("80725").post("tickets", {**body, "caller_phone": "13800006666", "urgency": "normal"})
    neighbour = api_as("80725").post("tickets", {**body, "address": "回民区蓝爵小区3号楼2单元502"})

    assert Ticket.objects.get(number=flagged.json()["number"]).urgency == "urgent"
    assert Ticket.objects.get(number=chosen.json()["number"]).urgency == "normal"  # the operator's choice stands
    assert Ticket.objects.get(number=neighbour.json()["number"]).urgency == "normal"
    [entry] = AuditEntry.objects.filter(action="vulnerable_read", detail__via="api")
    assert (entry.actor.username, entry.object_id) == ("80725", stewarded.compound)
    assert entry.detail["household"] == "3-2-501"


def test_the_desk_shows_the_flag_and_the_stewards_beside_the_resolved_address(api_as, page_as, stewarded):
    _register(api_as, stewarded)
    page = page_as("80725").get("/desk/resolve/", {"address": ADDRESS}).content.decode()
    assert "重点关爱" in page
    assert "独居老人" in page
    assert 'data-care-key="lanjuexiaoqu:3-2-501"' in page  # desk.js ticks 紧急 once for this household
    assert "李社区 13900000002" in page
    assert "王供热 13900000001" in page
    assert "13811112222" not in page  # the register's contact stays masked
    assert _reads("desk") == 1

    other = page_as("80725").get("/desk/resolve/", {"address": "回民区蓝爵小区3号楼2单元502"}).content.decode()
    assert "重点关爱" not in other
    assert "李社区" in other
    assert _reads("desk") == 1  # finding nothing reads no row


def test_the_ticket_page_shows_the_flag_to_the_station_and_not_to_another_company(api_as, page_as, stewarded):
    _register(api_as, stewarded)
    body = {"caller_phone": "13800005555", "category": "not_warm", "address": ADDRESS, "dispatch": True}
    number = api_as("80725").post("tickets", body).json()["number"]

    station = page_as(stewarded.station).get(f"/tickets/{number}/").content.decode()
    regulator = page_as("regulator").get(f"/tickets/{number}/").content.decode()

    assert "重点关爱" in station
    assert "王供热 13900000001" in station
    assert "重点关爱" not in regulator
    assert "王供热 139****0001" in regulator  # stewards' phones masked beyond the desk and the serving station
    assert _reads("ticket_page") == 1
    live = page_as(stewarded.station).get(f"/tickets/{number}/live/", {"v": "stale"})
    assert live.status_code == 200
    assert _reads("ticket_page") == 1  # the page's live refresh does not read the register again


def test_the_station_groups_card_names_the_compounds_stewards_masked_and_the_desks_card_does_not(api_as, stewarded):
    body = {"caller_phone": "13800005555", "category": "not_warm", "address": ADDRESS, "dispatch": True}
    number = api_as("80725").post("tickets", body).json()["number"]
    returned = api_as(stewarded.station).post(f"tickets/{number}/return", {"reason": "不属于本所"})
    assert returned.status_code == 200, returned.content

    card = OutboxMessage.objects.get(topic="ticket.dispatched", org_kind="station")
    facts = dict(card.payload["facts"])
    assert facts["小区管家"] == (
        "社区管家 李社区 139****0002；供热管家 王供热 139****0001；网格员 张网格 139****0003；网格员 赵网格 139****0004"
    )
    assert "小区管家：社区管家 李社区 139****0002" in card_markdown(
        Message.from_payload(topic=card.topic, payload=card.payload)
    )
    desk_card = OutboxMessage.objects.get(topic="ticket.returned", org_kind="desk")
    assert "小区管家" not in dict(desk_card.payload["facts"])
