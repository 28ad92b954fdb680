"""Regression tests of the hardening probe (issue 11): each reproduces one defect found on the running demo."""

from __future__ import annotations

import datetime as dt
import struct
import zlib

import pytest
from django.test import Client, override_settings

from heatdesk.audit.models import AuditEntry
from heatdesk.tickets.models import Ticket, TicketAttachment

LANJUE = {
    "caller_phone": "13800001111",
    "compound": "lanjuexiaoqu",
    "building": 3,
    "unit": 2,
    "room": 501,
    "category": "not_warm",
    "description": "暖气不热",
}
STATION = "station-cf-qiaokao"


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))


def _upload(client, number: str, name: str, body: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.client.post(
        f"/api/v1/tickets/{number}/attachments",
        {"file": SimpleUploadedFile(name, body, content_type="text/html")},
        headers=client.headers,
    )


def _page_as(username: str) -> Client:
    from heatdesk.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _community_of(number: str) -> str:
    from heatdesk.accounts.models import User

    ticket = Ticket.objects.get(number=number)
    return User.objects.get(username__startswith="community-", community=ticket.compound.community).username


@pytest.fixture
def ticket(api_as):
    return api_as("80725").post("tickets", LANJUE).json()


@pytest.fixture
def dispatched(api_as, ticket):
    return api_as("80725").post(f"tickets/{ticket['number']}/dispatch", {}).json()


# ---- 1, 2: photos -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["evil.html", "evil.svg", "evil", "x.png.html"])
def test_a_photo_named_html_is_stored_under_the_extension_of_its_sniffed_type(api_as, ticket, name):
    response = _upload(api_as("80725"), ticket["number"], name, _png() + b"<script>alert(1)</script>")

    assert response.status_code == 201, response.content
    stored = TicketAttachment.objects.get(id=response.json()["id"])
    assert stored.file.name.endswith(".png")
    assert ".html" not in stored.file.name
    assert ".svg" not in stored.file.name


def test_the_api_links_a_photo_to_the_scoped_view_never_to_media(api_as, ticket):
    desk = api_as("80725")
    attachment = _upload(desk, ticket["number"], "site.png", _png()).json()

    assert attachment["url"] == f"/tickets/{ticket['number']}/photos/{attachment['id']}/"
    detail = desk.get(f"tickets/{ticket['number']}").json()
    assert all("/media/" not in a["url"] for a in detail["attachments"])


def test_the_scoped_photo_view_says_nosniff_inline_and_its_sniffed_type(api_as, ticket):
    attachment = _upload(api_as("80725"), ticket["number"], "evil.html", _png()).json()
    served = _page_as("80725").get(attachment["url"])

    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("inline; filename=")
    assert ".html" not in served["Content-Disposition"]
    assert Client().get(attachment["url"]).status_code == 302  # anonymous: to the login page


def test_media_is_not_routed_even_in_debug_or_demo_mode():
    import importlib

    import heatdesk.urls

    with override_settings(DEBUG=True, DEMO_MODE=True):
        patterns = importlib.reload(heatdesk.urls).urlpatterns
    importlib.reload(heatdesk.urls)
    assert not [p for p in patterns if str(p.pattern).startswith("media")]


# ---- 4: phone search ---------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["company-chengfa", "regulator", "community"])
@pytest.mark.parametrize(
    "query", ["phone=13800001111", "phone=1111", "q=13800001111", "q=138-0000-1111", "q=138 0000 1111"]
)
def test_a_role_that_sees_masked_phones_may_not_search_by_phone(api_as, dispatched, user, query):
    if user == "community":
        user = _community_of(dispatched["number"])
    response = api_as(user).get(f"tickets?{query}")

    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "phone_search_not_allowed"


def test_words_and_ticket_numbers_stay_searchable_for_masked_roles(api_as, dispatched):
    company = api_as("company-chengfa")
    assert company.get(f"tickets?q={dispatched['number']}").json()["count"] == 1
    assert company.get("tickets?q=蓝爵").status_code == 200


def test_the_desk_finds_a_caller_by_the_last_four_digits(api_as, ticket):
    api_as("80725").post("tickets", {**LANJUE, "caller_phone": "13900002222", "room": "601"})

    found = api_as("80720").get("tickets?phone=1111").json()

    assert [t["number"] for t in found["items"]] == [ticket["number"]]
    assert api_as("80720").get("tickets?phone=13800001111").json()["count"] == 1


def test_the_station_searches_by_phone_only_among_tickets_dispatched_to_it(api_as, ticket):
    station = api_as(STATION)
    assert station.get("tickets?phone=1111").json()["count"] == 0  # routed there, not yet dispatched
    api_as("80725").post(f"tickets/{ticket['number']}/dispatch", {})
    assert station.get("tickets?phone=1111").json()["count"] == 1


def test_the_search_page_refuses_a_phone_search_to_masked_roles(api_as, dispatched):
    client = _page_as("company-chengfa")

    assert client.get("/tickets/?q=13800001111").status_code == 403
    assert client.get(f"/tickets/?q={dispatched['number']}").status_code == 200


# ---- 15: the routed station before dispatch -----------------------------------------------------------


def test_the_routed_station_sees_a_masked_phone_until_the_ticket_is_dispatched_to_it(api_as, ticket):
    station = api_as(STATION)
    assert station.get(f"tickets/{ticket['number']}").json()["caller_phone"] == "138****1111"

    api_as("80725").post(f"tickets/{ticket['number']}/dispatch", {})

    assert station.get(f"tickets/{ticket['number']}").json()["caller_phone"] == "13800001111"


# ---- 5: far-future extension -----------------------------------------------------------------------


def test_an_extension_far_past_the_deadline_is_refused_and_changes_nothing(api_as, dispatched):
    number = dispatched["number"]
    station = api_as(STATION)
    station.post(f"tickets/{number}/accept")

    response = station.post(f"tickets/{number}/extend", {"until": "9999-12-31T23:59:59+08:00", "reason": "x"})

    assert response.status_code == 422
    assert Ticket.objects.get(number=number).extension_requested_until is None
    assert station.get(f"tickets/{number}").status_code == 200


def test_an_extension_within_thirty_days_of_the_deadline_is_accepted(api_as, dispatched):
    number = dispatched["number"]
    station = api_as(STATION)
    station.post(f"tickets/{number}/accept")
    deadline = Ticket.objects.get(number=number).resolution_deadline

    until = (deadline + dt.timedelta(days=3)).isoformat()
    assert station.post(f"tickets/{number}/extend", {"until": until, "reason": "等配件"}).status_code == 200


def test_a_ticket_with_an_extreme_stored_time_still_renders(api_as, dispatched):
    number = dispatched["number"]
    far = dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC)
    Ticket.objects.filter(number=number).update(extension_requested_until=far, resolution_deadline=far)

    assert api_as("lead").get(f"tickets/{number}").status_code == 200
    assert _page_as("lead").get(f"/tickets/{number}/").status_code == 200


