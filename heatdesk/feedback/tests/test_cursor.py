"""The SMS come from the ticket event log: queued by the chore, outside the change's transaction, once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from heatdesk.feedback import cursor
from heatdesk.feedback.cursor import sms_from_events
from heatdesk.feedback.models import SmsEventCursor, SmsEventSeen, SmsMessage
from heatdesk.feedback.tests.conftest import ADDRESS, STATION_USER, user
from heatdesk.tickets.models import TicketEvent
from heatdesk.tickets.services import TicketIntake, ticket_act, ticket_intake

DAY = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Hohhot


def _open(phone: str = "13812345678", *, dispatch: bool = True):
    call = TicketIntake(caller_phone=phone, address=ADDRESS, category="not_warm")
    return ticket_intake(actor=user("80725"), call=call, dispatch=dispatch).ticket


def _kinds(ticket) -> list[str]:
    return list(SmsMessage.objects.filter(ticket=ticket).order_by("id").values_list("kind", flat=True))


@pytest.mark.django_db
def test_a_change_queues_nothing_until_the_chore_runs_then_exactly_once(demo_city, time_machine):
    time_machine.move_to(DAY, tick=False)
    ticket = _open()
    assert _kinds(ticket) == []  # nothing inside the intake's transaction

    assert sms_from_events() == 2  # create + dispatch
    assert sms_from_events() == 0
    assert _kinds(ticket) == ["received", "dispatched"]
    ticket_act(actor=user(STATION_USER), number=ticket.number, action="accept", payload={})
    ticket_act(actor=user(STATION_USER), number=ticket.number, action="note", payload={"note": "已电话联系"})
    sms_from_events()
    sms_from_events()
    assert _kinds(ticket) == ["received", "dispatched", "accepted"]


@pytest.mark.django_db
def test_an_event_that_commits_late_below_a_handled_one_is_still_found(demo_city, time_machine):
    time_machine.move_to(DAY, tick=False)
    first = _open(dispatch=False)
    late_id = TicketEvent.objects.get(ticket=first, kind="create").id
    late = TicketEvent.objects.get(id=late_id)
    TicketEvent.objects.filter(id=late_id).delete()  # not yet committed when the chore runs
    second = _open("13900001111", dispatch=False)
    sms_from_events()
    assert (_kinds(first), _kinds(second)) == ([], ["received"])

    late.save(force_insert=True)  # commits now, below an event already handled
    sms_from_events()
    assert _kinds(first) == ["received"]


@pytest.mark.django_db
def test_the_floor_trails_the_newest_event_and_forgets_old_seen_rows(demo_city, time_machine, monkeypatch):
    time_machine.move_to(DAY, tick=False)
    monkeypatch.setattr(cursor, "FLOOR_LAG", 1)
    for phone in ("13900001111", "13900002222", "13900003333"):
        _open(phone, dispatch=False)
    sms_from_events()
    newest = TicketEvent.objects.order_by("-id").first().id
    assert SmsEventCursor.objects.get(name="sms").floor_event_id == newest - 1
    assert list(SmsEventSeen.objects.values_list("event_id", flat=True)) == [newest]
    assert SmsMessage.objects.count() == 3


@pytest.mark.django_db
def test_a_backlog_is_worked_down_in_batches_without_skipping(demo_city, time_machine, monkeypatch):
    time_machine.move_to(DAY, tick=False)
    monkeypatch.setattr(cursor, "FLOOR_LAG", 0)
    tickets = [_open(f"1390000{i:04d}", dispatch=False) for i in range(5)]
    while sms_from_events(limit=2):
        pass
    assert [_kinds(ticket) for ticket in tickets] == [["received"]] * 5


@pytest.mark.django_db
def test_imported_tickets_send_nothing(demo_city, time_machine):
    time_machine.move_to(DAY, tick=False)
    ticket = _open(dispatch=False)
    TicketEvent.objects.filter(ticket=ticket).update(data={"imported": True})
    sms_from_events()
    assert _kinds(ticket) == []


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two workers at once need PostgreSQL row locks")
def test_two_workers_at_once_queue_each_sms_once():
    from heatdesk.demo import demo_seed

    demo_seed()
    tickets = [_open(f"1390000{i:04d}") for i in range(30)]
    barrier = threading.Barrier(2)

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(40):
                sms_from_events(limit=7)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    sms_from_events()
    assert [_kinds(ticket) for ticket in tickets] == [["received", "dispatched"]] * 30


@pytest.mark.django_db
def test_an_event_that_cannot_be_texted_is_passed_over_and_holds_up_no_other(demo_city, time_machine, monkeypatch):
    time_machine.move_to(DAY, tick=False)
    broken, fine = _open("13900001111", dispatch=False), _open("13900002222", dispatch=False)
    real = cursor.sms_enqueue

    def failing(**kwargs):
        if kwargs["ticket"].id == broken.id:
            raise ValueError("template")
        return real(**kwargs)

    monkeypatch.setattr(cursor, "sms_enqueue", failing)
    assert sms_from_events() == 2
    assert (_kinds(broken), _kinds(fine)) == ([], ["received"])
    assert sms_from_events() == 0
