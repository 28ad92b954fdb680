"""The issue's "done when": a real server and real `heatdesk worker` processes against the test database.

Windows are seconds long, so the whole file runs in well under a minute, on SQLite and on PostgreSQL
(see `live.py` for how subprocesses reach the test database).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time

import pytest
from django.db import connection

from heatdesk.accounts.models import User
from heatdesk.core import clock
from heatdesk.notify.models import Channel, OutboxMessage, OutboxStatus
from heatdesk.notify.services import channel_create
from heatdesk.sla.services import sla_policy_update
from heatdesk.supervision.models import Alert
from heatdesk.supervision.monitor import MonitorReport, monitor_pass
from heatdesk.supervision.tests.conftest import clock_of, ticket_make
from heatdesk.supervision.tests.live import Http, Route, wait_until
from heatdesk.tickets.models import TicketEvent
from heatdesk.tickets.services import ticket_act

pytestmark = pytest.mark.django_db(transaction=True)

BODY = {"caller_phone": "13800003333", "compound": "lanjuexiaoqu", "building": "3", "unit": "2", "room": "501"}
QUIET = {"HEATDESK_SLA_ESCALATE_AFTER_SECONDS": "3600"}  # no escalation unless a test wants one
# A dead worker's claim is leased for at least 30 s (notify's floor). Tests fast-forward that lease
# the way time would; set HEATDESK_LIVE_REAL_LEASE=1 to wait it out for real (about 40 s more).
REAL_LEASE = os.environ.get("HEATDESK_LIVE_REAL_LEASE") == "1"


def _policy(**windows: tuple[int, float]) -> None:
    rules = [{"urgency": "normal", "stage": stage, "seconds": s, "warn_at": w} for stage, (s, w) in windows.items()]
    sla_policy_update(actor=User.objects.get(username="lead"), rules=rules)


def _worker(heatdesk_process, *args: str, env: dict[str, str]):
    # The morning digest is tested on its own (reports/tests/test_digest.py); here it would be noise.
    worker = heatdesk_process("worker", "--poll", "1", "--no-digest", *args, env=env)
    wait_until(lambda: "worker.started" in worker.log(), timeout=20, what="the worker to start")
    return worker


def _lags(alerts) -> list[float]:
    return [(alert.raised_at - alert.threshold_at).total_seconds() for alert in alerts]


def _settled() -> bool:
    return not OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists()


def test_a_desk_lead_shortens_the_dispatch_window_and_a_real_worker_raises_each_alert_once_on_time(
    shared_db, heatdesk_process, live_server_url, receiver
):
    # Given: over real HTTP the desk lead shortens the dispatch window to 3 s (warning at 1.5 s),
    # the station, its company and the desk have work-group webhooks, and a real worker runs.
    lead = Http(live_server_url).signed_in("lead")
    rule = {"urgency": "normal", "stage": "dispatch", "seconds": 3, "warn_at": 0.5}
    status, policy = lead.call("PUT", "/api/v1/sla/policy", [rule])
    assert status == 200, policy
    assert rule in policy
    channel_create(org_kind="station", org_code="cf-qiaokao", kind="webhook", url=receiver.url("/station"))
    channel_create(org_kind="company", org_code="chengfa", kind="webhook", url=receiver.url("/company"))
    channel_create(org_kind="desk", org_code="city", kind="webhook", url=receiver.url("/desk"))
    worker = _worker(heatdesk_process, env=QUIET)

    # When: an operator opens a ticket over HTTP and nobody dispatches it.
    status, ticket = Http(live_server_url).signed_in("80725").call("POST", "/api/v1/tickets", BODY)
    assert status == 201, ticket
    number = ticket["number"]
    wait_until(lambda: len(receiver.on("/desk")) >= 2, timeout=15, what="the overdue message")
    time.sleep(1.5)  # room for any duplicate to show up

    # Then: exactly one warning and one overdue alert, each raised within 2 s of its threshold,
    alerts = list(Alert.objects.filter(ticket__number=number).order_by("threshold_at"))
    assert [alert.level for alert in alerts] == ["warning", "overdue"]
    assert all(0 <= lag < 2 for lag in _lags(alerts)), _lags(alerts)
    # with their messages delivered to the work groups up the ladder, one key per alert and group,
    station, company, desk = receiver.on("/station"), receiver.on("/company"), receiver.on("/desk")
    assert station == company == []  # the desk holds an undispatched ticket: its alerts are the desk's
    assert [hit.topic for hit in desk] == ["alert.warning", "alert.overdue"]
    assert len({hit.key for hit in desk}) == 2
    assert desk[1].body["payload"]["title"].startswith(f"【超时】工单 {number} 派单超时")
    assert "13800003333" not in str([hit.body for hit in station + company + desk])
    messages = OutboxMessage.objects.filter(topic__startswith="alert.")
    assert {m.status for m in messages} == {OutboxStatus.DELIVERED}
    by_level = {alert.level: alert for alert in alerts}
    for message in messages:
        threshold = by_level[message.topic.removeprefix("alert.")].threshold_at
        assert (message.delivered_at - threshold).total_seconds() < 2
    # and the desk sees them on the supervision API.
    status, listed = lead.call("GET", f"/api/v1/supervision/alerts?ticket={number}")
    assert status == 200
    assert sorted(a["level"] for a in listed) == ["overdue", "warning"]

    # SIGTERM: the worker finishes its step and exits cleanly.
    assert worker.stop() == 0
    assert "worker.stopping signal=SIGTERM" in worker.log()
    assert "worker.stopped forced=False" in worker.log()


def test_a_worker_killed_mid_delivery_loses_nothing_and_the_next_one_resends_under_the_same_key(
    shared_db, heatdesk_process, receiver
):
    # Given: a 2 s dispatch window (warning at 1 s) and a desk work group (dispatch alerts are the
    # desk's) that hangs on its first request.
    _policy(dispatch=(2, 0.5))
    channel_create(
        org_kind="desk", org_code="city", kind="webhook", url=receiver.url("/station", Route(first_delay=30))
    )
    # Leases as short as notify allows: max(LEASE_SECONDS, rounds × 2 × TIMEOUT + 30 s) = 38 s here.
    env = {**QUIET, "HEATDESK_OUTBOX_TIMEOUT_SECONDS": "4", "HEATDESK_OUTBOX_LEASE_SECONDS": "1"}
    first = _worker(heatdesk_process, "--deliver-batch", "8", env=env)
    ticket = ticket_make()

    # When: the first worker raises the warning, is posting it, and is killed (SIGKILL) mid-request;
    wait_until(lambda: receiver.on("/station"), timeout=10, what="the warning to reach the station")
    first.kill()
    warning = Alert.objects.get(ticket=ticket, stage="dispatch", level="warning")
    in_flight = OutboxMessage.objects.get(
        request_key__startswith=f"alert:{ticket.id}:dispatch:1:warning:desk", channel__kind="webhook"
    )
    assert (in_flight.status, in_flight.attempts) == (OutboxStatus.PENDING, 1)  # claimed, result never recorded
    if not REAL_LEASE:
        OutboxMessage.objects.filter(pk=in_flight.pk).update(next_attempt_at=clock.now())  # the lease runs out
    # and a second worker takes over.
    _worker(heatdesk_process, env=env)
    wait_until(
        lambda: Alert.objects.filter(ticket=ticket, level="overdue").exists() and _settled(),
        timeout=60 if REAL_LEASE else 15,
        what="the overdue alert and every message to be delivered",
    )

    # Then: no alert lost or doubled, every message delivered, and the station saw the warning's key
    # again (at least once) but never a second key for one alert.
    levels = sorted(Alert.objects.filter(ticket=ticket).values_list("level", flat=True))
    assert levels == ["overdue", "warning"]
    assert Alert.objects.get(pk=warning.pk).raised_at == warning.raised_at
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.DELIVERED}
    keys = receiver.keys("/station")
    by_topic = {}
    for hit in receiver.on("/station"):
        by_topic.setdefault(hit.topic, set()).add(hit.key)
    assert {topic: len(keys) for topic, keys in by_topic.items()} == {"alert.warning": 1, "alert.overdue": 1}
    assert keys.count(in_flight.idempotency_key) == 2
    assert len(keys) == 3


def test_a_failing_work_group_is_retried_with_backoff_then_given_up_while_other_messages_flow(
    shared_db, heatdesk_process, receiver, settings
):
    # Given: a 2 s response window (warning 1 s, overdue 2 s, escalation 1 s later); the station's
    # webhook answers 500, the company's and the city heating office's work.
    _policy(response=(2, 0.5))
    channel_create(org_kind="station", org_code="cf-qiaokao", kind="webhook", url=receiver.url("/fail", Route(500)))
    channel_create(org_kind="company", org_code="chengfa", kind="webhook", url=receiver.url("/company"))
    channel_create(org_kind="regulator", org_code="city", kind="webhook", url=receiver.url("/regulator"))
    env = {
        "HEATDESK_SLA_ESCALATE_AFTER_SECONDS": "1",
        "HEATDESK_OUTBOX_MAX_ATTEMPTS": "3",
        "HEATDESK_OUTBOX_BACKOFF_BASE_SECONDS": "0.4",
        "HEATDESK_OUTBOX_BACKOFF_FACTOR": "2",
        "HEATDESK_OUTBOX_TIMEOUT_SECONDS": "2",
    }
    _worker(heatdesk_process, env=env)
    settings.HEATDESK_OUTBOX_MAX_ATTEMPTS = 3  # the dispatch message is queued here, with this process's limit

    # When: a ticket is dispatched and its station never answers.
    ticket = ticket_act(
        actor=User.objects.get(username="80725"), number=ticket_make().number, action="dispatch", payload={}
    )
    wait_until(
        lambda: Alert.objects.filter(ticket=ticket, level="escalated").exists() and _settled(),
        timeout=20,
        what="escalation and every message settled",
    )

    # Then: each station message was tried 3 times under one key, waiting longer each time, and failed
    # with the error kept;
    station = OutboxMessage.objects.filter(org_kind="station", channel__kind="webhook")  # not the demo console
    assert {m.topic for m in station} == {"ticket.dispatched", "alert.warning", "alert.overdue", "alert.escalated"}
    for message in station:
        assert (message.status, message.attempts) == (OutboxStatus.FAILED, 3)
        assert "500" in message.last_error
        times = [hit.at for hit in receiver.on("/fail") if hit.key == message.idempotency_key]
        assert len(times) == 3
        first_wait, second_wait = times[1] - times[0], times[2] - times[1]
        assert first_wait >= 0.35, times
        assert second_wait >= 0.75, times
    # meanwhile the company and the city heating office got theirs, each alert once.
    assert [hit.topic for hit in receiver.on("/company")] == ["alert.overdue", "alert.escalated"]
    assert [hit.topic for hit in receiver.on("/regulator")] == ["alert.escalated"]
    overdue_to_company = receiver.on("/company")[0].at
    overdue_to_station = [hit.at for hit in receiver.on("/fail") if hit.topic == "alert.overdue"]
    assert overdue_to_company < overdue_to_station[-1]  # not held up behind the failing station
    levels = sorted(Alert.objects.filter(ticket=ticket, stage="response").values_list("level", flat=True))
    assert levels == ["escalated", "overdue", "warning"]


def test_two_monitor_passes_in_parallel_threads_raise_each_alert_exactly_once(shared_db, settings):
    # Given: 30 received tickets, each with all three thresholds passed; the desk has two robots.
    settings.HEATDESK_SLA_ESCALATE_AFTER_SECONDS = 60
    robots = [
        channel_create(org_kind="desk", org_code="city", kind="webhook", url=f"https://h.cn/desk-{n}") for n in (1, 2)
    ]
    tickets = [ticket_make(room=str(100 + n)) for n in range(30)]
    late = max(clock_of(t, "dispatch").due_at for t in tickets) + dt.timedelta(minutes=2)
    start = threading.Barrier(2)
    reports: list[MonitorReport] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            while (report := monitor_pass(now=late, limit=4)).clocks:
                reports.append(report)
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    # When: two workers pass over them at the same moment, in small batches.
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # Then: 90 alerts, none twice, each announced once to each of its recipients.
    assert errors == []
    assert Alert.objects.count() == 90
    assert len(set(Alert.objects.values_list("ticket_id", "stage", "level"))) == 90
    assert sum(report.raised_total for report in reports) == 90
    assert sum(report.clocks for report in reports) == 30
    # Each alert logged once on its ticket;
    events = list(TicketEvent.objects.filter(kind__startswith="alert_").values_list("ticket_id", "kind"))
    assert len(events) == len(set(events)) == 90
    # dispatch-stage alerts: warning and overdue to the desk, the escalation to the desk and the regulator,
    # the desk's requests one row per robot, each ticket's climbing the ladder in order.
    requests = set(OutboxMessage.objects.values_list("request_key", flat=True))
    assert len(requests) == 30 * (1 + 1 + 2)
    keys = list(OutboxMessage.objects.values_list("idempotency_key", flat=True))
    desk, regulator = (Channel.objects.filter(org_kind=kind, is_active=True).count() for kind in ("desk", "regulator"))
    assert desk >= 2
    assert len(keys) == len(set(keys)) == 30 * (3 * desk + max(1, regulator))
    for robot in robots:
        queued = OutboxMessage.objects.filter(channel=robot).order_by("id").values_list("request_key", flat=True)
        assert len(queued) == 90
        for ticket in tickets:
            levels = [key.split(":")[4] for key in queued if key.split(":")[1] == str(ticket.id)]
            assert levels == ["warning", "overdue", "escalated"]


def test_two_real_workers_share_the_clocks_and_raise_each_alert_once(shared_db, heatdesk_process):
    # Given: two workers running at once and a 2 s dispatch window.
    _policy(dispatch=(2, 0.5))
    workers = [_worker(heatdesk_process, "--batch", "5", env=QUIET) for _ in range(2)]

    # When: 40 tickets come in.
    tickets = [ticket_make(room=str(200 + n)) for n in range(40)]
    wait_until(lambda: Alert.objects.count() == 80 and _settled(), timeout=20, what="80 alerts and their messages")
    time.sleep(1)

    # Then: a warning and an overdue alert per ticket, each raised by exactly one of the workers.
    assert Alert.objects.count() == 80
    assert {t.id for t in tickets} == set(Alert.objects.values_list("ticket_id", flat=True))
    raised_lines = sum(worker.log().count("sla.alert_raised") for worker in workers)
    assert raised_lines == 80
    assert all(lag < 2 for lag in _lags(Alert.objects.all())), max(_lags(Alert.objects.all()))
    keys = list(OutboxMessage.objects.filter(topic__startswith="alert.").values_list("request_key", flat=True))
    assert len(keys) == len(set(keys)) == 40 * (1 + 1)  # dispatch-stage alerts go to the desk alone
    # 40 calls behind one substation are also a burst: the workers' incidents chore suggested it once (desk, station)
    assert OutboxMessage.objects.filter(topic="incident.suggested").count() == 2
