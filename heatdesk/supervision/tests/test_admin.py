"""The admin: desk leads edit rules through the policy service; clocks and alerts are read-only, in Chinese."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from heatdesk.sla.models import SlaRule
from heatdesk.supervision.models import Alert
from heatdesk.supervision.monitor import monitor_pass
from heatdesk.supervision.tests.conftest import clock_of
from heatdesk.tickets.models import SlaClock


@pytest.fixture
def lead_client(users) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(users["lead"])
    return client


def test_a_desk_lead_sees_rules_clocks_and_alerts_in_chinese(lead_client, make_ticket):
    ticket = make_ticket()
    monitor_pass(now=clock_of(ticket, "dispatch").due_at)

    names = {"slarule": "sla_slarule", "slaclock": "tickets_slaclock", "alert": "supervision_alert"}
    pages = {name: lead_client.get(reverse(f"admin:{url}_changelist")) for name, url in names.items()}

    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 200)
    assert "时限规则" in pages["slarule"].text
    assert "时限计时" in pages["slaclock"].text
    assert "督办提醒" in pages["alert"].text
    assert ticket.number in pages["alert"].text


def test_a_desk_lead_edits_a_rule_and_the_change_is_recorded(lead_client, users):
    rule = SlaRule.objects.get(urgency="normal", stage="dispatch")

    response = lead_client.post(reverse("admin:sla_slarule_change", args=[rule.pk]), {"seconds": 300, "warn_at": "0.5"})

    assert response.status_code == 302, response.content.decode()[:2000]
    rule.refresh_from_db()
    assert (rule.seconds, str(rule.warn_at), rule.updated_by) == (300, "0.500", users["lead"])


def test_the_admin_refuses_what_the_service_refuses(lead_client):
    rule = SlaRule.objects.get(urgency="normal", stage="dispatch")

    response = lead_client.post(reverse("admin:sla_slarule_change", args=[rule.pk]), {"seconds": 300, "warn_at": "1"})

    assert response.status_code == 200  # the form again, with the error
    assert "预警比例" in response.text
    rule.refresh_from_db()
    assert rule.seconds == 600


def test_clocks_and_alerts_cannot_be_added_changed_or_deleted(lead_client, admin_client, make_ticket):
    ticket = make_ticket()
    monitor_pass(now=clock_of(ticket, "dispatch").warn_at)
    alert, sla_clock = Alert.objects.get(), SlaClock.objects.get(ticket=ticket)

    for client in (lead_client, admin_client):
        assert client.get(reverse("admin:supervision_alert_add")).status_code == 403
        assert client.get(reverse("admin:supervision_alert_delete", args=[alert.pk])).status_code == 403
        assert client.get(reverse("admin:tickets_slaclock_delete", args=[sla_clock.pk])).status_code == 403
        change = client.post(reverse("admin:supervision_alert_change", args=[alert.pk]), {"level": "escalated"})
        assert change.status_code == 403
    assert Alert.objects.get().level == "warning"
