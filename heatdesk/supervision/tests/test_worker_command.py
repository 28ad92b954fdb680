"""`heatdesk worker` in-process: --once raises and delivers what is due; bad options are refused."""

from __future__ import annotations

import logging

import pytest
from django.core.management import CommandError, call_command

from heatdesk.notify.models import OutboxMessage, OutboxStatus
from heatdesk.supervision.models import Alert
from heatdesk.supervision.tests.conftest import clock_of
from heatdesk.supervision.worker import Worker


def test_once_raises_the_due_alerts_and_delivers_their_messages(make_ticket, time_machine, caplog):
    ticket = make_ticket(caller_phone="13812345678")
    time_machine.move_to(clock_of(ticket, "dispatch").due_at, tick=False)

    with caplog.at_level(logging.INFO, logger="heatdesk"):
        call_command("worker", "--once")

    assert sorted(Alert.objects.values_list("level", flat=True)) == ["overdue", "warning"]
    statuses = set(OutboxMessage.objects.filter(topic__startswith="alert.").values_list("status", flat=True))
    assert statuses == {OutboxStatus.DELIVERED}  # no channels configured: the console channel logs them
    lines = caplog.text
    assert "worker.started" in lines
    assert "sla.alert_raised" in lines
    assert f"ticket={ticket.number}" in lines
    assert "worker.stopped" in lines
    assert "13812345678" not in lines


def test_once_with_nothing_due_does_nothing(make_ticket):
    make_ticket()
    call_command("worker", "--once")
    assert not Alert.objects.exists()


@pytest.mark.parametrize("args", [["--poll", "0"], ["--poll", "-1"], ["--poll", "61"], ["--batch", "0"]])
def test_bad_options_are_refused(args, db):
    with pytest.raises(CommandError):
        call_command("worker", "--once", *args)


def test_a_step_reports_more_work_while_a_batch_is_full(make_ticket, time_machine):
    tickets = [make_ticket(room=str(600 + n)) for n in range(3)]
    time_machine.move_to(max(clock_of(t, "dispatch").warn_at for t in tickets), tick=False)
    worker = Worker(poll=1, batch=2, deliver_batch=50)

    assert worker.step() is True  # two of three clocks, and their messages went out
    worker.step()
    assert worker.step() is False

    assert worker.totals.raised == 3


def test_a_failed_step_is_logged_and_retried_rather_than_ending_the_worker(db, monkeypatch, caplog):
    from django.db import OperationalError

    from heatdesk.supervision import worker as command

    worker = Worker(poll=0.01, batch=10, deliver_batch=10)
    calls = []

    def flaky_pass(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("the database went away (caller 13812345678)")
        worker.stopping.set()  # second step: fine, and the test is over
        return command.MonitorReport()

    monkeypatch.setattr(command, "monitor_pass", flaky_pass)
    with caplog.at_level(logging.INFO, logger="heatdesk"):
        worker.run(once=False)

    assert len(calls) == 2
    assert worker.totals.errors == 1
    assert "worker.step_failed" in caplog.text
    assert "OperationalError" in caplog.text
    assert "13812345678" not in caplog.text
