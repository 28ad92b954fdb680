"""SMS are queued with the ticket's change, once, and delivered with opt-outs, quiet hours and a rate limit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

from heatdesk.core.errors import TransitionNotAllowed, ValidationFailed
from heatdesk.feedback.cursor import sms_from_events
from heatdesk.feedback.models import SmsMessage, SmsStatus, SmsTemplate
from heatdesk.feedback.services import sms_opt_out
from heatdesk.feedback.sms import quiet_release, rate_release, sms_deliver_due, sms_enqueue
from heatdesk.feedback.tests.conftest import ADDRESS, STATION_USER, new_ticket, resolved_ticket, user
from heatdesk.tickets.services import TicketIntake, ticket_act, ticket_intake

pytestmark = pytest.mark.django_db
DAY = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Hohhot
NIGHT = dt.datetime(2026, 12, 1, 15, 30, tzinfo=dt.UTC)  # 23:30 in Hohhot


@pytest.fixture
def daytime(demo_city, time_machine):
    time_machine.move_to(DAY, tick=False)
    return time_machine


def kinds(ticket):
    return list(SmsMessage.objects.filter(ticket=ticket).order_by("id").values_list("kind", flat=True))


def test_each_step_queues_its_message_once(daytime):
    ticket = resolved_ticket()
    assert kinds(ticket) == ["received", "dispatched", "accepted", "resolved"]
    dispatched, accepted, resolved = SmsMessage.objects.filter(ticket=ticket).order_by("id")[1:]
    assert "桥靠" in dispatched.text
    assert "12月01日" in dispatched.text
    assert "桥靠" in accepted.text
    assert "http://127.0.0.1:8000/r/" in resolved.text


def test_a_replayed_create_queues_nothing_more(daytime):
    call = TicketIntake(caller_phone="13812345678", address=ADDRESS, category="not_warm", idempotency_key="k-1")
    first = ticket_intake(actor=user("80725"), call=call)
    sms_from_events()
    again = ticket_intake(actor=user("80725"), call=call)
    sms_from_events()
    assert (first.created, again.created) == (True, False)
    assert kinds(first.ticket) == ["received"]


def test_a_refused_action_queues_nothing(daytime):
    ticket = new_ticket()
    with pytest.raises(TransitionNotAllowed):
        ticket_act(actor=user(STATION_USER), number=ticket.number, action="resolve", payload={})
    sms_from_events()
    assert kinds(ticket) == ["received", "dispatched"]


def test_a_landline_gets_no_sms(daytime):
    ticket = new_ticket(phone="0471-6612345")
    assert kinds(ticket) == []


@pytest.mark.django_db(transaction=True)
def test_enqueue_refuses_outside_a_transaction(daytime):
    ticket = new_ticket()
    with pytest.raises(TransactionManagementError):
        sms_enqueue(ticket=ticket, kind="received", params={}, key="x", at=DAY, is_urgent=False)


def test_the_desk_lead_edits_the_text(daytime):
    SmsTemplate.objects.create(kind="received", text="已收到，单号{number}", provider_template="SMS_1")
    ticket = new_ticket(dispatch=False)
    message = SmsMessage.objects.get(ticket=ticket)
    assert message.text == f"已收到，单号{ticket.number}"
    assert message.params == {"template": "SMS_1", "values": [["number", ticket.number]]}


def test_non_urgent_messages_wait_for_the_morning_urgent_ones_do_not(demo_city, time_machine):
    time_machine.move_to(NIGHT, tick=False)
    normal = new_ticket(dispatch=False)
    leak = new_ticket(phone="13900002222", dispatch=False, category="leak")
    morning = dt.datetime(2026, 12, 1, 23, 0, tzinfo=dt.UTC)  # 07:00 in Hohhot
    assert SmsMessage.objects.get(ticket=normal).next_attempt_at == morning
    assert SmsMessage.objects.get(ticket=leak).next_attempt_at == NIGHT
    report = sms_deliver_due(limit=10)
    assert report.sent == 1
    assert SmsMessage.objects.get(ticket=normal).status == SmsStatus.QUEUED
    time_machine.move_to(morning, tick=False)
    assert sms_deliver_due(limit=10).sent == 1


def test_quiet_hours_edges():
    shanghai = dt.timezone(dt.timedelta(hours=8))
    at = dt.datetime(2026, 12, 1, 21, 59, tzinfo=shanghai)
    assert quiet_release(at) == at
    assert quiet_release(at.replace(hour=22, minute=0)) == dt.datetime(2026, 12, 2, 7, 0, tzinfo=shanghai)
    assert quiet_release(at.replace(hour=6, minute=59)) == dt.datetime(2026, 12, 1, 7, 0, tzinfo=shanghai)


def test_opt_out_per_number_and_per_ticket(daytime):
    sms_opt_out(phone="13812345678")
    ticket = new_ticket()
    assert set(SmsMessage.objects.filter(ticket=ticket).values_list("status", flat=True)) == {SmsStatus.OPTED_OUT}
    other = new_ticket(phone="13900003333", dispatch=False)
    sms_opt_out(ticket=other)  # after queueing: the queued message is not sent
    report = sms_deliver_due(limit=10)
    assert (report.sent, report.opted_out) == (0, 1)
    assert SmsMessage.objects.get(ticket=other).status == SmsStatus.OPTED_OUT
    with pytest.raises(ValidationFailed):
        sms_opt_out()


def test_one_number_is_rate_limited_and_held_not_dropped(daytime):
    ticket = new_ticket()  # received + dispatched at once
    report = sms_deliver_due(limit=10)
    assert (report.sent, report.held) == (1, 1)
    held = SmsMessage.objects.get(ticket=ticket, kind="dispatched")
    assert held.status == SmsStatus.QUEUED
    assert held.next_attempt_at == DAY + dt.timedelta(minutes=1)
    daytime.move_to(DAY + dt.timedelta(minutes=1), tick=False)
    assert sms_deliver_due(limit=10).sent == 1


def test_rate_release_counts_every_window():
    now = DAY
    assert rate_release(sent_times=[], now=now) is None
    assert rate_release(sent_times=[now - dt.timedelta(seconds=10)], now=now) == now + dt.timedelta(seconds=50)
    five = [now - dt.timedelta(minutes=m) for m in (2, 10, 20, 30, 50)]
    assert rate_release(sent_times=five, now=now) == now + dt.timedelta(minutes=10)


def test_a_message_is_sent_once_even_when_delivered_twice(daytime):
    new_ticket(dispatch=False)
    assert sms_deliver_due(limit=10).sent == 1
    assert sms_deliver_due(limit=10).claimed == 0


def test_a_rolled_back_change_sends_nothing(daytime):
    ticket = new_ticket(dispatch=False)

    def dispatch_then_fail():
        with transaction.atomic():
            ticket_act(actor=user("80725"), number=ticket.number, action="dispatch", payload={})
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        dispatch_then_fail()
    sms_from_events()
    assert kinds(ticket) == ["received"]
