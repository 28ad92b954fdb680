"""GET /api/v1/tickets/{number}/sms: the caller's SMS for the desk, phones masked."""

from __future__ import annotations

import datetime as dt

import pytest

from heatdesk.feedback.sms import sms_deliver_due
from heatdesk.feedback.tests.conftest import new_ticket

pytestmark = pytest.mark.django_db


def test_the_desk_reads_a_tickets_sms_with_the_phone_masked(api_as, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC), tick=False)
    ticket = new_ticket()
    sms_deliver_due(limit=10)
    response = api_as("80720").get(f"tickets/{ticket.number}/sms")
    assert response.status_code == 200
    rows = response.json()
    assert [row["kind"] for row in rows] == ["received", "dispatched"]
    assert [row["status"] for row in rows] == ["sent", "queued"]  # the second waits for the per-number limit
    assert {row["to"] for row in rows} == {"138****5678"}
    assert rows[0]["text"].startswith("您的供暖诉求已受理")
    assert dt.datetime.fromisoformat(rows[0]["at"]).tzinfo is not None
    assert set(rows[0]) == {"at", "to", "kind", "text", "status"}


def test_other_roles_may_not_read_sms_and_unknown_tickets_are_404(api_as, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC), tick=False)
    ticket = new_ticket()
    for username in ("station-cf-qiaokao", "regulator", "company-chengfa"):
        response = api_as(username).get(f"tickets/{ticket.number}/sms")
        assert response.status_code == 403, username
        assert response.json()["error"]["code"] == "permission_denied"
    assert api_as("lead").get("tickets/GR209901010001/sms").status_code == 404


def test_the_ticket_page_lists_the_sms_for_the_desk(demo_city, client, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC), tick=False)
    from django.contrib.auth import get_user_model

    ticket = new_ticket()
    client.force_login(get_user_model().objects.get(username="80725"))
    html = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "您的供暖诉求已受理" in html
    assert 'data-kind="dispatched"' in html
    client.force_login(get_user_model().objects.get(username="station-cf-qiaokao"))
    assert "您的供暖诉求已受理" not in client.get(f"/tickets/{ticket.number}/").content.decode()


def test_the_kpi_report_splits_callbacks_by_channel(api_as):
    body = api_as("lead").get("reports/kpis").json()
    assert set(body["callback_channels"]) == {"phone", "sms_link"}
    assert body["callback_channels"]["sms_link"] == {"callbacks": 0, "reached": 0, "satisfied": 0, "fixed": 0}
