import io
import struct
import zlib

import pytest

from heatdesk.tickets.models import Ticket, TicketEvent

LANJUE = {
    "caller_phone": "13800001111",
    "compound": "lanjuexiaoqu",
    "building": 3,
    "unit": 2,
    "room": 501,
    "category": "not_warm",
    "description": "暖气不热",
}


def _png() -> bytes:
    raw = b"\x00\xff\x00\x00"
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))  # noqa: E731
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def ticket(api_as):
    return api_as("80725").post("tickets", LANJUE).json()


def test_a_replayed_create_with_the_same_idempotency_key_returns_the_same_ticket(api_as):
    desk = api_as("80725")
    first = desk.post("tickets", LANJUE, headers={"Idempotency-Key": "call-1"})
    again = desk.post("tickets", LANJUE, headers={"Idempotency-Key": "call-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    assert Ticket.objects.count() == 1
    other = desk.post("tickets", {**LANJUE, "description": "另一件事"}, headers={"Idempotency-Key": "call-1"})
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_mismatch"


def test_the_create_response_lists_the_callers_and_the_buildings_open_tickets_on_request(api_as, ticket):
    desk = api_as("80720")
    neighbour = desk.post("tickets?related=1", {**LANJUE, "caller_phone": "13911112222", "room": "601"}).json()
    assert [t["number"] for t in neighbour["related_open_tickets"]] == [ticket["number"]]
    unrelated = desk.post("tickets?related=1", {**LANJUE, "caller_phone": "13911113333", "building": "9"}).json()
    assert unrelated["related_open_tickets"] == []
    plain = desk.post("tickets", {**LANJUE, "caller_phone": "13911114444", "room": "701"}).json()
    assert plain["related_open_tickets"] is None


def test_a_repeat_call_attaches_to_the_open_ticket_and_urges_it(api_as, ticket):
    desk = api_as("80720")
    response = desk.post("tickets", {**LANJUE, "repeat_of": ticket["number"], "description": "又打来催"})
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == ticket["number"]
    assert body["repeat_call"] is True
    assert body["repeat_call_count"] == 1
    assert body["events"][-1]["kind"] == "urge"
    assert body["events"][-1]["data"]["repeat_call"] is True
    assert Ticket.objects.count() == 1


def test_an_action_not_allowed_now_is_a_409_and_changes_nothing(api_as, ticket):
    response = api_as("station-cf-qiaokao").post(f"tickets/{ticket['number']}/accept")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    assert TicketEvent.objects.count() == 1


def test_a_role_that_may_not_act_gets_a_403(api_as, ticket):
    response = api_as("regulator").post(f"tickets/{ticket['number']}/urge", {"note": "x"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_tickets_outside_the_users_scope_are_404(api_as, ticket):
    other = api_as("station-ft-guanghua")
    assert other.get(f"tickets/{ticket['number']}").status_code == 404
    assert other.post(f"tickets/{ticket['number']}/note", {"note": "x"}).status_code == 404
    assert other.get("tickets").json()["count"] == 0


def test_malformed_input_is_a_422_with_field_errors_never_a_500(api_as, ticket):
    desk = api_as("80725")
    bad = desk.post("tickets", {"caller_phone": "123", "category": "cold"})
    assert bad.status_code == 422
    fields = {d["field"] for d in bad.json()["error"]["details"]}
    assert {"caller_phone", "category"} <= fields
    assert desk.post("tickets", {**LANJUE, "caller_phone": "abcdefgh"}).status_code == 422
    not_json = desk.client.post(
        f"/api/v1/tickets/{ticket['number']}/note", data="{oops", content_type="application/json", headers=desk.headers
    )
    assert not_json.status_code == 422
    assert desk.post(f"tickets/{ticket['number']}/fly").status_code == 404
    assert desk.post(f"tickets/{ticket['number']}/dispatch", {"station": "nowhere"}).status_code == 422


def test_an_uncertain_address_needs_a_chosen_compound_or_station(api_as):
    desk = api_as("80725")
    response = desk.post(
        "tickets", {"caller_phone": "13800001111", "address": "某某某不存在的地方", "category": "other"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "address_uncertain"
    chosen = desk.post(
        "tickets",
        {"caller_phone": "13800001111", "address": "某某某不存在的地方", "category": "other", "station": "ft-guanghua"},
    )
    assert chosen.status_code == 201
    assert chosen.json()["station"]["code"] == "ft-guanghua"


def test_phones_are_masked_outside_the_desk_and_the_assigned_station(api_as, ticket):
    number = ticket["number"]
    api_as("80725").post(f"tickets/{number}/dispatch")
    assert api_as("station-cf-qiaokao").get(f"tickets/{number}").json()["caller_phone"] == "13800001111"
    assert api_as("company-chengfa").get(f"tickets/{number}").json()["caller_phone"] == "138****1111"
    assert api_as("regulator").get(f"tickets/{number}").json()["caller_phone"] == "138****1111"


def test_the_list_filters_and_paginates(api_as, ticket):
    desk = api_as("80725")
    for phone in ("13900000001", "13900000002"):
        desk.post("tickets", {**LANJUE, "caller_phone": phone})
    page = desk.get("tickets?page_size=2").json()
    assert page["count"] == 3
    assert len(page["items"]) == 2
    assert desk.get("tickets?page=2&page_size=2").json()["items"][0]["number"] == ticket["number"]
    assert desk.get("tickets?phone=13900000002").json()["count"] == 1
    assert desk.get("tickets?status=dispatched").json()["count"] == 0
    assert desk.get("tickets?station=cf-qiaokao&status=received,dispatched").json()["count"] == 3
    assert desk.get(f"tickets?q={ticket['number']}").json()["count"] == 1
    assert desk.get("tickets?overdue=true").json()["count"] == 0
    assert desk.get("tickets?page_size=1000").status_code == 422


def test_the_detail_carries_every_milestone_deadline_and_the_event_log(api_as, ticket):
    detail = api_as("80725").get(f"tickets/{ticket['number']}").json()
    for key in (
        "number",
        "status",
        "kind",
        "category",
        "urgency",
        "channel",
        "owner",
        "station",
        "compound",
        "building",
        "unit",
        "room",
        "address",
        "caller_phone",
        "deadlines",
        "created_at",
        "dispatched_at",
        "accepted_at",
        "departed_at",
        "arrived_at",
        "resolved_at",
        "closed_at",
        "satisfaction",
        "reopen_count",
        "events",
    ):
        assert key in detail
    assert set(detail["deadlines"]) == {"dispatch", "response", "resolution", "callback"}
    assert detail["created_at"].endswith("+08:00")
    assert detail["allowed_actions"] == ["guide", "dispatch", "note", "urge", "merge"]


def test_a_station_uploads_a_photo_and_it_is_listed_on_the_ticket(api_as, ticket, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    number = ticket["number"]
    api_as("80725").post(f"tickets/{number}/dispatch")
    station = api_as("station-cf-qiaokao")
    photo = io.BytesIO(_png())
    photo.name = "现场.png"
    response = station.client.post(f"/api/v1/tickets/{number}/attachments", {"file": photo}, headers=station.headers)
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "image/png"
    listed = station.get(f"tickets/{number}").json()
    assert len(listed["attachments"]) == 1
    assert listed["events"][-1]["kind"] == "attachment"


def test_only_images_of_a_sane_size_are_accepted(api_as, ticket, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    desk = api_as("80725")
    text = io.BytesIO(b"#!/bin/sh\necho not a photo\n")
    text.name = "photo.jpg"
    response = desk.client.post(f"/api/v1/tickets/{ticket['number']}/attachments", {"file": text}, headers=desk.headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "not_an_image"
    settings.HEATDESK_MAX_UPLOAD_BYTES = 10
    big = io.BytesIO(_png())
    big.name = "big.png"
    response = desk.client.post(f"/api/v1/tickets/{ticket['number']}/attachments", {"file": big}, headers=desk.headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "file_too_large"
    assert TicketEvent.objects.filter(kind="attachment").count() == 0
