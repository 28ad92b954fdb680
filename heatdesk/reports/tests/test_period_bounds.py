"""Report periods are bounded (issue 11, defects 8 and 9): a 200-year period or a date at the calendar's edge
is a 422 (a message on the pages, an error from the `report` command), never a 500 or a broken download."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from heatdesk.accounts.models import User
from heatdesk.core.errors import ValidationFailed
from heatdesk.reports import exports, selectors
from heatdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db
EDGES = [
    "from=0001-01-01&to=2026-12-01",
    "from=2026-12-01&to=9999-12-31",
    "from=9999-12-31&to=9999-12-31",
    "from=0001-01-01&to=0001-01-01",
    "from=1826-01-01&to=2026-12-01",  # two hundred years
    "from=2025-01-01&to=2026-03-01",  # 425 days
]


def _page_as(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_a_period_of_four_hundred_days_is_accepted_and_one_more_is_refused():
    first = dt.date(2025, 1, 1)
    assert selectors.period_parse(date_from=first, date_to=first + dt.timedelta(days=399)).first_day == first
    with pytest.raises(ValidationFailed) as refused:
        selectors.period_parse(date_from=first, date_to=first + dt.timedelta(days=400))
    assert refused.value.code == "period_too_long"


@pytest.mark.parametrize("query", EDGES)
@pytest.mark.parametrize("endpoint", ["kpis", "rankings", "hotspots"])
def test_the_reports_api_answers_422_for_an_unbounded_or_overflowing_period(api_as, endpoint, query):
    response = api_as("lead").get(f"reports/{endpoint}?{query}")
    assert response.status_code == 422, response.content


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_day_report_at_the_calendars_edge_is_refused(demo_city, day):
    client = _page_as("lead")
    assert client.get(f"/reports/day/?date={day}").status_code == 422
    assert client.get(f"/reports/export/day.xlsx?date={day}").status_code == 422


@pytest.mark.parametrize("query", EDGES)
@pytest.mark.parametrize("path", ["/reports/", "/reports/export/season.xlsx", "/reports/export/tickets.csv"])
def test_the_report_pages_and_exports_refuse_before_anything_is_streamed(demo_city, path, query):
    response = _page_as("lead").get(f"{path}?{query}")
    assert response.status_code == 422
    assert not response.streaming


def test_a_csv_export_of_a_ticket_with_a_far_future_time_does_not_break_mid_stream(api_as):
    number = api_as("80725").post("tickets", {"caller_phone": "13800001111", "compound": "lanjuexiaoqu"}).json()
    far = dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC)
    Ticket.objects.filter(number=number["number"]).update(resolution_deadline=far)

    text = "".join(exports.tickets_csv_lines(tickets=Ticket.objects.all()))

    assert number["number"] in text


def test_the_report_command_refuses_an_unbounded_period(demo_city):
    with pytest.raises(CommandError):
        call_command("report", "--from", "1826-01-01", "--to", "2026-12-01", "--format", "json")
    with pytest.raises(CommandError):
        call_command("report", "--from", "2026-12-01", "--to", "9999-12-31", "--format", "csv")


@pytest.mark.parametrize("since", ["9999-12-31T23:59:59", "0001-01-01T00:00:00", "0001-01-01T00:00:00%2B14:00"])
def test_alerts_since_a_time_at_the_calendars_edge_is_422(api_as, since):
    response = api_as("lead").get(f"supervision/alerts?since={since}")
    assert response.status_code == 422, response.content


def test_a_csv_export_with_full_phones_is_audited_and_a_masked_one_is_not(api_as):
    from heatdesk.audit.models import AuditEntry

    number = api_as("80725").post("tickets", {"caller_phone": "13800001111", "compound": "lanjuexiaoqu"}).json()
    today = number["created_at"][:10]
    lead, company = _page_as("lead"), _page_as("company-chengfa")

    b"".join(lead.get(f"/reports/export/tickets.csv?from={today}&to={today}").streaming_content)
    b"".join(company.get(f"/reports/export/tickets.csv?from={today}&to={today}").streaming_content)

    entries = AuditEntry.objects.filter(action="phone_read")
    assert [(e.actor_username, e.detail["via"], e.detail["tickets"]) for e in entries] == [
        ("lead", "export_csv", [number["number"]])
    ]
