"""/groups/: what each work group was sent, as the group sees it, with status, error and retry."""

from __future__ import annotations

import pytest

from heatdesk.notify.models import OutboxMessage, OutboxStatus
from heatdesk.notify.services import outbox_deliver_due
from heatdesk.supervision.monitor import monitor_pass
from heatdesk.tickets.models import SlaClock
from heatdesk.web.tests.conftest import STATION_USER, act, new_ticket

pytestmark = pytest.mark.django_db


def _dispatched_warned_and_urged():
    ticket = new_ticket()
    response = SlaClock.objects.filter(ticket=ticket, stage="response").latest("cycle")
    monitor_pass(now=response.warn_at)
    act("80725", ticket, "urge", note="市民第二次来电 13800001111")
    outbox_deliver_due()
    return ticket


def test_the_desk_lead_sees_what_each_group_was_sent_newest_first(page_as):
    ticket = _dispatched_warned_and_urged()

    page = page_as("lead").get("/groups/?group=station:cf-qiaokao").content.decode()

    urged, warned, dispatched = (page.index(f"【{word}】") for word in ("催办", "预警", "派单"))
    assert urged < warned < dispatched  # newest first
    assert f'href="http://127.0.0.1:8000/tickets/{ticket.number}/"' in page
    assert "<strong>【派单】" in page  # the robot's markdown, drawn
    assert "13800001111" not in page
    assert "138****1111" in page


def test_a_station_sees_only_its_own_group_and_others_are_refused(page_as):
    _dispatched_warned_and_urged()

    own = page_as(STATION_USER).get("/groups/").content.decode()
    other = page_as("station-ft-guanghua").get("/groups/").content.decode()
    operator = page_as("80725").get("/groups/")

    assert "【派单】" in own
    assert "【派单】" not in other
    assert operator.status_code == 403


def test_a_failed_message_shows_its_error_and_can_be_sent_again(page_as):
    _dispatched_warned_and_urged()
    message = OutboxMessage.objects.filter(org_kind="station").first()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.FAILED, delivered_at=None, last_error="HTTP 500: boom"
    )
    lead = page_as("lead")

    page = lead.get("/groups/?group=station:cf-qiaokao").content.decode()
    retried = lead.post(f"/groups/retry/{message.pk}/")
    refused = page_as("station-ft-guanghua").post(f"/groups/retry/{message.pk}/")

    assert "HTTP 500: boom" in page
    assert f'action="/groups/retry/{message.pk}/"' in page
    assert retried.status_code == 302
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert refused.status_code == 403
