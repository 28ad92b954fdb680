"""GET /api/v1/tickets reads plain rows and builds the summaries itself (issue 19): a bounded number of
statements whatever the page size, the same JSON as the schema would give, masks and the audit unchanged."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from ninja.responses import NinjaJSONEncoder

from heatdesk.accounts.models import User
from heatdesk.api.presenters import ticket_summary
from heatdesk.api.tests.test_ticket_api import LANJUE
from heatdesk.api.ticket_schemas import TicketPageOut
from heatdesk.audit.models import AuditEntry
from heatdesk.tickets.models import Ticket

# token, its last use, the page of rows, the count (a full page), the audit entry of the full phones shown.
MAX_STATEMENTS = 5


def _copies(template: Ticket, count: int) -> None:
    skip = {"id", "idempotency_key", "idempotency_fingerprint"}
    fields = {f.attname: getattr(template, f.attname) for f in Ticket._meta.concrete_fields if f.name not in skip}
    Ticket.objects.bulk_create(
        Ticket(**{**fields, "number": f"X{i:06d}", "caller_phone": f"139{i:08d}"}) for i in range(count)
    )


def _statements(client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_the_list_costs_the_same_bounded_number_of_statements_for_a_page_of_five_and_of_two_hundred(api_as):
    desk = api_as("80725")
    first = desk.post("tickets", {**LANJUE, "dispatch": True}).json()
    _copies(Ticket.objects.get(number=first["number"]), 250)
    desk.get("tickets?page_size=1")  # warm: the token's first use
    small = _statements(desk, "tickets?station=cf-qiaokao&page_size=5")
    large = _statements(desk, "tickets?station=cf-qiaokao&page_size=200")
    assert len(large) == len(small), "\n".join(large)
    assert len(large) <= MAX_STATEMENTS, "\n".join(large)


def test_a_short_page_answers_its_count_without_counting_and_a_page_past_the_end_still_counts(api_as):
    desk = api_as("80725")
    for phone in ("13900000001", "13900000002", "13900000003"):
        desk.post("tickets", {**LANJUE, "caller_phone": phone})
    counted = _statements(desk, "tickets?page_size=2")
    short = _statements(desk, "tickets?page=2&page_size=2")
    assert len(short) == len(counted) - 1
    assert desk.get("tickets?page=2&page_size=2").json()["count"] == 3
    assert desk.get("tickets?page=5&page_size=2").json() == {"count": 3, "page": 5, "page_size": 2, "items": []}
    assert desk.get("tickets?phone=13999999999").json()["count"] == 0


@pytest.mark.parametrize("viewer", ["80725", "station-cf-qiaokao", "company-chengfa", "regulator"])
def test_each_summary_of_the_list_is_the_schemas_json_of_the_ticket_as_this_viewer_sees_it(api_as, viewer):
    desk = api_as("80725")
    dispatched = desk.post("tickets", {**LANJUE, "dispatch": True}).json()["number"]
    desk.post("tickets", {**LANJUE, "caller_phone": "13900000002"})  # not dispatched: masked for the station
    api_as("station-cf-qiaokao").post(f"tickets/{dispatched}/accept")
    response = api_as(viewer).get("tickets?page_size=10")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(response.content)
    expected = TicketPageOut.model_validate(body).model_dump()
    assert response.content.decode() == json.dumps(expected, cls=NinjaJSONEncoder, ensure_ascii=False)
    user = User.objects.get(username=viewer)
    tickets = Ticket.objects.order_by("-created_at", "-id")
    assert body["items"] == [ticket_summary(t, viewer=user) for t in tickets]
    assert len(body["items"]) == 2


def test_the_list_audits_exactly_the_full_phones_it_showed(api_as):
    desk = api_as("80725")
    dispatched = desk.post("tickets", {**LANJUE, "dispatch": True}).json()["number"]
    desk.post("tickets", {**LANJUE, "caller_phone": "13900000002"})
    AuditEntry.objects.all().delete()
    items = api_as("station-cf-qiaokao").get("tickets").json()["items"]
    assert sorted(i["caller_phone"] for i in items) == ["13800001111", "139****0002"]
    entry = AuditEntry.objects.get()
    assert (entry.detail["via"], entry.detail["tickets"]) == ("api_list", [dispatched])
    AuditEntry.objects.all().delete()
    api_as("regulator").get("tickets")
    assert not AuditEntry.objects.exists()
