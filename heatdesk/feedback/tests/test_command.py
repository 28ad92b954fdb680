"""`heatdesk sms-deliver` sends what is due."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from heatdesk.feedback.models import SmsMessage, SmsStatus
from heatdesk.feedback.tests.conftest import new_ticket

pytestmark = pytest.mark.django_db


def test_sms_deliver_sends_due_messages(demo_city, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC), tick=False)
    ticket = new_ticket(dispatch=False)
    out = io.StringIO()
    call_command("sms_deliver", stdout=out)
    assert "sent 1" in out.getvalue()
    assert SmsMessage.objects.get(ticket=ticket).status == SmsStatus.SENT
