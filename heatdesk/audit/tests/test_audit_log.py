"""The audit log: what audit_record keeps, phone reads, SLA policy changes, and user changes in the admin."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client, RequestFactory

from heatdesk.accounts.models import User
from heatdesk.audit.models import AuditEntry
from heatdesk.audit.services import PHONE_READ_MAX_NUMBERS, audit_phone_read, audit_record

pytestmark = pytest.mark.django_db


def test_an_entry_never_keeps_a_full_phone_number(demo_city):
    lead = User.objects.get(username="lead")
    detail = {
        "note": "市民13812345678来电，座机0471-6912345",
        "nested": [{"phone": "13900001111"}],
        "ticket": "GR202612010001",
        "share": Decimal("0.800"),
        "when": dt.date(2026, 12, 1),
    }

    entry = audit_record(actor=lead, action="user_change", object_type="user", object_id=1, detail=detail)

    entry.refresh_from_db()
    assert entry.detail == {
        "note": "市民138****5678来电，座机0471-****2345",
        "nested": [{"phone": "139****1111"}],
        "ticket": "GR202612010001",
        "share": "0.800",
        "when": "2026-12-01",
    }
    assert (entry.actor, entry.actor_username, entry.ip) == (lead, "lead", None)


def test_the_address_comes_from_the_request_and_junk_is_dropped(demo_city):
    good = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    junk = RequestFactory().get("/", REMOTE_ADDR="not-an-address")

    first = audit_record(actor=None, action="pii_purge", object_type="ticket", request=good)
    second = audit_record(actor=None, action="pii_purge", object_type="ticket", request=junk)

    assert (first.ip, second.ip) == ("10.1.2.3", None)


def test_an_unknown_action_is_a_programming_error(db):
    with pytest.raises(ValueError, match="unknown audit action"):
        audit_record(actor=None, action="coffee", object_type="x")
    assert not AuditEntry.objects.exists()


def test_a_phone_read_records_the_tickets_and_the_way_in(demo_city):
    operator = User.objects.get(username="80725")
    request = RequestFactory().get("/api/v1/tickets/GR1", REMOTE_ADDR="192.0.2.7")

    one = audit_phone_read(actor=operator, ticket_numbers=["GR1"], via="api_detail", request=request)
    many = audit_phone_read(
        actor=operator,
        ticket_numbers=[f"GR{n}" for n in range(PHONE_READ_MAX_NUMBERS + 5)],
        via="export_csv",
        detail={"period": "2026-12-01/2026-12-31"},
    )
    none = audit_phone_read(actor=operator, ticket_numbers=[], via="ticket_page")

    assert (one.action, one.object_type, one.object_id, one.ip) == ("phone_read", "ticket", "GR1", "192.0.2.7")
    assert one.detail == {"via": "api_detail", "count": 1, "tickets": ["GR1"]}
    assert many.object_id == ""
    assert many.detail["count"] == PHONE_READ_MAX_NUMBERS + 5
    assert len(many.detail["tickets"]) == PHONE_READ_MAX_NUMBERS
    assert many.detail["truncated"] is True
    assert many.detail["period"] == "2026-12-01/2026-12-31"
    assert none is None
    assert AuditEntry.objects.filter(action="phone_read").count() == 2


def test_an_sla_policy_change_is_audited_and_a_refused_one_is_not(api_as):
    lead = api_as("lead")

    refused = lead.put("sla/policy", [{"urgency": "normal", "stage": "dispatch", "seconds": -1}])
    changed = lead.put("sla/policy", [{"urgency": "normal", "stage": "dispatch", "seconds": 900, "warn_at": 0.7}])

    assert (refused.status_code, changed.status_code) == (422, 200)
    [entry] = AuditEntry.objects.filter(action="sla_policy_change")
    assert entry.actor_username == "lead"
    assert entry.detail == {"rules": [["normal", "dispatch", 900, "0.700"]]}


# ---- users in the admin ---------------------------------------------------------------------------


@pytest.fixture
def admin_client(demo_city) -> Client:
    AuditEntry.objects.all().delete()  # the demo seed's guidance scripts
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    return client


def _user_entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="user_change").order_by("id"))


def test_creating_a_user_in_the_admin_is_audited(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "80799",
            "password1": "a-long-secret-77",
            "password2": "a-long-secret-77",
            "usable_password": "true",
            "job_number": "80799",
            "role": "operator",
            "_save": "1",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    created = User.objects.get(username="80799")
    first = _user_entries()[0]
    assert first.detail["change"] == "create"
    assert (first.actor_username, first.object_id) == ("admin", str(created.pk))
    assert first.detail["fields"]["role"] == "operator"
    assert "password" not in str(first.detail["fields"])


def _change_form(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "job_number": user.job_number,
        "display_name": user.display_name,
        "role": user.role,
        "station": user.station_id or "",
        "company": user.company_id or "",
        "community": user.community_id or "",
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "date_joined_0": "2026-11-01",
        "date_joined_1": "08:00:00",
        "_save": "1",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_a_role_change_and_a_deactivation_are_audited(admin_client):
    operator = User.objects.get(username="80734")
    url = f"/admin/accounts/user/{operator.pk}/change/"

    promoted = admin_client.post(url, _change_form(operator, role="desk_lead"))
    operator.refresh_from_db()
    deactivated = admin_client.post(url, _change_form(operator, is_active=""))

    assert (promoted.status_code, deactivated.status_code) == (302, 302)
    role_change, deactivation = _user_entries()
    assert role_change.detail["fields"] == {"role": ["operator", "desk_lead"]}
    assert deactivation.detail["fields"] == {"is_active": [True, False]}
    assert deactivation.detail["deactivated"] is True
    assert deactivation.detail["username"] == "80734"


def test_a_save_that_changes_nothing_is_not_audited(admin_client):
    operator = User.objects.get(username="80734")
    response = admin_client.post(f"/admin/accounts/user/{operator.pk}/change/", _change_form(operator))
    assert response.status_code == 302
    assert _user_entries() == []


def test_a_password_change_in_the_admin_is_audited_without_the_password(admin_client):
    operator = User.objects.get(username="80734")
    url = f"/admin/accounts/user/{operator.pk}/password/"

    wrong = admin_client.post(url, {"password1": "x1-long-secret", "password2": "different-secret"})
    right = admin_client.post(url, {"password1": "a-new-long-secret-9", "password2": "a-new-long-secret-9"})

    assert (wrong.status_code, right.status_code) == (200, 302)
    [entry] = _user_entries()
    assert entry.detail["password_changed"] is True
    assert "a-new-long-secret-9" not in str(entry.detail)
    assert entry.object_id == str(operator.pk)