# ---- 11: other 500s --------------------------------------------------------------------------------


def test_a_huge_page_number_is_an_error_not_a_crash(api_as, ticket):
    response = api_as("80725").get("tickets?page=1000000000000000000")

    assert response.status_code in (200, 422)
    assert response.status_code < 500


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "nan", "sNaN"])
def test_a_temperature_that_is_not_a_finite_number_is_422(api_as, dispatched, value):
    number = dispatched["number"]
    station = api_as(STATION)
    station.post(f"tickets/{number}/accept")
    station.post(f"tickets/{number}/depart")

    response = station.post(f"tickets/{number}/arrive", {"indoor_temp": value})

    assert response.status_code == 422, response.content
    assert Ticket.objects.get(number=number).arrived_at is None


def test_deeply_nested_json_in_an_action_body_is_422(api_as, dispatched):
    nested: object = "x"
    for _ in range(5000):
        nested = [nested]
    body = '{"note": ' + "[" * 5000 + '"x"' + "]" * 5000 + "}"

    response = api_as("80725").client.post(
        f"/api/v1/tickets/{dispatched['number']}/note",
        body,
        content_type="application/json",
        headers=api_as("80725").headers,
    )

    assert response.status_code in (400, 422)


# ---- 17b: silent truncation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("building", "1" * 11),
        ("unit", "2" * 11),
        ("room", "3" * 11),
        ("caller_name", "王" * 41),
        ("address", "a" * 201),
    ],
)
def test_a_too_long_field_is_refused_by_name_not_truncated(api_as, field, value):
    response = api_as("80725").post("tickets", {**LANJUE, field: value})

    assert response.status_code == 422, response.content
    assert field in response.content.decode()
    assert Ticket.objects.count() == 0


def test_a_too_long_idempotency_key_is_refused_not_truncated(api_as):
    response = api_as("80725").post("tickets", LANJUE, headers={"Idempotency-Key": "k" * 81})

    assert response.status_code == 422
    assert "Idempotency-Key" in response.content.decode()
    assert Ticket.objects.count() == 0


# ---- audit of full phone reads -----------------------------------------------------------------------


def test_reading_a_full_phone_through_the_api_is_audited(api_as, ticket):
    api_as("lead").get(f"tickets/{ticket['number']}")

    entry = AuditEntry.objects.filter(action="phone_read").latest("id")
    assert entry.actor.username == "lead"
    assert ticket["number"] in str(entry.detail)


def test_a_masked_read_is_not_audited(api_as, ticket):
    before = AuditEntry.objects.filter(action="phone_read").count()
    api_as("company-chengfa").get(f"tickets/{ticket['number']}")
    assert AuditEntry.objects.filter(action="phone_read").count() == before
