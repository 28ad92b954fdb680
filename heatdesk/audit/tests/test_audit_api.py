"""GET /api/v1/audit: admins only, newest first, filtered and paginated, bad input 4xx."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from heatdesk.accounts.models import User
from heatdesk.audit.models import AuditEntry
from heatdesk.audit.services import audit_phone_read, audit_record
from heatdesk.core import clock

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def log(demo_city):
    """Three entries on three days: a phone read by 80725, an SLA change by lead, a user change by admin."""
    AuditEntry.objects.all().delete()  # the demo seed's guidance scripts
    users = {name: User.objects.get(username=name) for name in ("80725", "lead", "admin")}
    with clock.moved_to(dt.datetime(2026, 12, 1, 9, tzinfo=TZ)):
        audit_phone_read(actor=users["80725"], ticket_numbers=["GR202612010001"], via="api_detail")
    with clock.moved_to(dt.datetime(2026, 12, 2, 9, tzinfo=TZ)):
        audit_record(actor=users["lead"], action="sla_policy_change", object_type="sla_policy")
    with clock.moved_to(dt.datetime(2026, 12, 3, 9, tzinfo=TZ)):
        audit_record(actor=users["admin"], action="user_change", object_type="user", object_id=7)


def test_an_admin_reads_the_log_newest_first(api_as, log):
    response = api_as("admin").get("audit")

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["page_size"]) == (3, 1, 50)
    assert [item["action"] for item in body["items"]] == ["user_change", "sla_policy_change", "phone_read"]
    read = body["items"][2]
    assert read["actor"] == "80725"
    assert read["at"] == "2026-12-01T09:00:00+08:00"
    assert read["detail"]["tickets"] == ["GR202612010001"]
    assert set(read) == {"id", "at", "actor", "action", "object_type", "object_id", "detail", "ip"}


@pytest.mark.parametrize(
    ("query", "actions"),
    [
        ("action=phone_read", ["phone_read"]),
        ("actor=lead", ["sla_policy_change"]),
        ("from=2026-12-02", ["user_change", "sla_policy_change"]),
        ("to=2026-12-02T09:00:00%2B08:00", ["phone_read"]),
        ("from=2026-12-01T12:00:00&to=2026-12-03", ["sla_policy_change"]),
        ("object_type=user&object_id=7", ["user_change"]),
        ("actor=nobody", []),
    ],
)
def test_filters(api_as, log, query, actions):
    response = api_as("admin").get(f"audit?{query}")
    assert response.status_code == 200, response.content
    assert [item["action"] for item in response.json()["items"]] == actions


def test_pages(api_as, log):
    second = api_as("admin").get("audit?page=2&page_size=2").json()
    assert (second["count"], [item["action"] for item in second["items"]]) == (3, ["phone_read"])


@pytest.mark.parametrize("username", ["80725", "lead", "regulator", "station-cf-qiaokao"])
def test_only_admins_read_the_log(api_as, log, username):
    response = api_as(username).get("audit")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_without_a_token_it_is_401(anonymous_api, log):
    assert anonymous_api.get("audit").status_code == 401


@pytest.mark.parametrize(
    "query",
    [
        "action=coffee",
        "from=0001-01-01",
        "to=9999-12-31T23:59:59",
        "from=yesterday",
        "page=0",
        "page=1000000000000000000",
        "actor=a%00b",
        "page_size=201",
    ],
)
def test_bad_input_is_a_4xx_never_a_500(api_as, log, query):
    response = api_as("admin").get(f"audit?{query}")
    assert 400 <= response.status_code < 500, (query, response.status_code)
    assert "error" in response.json() or "detail" in response.json()
