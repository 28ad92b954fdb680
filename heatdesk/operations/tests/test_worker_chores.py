"""`heatdesk worker` seals finished KPI days by itself: hourly, a bounded number of days a pass."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from heatdesk.accounts.models import User
from heatdesk.core import clock
from heatdesk.operations.management.commands.worker import worker_chores
from heatdesk.reports.daybook import kpi_days_seal
from heatdesk.reports.models import KpiSealedDay
from heatdesk.supervision.worker import Chore, Worker
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.services import TicketIntake, ticket_intake


@pytest.fixture
def finished_days(demo_city):
    """Three past days, one closed ticket each; and one open ticket today."""
    actor = User.objects.get(username="80725")
    # Noon of the desk's local day (Asia/Shanghai): the day book seals local days, whatever UTC says.
    today = timezone.localtime(clock.now()).replace(hour=12, minute=0, second=0, microsecond=0)
    days = []
    for back in (3, 2, 1):
        call = TicketIntake(caller_phone=f"1380000000{back}", category="not_warm", compound="lanjuexiaoqu")
        ticket = ticket_intake(actor=actor, call=call).ticket
        at = today - dt.timedelta(days=back)
        Ticket.objects.filter(id=ticket.id).update(status="closed", created_at=at, closed_at=at, updated_at=at)
        days.append(at.date())
    ticket_intake(
        actor=actor, call=TicketIntake(caller_phone="13800000009", category="not_warm", compound="lanjuexiaoqu")
    )
    return days


def test_the_worker_seals_the_finished_days_without_a_manual_step(finished_days):
    call_command("worker", "--once")
    assert sorted(KpiSealedDay.objects.values_list("day", flat=True)) == sorted(finished_days)


def test_one_worker_pass_queues_and_sends_the_callers_sms(finished_days):
    from heatdesk.feedback.models import SmsMessage

    assert not SmsMessage.objects.exists()  # the intakes queued none themselves
    call_command("worker", "--once")
    call_command("worker", "--once")
    received = SmsMessage.objects.filter(kind="received")
    assert sorted(received.values_list("to", flat=True)) == ["13800000001", "13800000002", "13800000003", "13800000009"]


def test_a_sealing_pass_is_bounded_and_takes_the_oldest_first(finished_days):
    report = kpi_days_seal(limit=2)
    assert report.sealed == sorted(finished_days)[:2]
    assert kpi_days_seal(limit=2).sealed == sorted(finished_days)[2:]


def test_a_chore_runs_on_the_first_step_then_once_per_period(db):
    runs = []
    chore = Chore(name="count", every_seconds=3600, run=lambda: runs.append(1) or 1)
    worker = Worker(poll=1, batch=10, deliver_batch=10, chores=[chore])
    worker.step()
    worker.step()
    assert runs == [1]
    chore.next_at = 0.0  # an hour later
    worker.step()
    assert runs == [1, 1]


def test_a_sealing_pass_starts_no_day_once_its_time_budget_is_spent(finished_days):
    # A spent budget still seals one day, so a backlog always moves on.
    assert kpi_days_seal(budget_seconds=0).sealed == sorted(finished_days)[:1]
    assert kpi_days_seal(budget_seconds=60).sealed == sorted(finished_days)[1:]


def test_a_chore_with_a_backlog_comes_back_soon_and_hourly_once_caught_up(db):
    backlog = [0, 2, 3]  # what each run finds to do, popped from the end
    chore = Chore(name="seal", every_seconds=3600, run=backlog.pop, busy_at=1, busy_every_seconds=2)
    worker = Worker(poll=1, batch=10, deliver_batch=10, chores=[chore])

    worker.step()  # did 3: back in 2 s
    assert 0 < chore.next_at - time.monotonic() <= 2
    chore.next_at = 0.0
    worker.step()  # did 2: back in 2 s
    assert 0 < chore.next_at - time.monotonic() <= 2
    chore.next_at = 0.0
    worker.step()  # did nothing: caught up, back in an hour
    assert chore.next_at - time.monotonic() > 3500
    assert backlog == []


def test_the_workers_sealing_chore_works_a_backlog_off_in_short_runs(finished_days):
    seal = next(chore for chore in worker_chores(deliver_batch=10) if chore.name == "kpi_days_seal")
    assert (seal.busy_at, seal.every_seconds) == (1, 3600)
    assert seal.busy_every_seconds <= 5
    runs = [seal.run() for _ in range(4)]  # one or more days a run, within its time budget
    assert sum(runs) == 3
    assert runs[-1] == 0
    assert sorted(KpiSealedDay.objects.values_list("day", flat=True)) == sorted(finished_days)
