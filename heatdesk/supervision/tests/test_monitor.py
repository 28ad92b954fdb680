"""The monitor raises each threshold once, on time, with its messages up the ladder (time is moved, not waited)."""

from __future__ import annotations

import datetime as dt

import pytest

from heatdesk.notify.models import OutboxMessage
from heatdesk.supervision import monitor
from heatdesk.supervision.models import Alert
from heatdesk.supervision.monitor import monitor_next_wakeup, monitor_pass
from heatdesk.supervision.tests.conftest import clock_of
from heatdesk.tickets.models import SlaClock

SECOND = dt.timedelta(seconds=1)
QIAOKAO = "station-cf-qiaokao"


def _targets(level: str, stage: str = "response") -> set[tuple[str, str]]:
    messages = OutboxMessage.objects.filter(topic=f"alert.{level}", payload__stage=stage)
    return set(messages.values_list("org_kind", "org_code"))


def _levels(ticket, stage: str) -> list[str]:
    return sorted(Alert.objects.filter(ticket=ticket, stage=stage).values_list("level", flat=True))


def test_a_warning_is_raised_at_the_warning_time_and_told_to_the_station(make_ticket, act):
    ticket = act("80725", make_ticket(), "dispatch")
    response = clock_of(ticket, "response")
    assert response.warn_at - response.started_at == dt.timedelta(minutes=48)  # 80 % of the hour

    before = monitor_pass(now=response.warn_at - SECOND)
    at_warning = monitor_pass(now=response.warn_at)

    assert before.raised_total == 0
    assert at_warning.raised == {"warning": 1}
    alert = Alert.objects.get(ticket=ticket, stage="response")
    assert (alert.level, alert.threshold_at, alert.raised_at) == ("warning", response.warn_at, response.warn_at)
    assert (alert.station_code, alert.company_code, alert.closed_at) == ("cf-qiaokao", "chengfa", None)
    assert _targets("warning") == {("station", "cf-qiaokao")}
    assert clock_of(ticket, "response").next_threshold_at == response.due_at


def test_overdue_at_the_deadline_goes_to_the_station_and_its_company(make_ticket, act):
    ticket = act("80725", make_ticket(), "dispatch")
    response = clock_of(ticket, "response")
    monitor_pass(now=response.warn_at)

    report = monitor_pass(now=response.due_at)

    assert report.raised == {"overdue": 1}
    assert _levels(ticket, "response") == ["overdue", "warning"]
    assert _targets("overdue") == {("station", "cf-qiaokao"), ("company", "chengfa")}


def test_escalation_after_the_grace_time_goes_to_the_company_and_the_city_heating_office(
    make_ticket, act, escalate_after
):
    ticket = act("80725", make_ticket(), "dispatch")
    response = clock_of(ticket, "response")
    monitor_pass(now=response.due_at)

    early = monitor_pass(now=response.due_at + escalate_after - SECOND)
    report = monitor_pass(now=response.due_at + escalate_after)

    assert early.raised_total == 0
    assert report.raised == {"escalated": 1}
    escalated = Alert.objects.get(ticket=ticket, stage="response", level="escalated")
    assert escalated.threshold_at == response.due_at + escalate_after
    assert _targets("escalated") == {("company", "chengfa"), ("regulator", "city")}
    assert clock_of(ticket, "response").next_threshold_at is None  # the ladder is done
    assert monitor_pass(now=response.due_at + 10 * escalate_after).raised_total == 0


def test_a_worker_that_was_down_raises_every_passed_level_at_once_each_once(make_ticket, act, escalate_after):
    ticket = act("80725", make_ticket(), "dispatch")
    response = clock_of(ticket, "response")
    late = response.due_at + escalate_after + dt.timedelta(minutes=5)

    report = monitor_pass(now=late)

    assert report.raised == {"warning": 1, "overdue": 1, "escalated": 1}
    thresholds = dict(Alert.objects.filter(ticket=ticket, stage="response").values_list("level", "threshold_at"))
    assert thresholds == {
        "warning": response.warn_at,
        "overdue": response.due_at,
        "escalated": response.due_at + escalate_after,
    }


def test_running_the_monitor_twice_never_raises_an_alert_or_a_message_twice(make_ticket, act, escalate_after):
    ticket = act("80725", make_ticket(), "dispatch")
    response = clock_of(ticket, "response")
    late = response.due_at + escalate_after

    first = monitor_pass(now=late)
    messages = OutboxMessage.objects.count()
    SlaClock.objects.filter(pk=response.pk).update(next_threshold_at=response.warn_at)  # as if the update was lost
    second = monitor_pass(now=late)

    assert first.raised_total == 3
    assert second.raised_total == 0
    assert Alert.objects.filter(ticket=ticket, stage="response").count() == 3
    assert OutboxMessage.objects.count() == messages


def test_a_stage_met_in_time_raises_nothing(make_ticket, act, escalate_after):
    ticket = make_ticket()
    dispatch = clock_of(ticket, "dispatch")
    ticket = act("80725", ticket, "dispatch")
    act(QIAOKAO, ticket, "accept")

    report = monitor_pass(now=dispatch.due_at + 10 * escalate_after)

    assert _levels(ticket, "dispatch") == []
    assert _levels(ticket, "response") == []
    assert report.raised.keys() <= {"warning", "overdue", "escalated"}
    assert set(Alert.objects.filter(ticket=ticket).values_list("stage", flat=True)) <= {"resolution"}


def test_a_late_dispatch_closes_the_dispatch_alerts_and_stops_its_clock(make_ticket, act):
    ticket = make_ticket()
    dispatch = clock_of(ticket, "dispatch")
    monitor_pass(now=dispatch.due_at)
    assert Alert.objects.filter(ticket=ticket, stage="dispatch", clock__met_at__isnull=True).count() == 2

    act("80725", ticket, "dispatch")

    open_alerts = Alert.objects.filter(ticket=ticket, stage="dispatch", clock__met_at__isnull=True)
    assert not open_alerts.exists()
    assert clock_of(ticket, "dispatch").next_threshold_at is None


def test_dispatch_alerts_reach_the_desk_as_well_as_the_station(make_ticket):
    ticket = make_ticket()
    dispatch = clock_of(ticket, "dispatch")

    monitor_pass(now=dispatch.due_at)

    assert _targets("warning", "dispatch") == {("station", "cf-qiaokao"), ("desk", "city")}
    assert _targets("overdue", "dispatch") == {("station", "cf-qiaokao"), ("company", "chengfa"), ("desk", "city")}


def test_a_clock_without_a_station_tells_the_desk_and_the_regulator_only(make_ticket, escalate_after):
    ticket = make_ticket()
    SlaClock.objects.filter(ticket=ticket).update(station_code="", company_code="")  # no org to tell
    dispatch = clock_of(ticket, "dispatch")

    monitor_pass(now=dispatch.due_at + escalate_after)

    assert _levels(ticket, "dispatch") == ["escalated", "overdue", "warning"]
    assert set(OutboxMessage.objects.values_list("org_kind", "org_code")) == {("desk", "city"), ("regulator", "city")}


def test_an_approved_extension_moves_the_thresholds_not_yet_raised(make_ticket, act):
    ticket = act("80725", make_ticket(), "dispatch")
    act(QIAOKAO, ticket, "accept")
    resolution = clock_of(ticket, "resolution")
    until = resolution.due_at + dt.timedelta(hours=24)
    act(QIAOKAO, ticket, "extend", until=until.isoformat(), reason="需更换管件")
    act("lead", ticket, "approve-extension")
    moved = clock_of(ticket, "resolution")

    at_old_warning = monitor_pass(now=resolution.warn_at)
    at_new_warning = monitor_pass(now=moved.warn_at)

    assert moved.due_at == until
    assert moved.warn_at == resolution.started_at + (until - resolution.started_at) * 0.8
    assert at_old_warning.raised_total == 0
    assert at_new_warning.raised == {"warning": 1}
    assert Alert.objects.get(ticket=ticket, stage="resolution").threshold_at == moved.warn_at


def test_the_message_names_the_ticket_stage_and_deadline_in_chinese_and_never_the_phone(make_ticket, act):
    ticket = act("80725", make_ticket(caller_phone="13912345678"), "dispatch")
    response = clock_of(ticket, "response")

    monitor_pass(now=response.due_at)

    message = OutboxMessage.objects.get(topic="alert.overdue", org_kind="station")
    payload = message.payload
    assert payload["title"].startswith(f"【超时】工单 {ticket.number} 响应超时（桥靠供暖所，时限 ")
    assert payload["ticket_number"] == ticket.number
    assert (payload["stage"], payload["stage_label"], payload["level"], payload["level_label"]) == (
        "response",
        "响应",
        "overdue",
        "超时",
    )
    assert payload["station"] == "cf-qiaokao"
    assert payload["threshold_at"].endswith("+08:00")
    assert message.request_key == f"alert:{ticket.id}:response:overdue:station:cf-qiaokao"
    assert "13912345678" not in str(payload)


def test_the_next_wakeup_is_the_earliest_threshold_not_yet_raised(make_ticket, act):
    first = make_ticket()
    second = act("80725", make_ticket(), "dispatch")
    dispatch = clock_of(first, "dispatch")

    assert monitor_next_wakeup() == min(dispatch.warn_at, clock_of(second, "response").warn_at)
    monitor_pass(now=dispatch.warn_at)
    assert monitor_next_wakeup() == min(dispatch.due_at, clock_of(second, "response").warn_at)


def test_with_moved_wall_time_the_alert_is_raised_at_the_moved_now(make_ticket, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC), tick=False)
    ticket = make_ticket()
    dispatch = clock_of(ticket, "dispatch")

    time_machine.move_to(dispatch.warn_at + 3 * SECOND, tick=False)
    report = monitor_pass()

    assert report.raised == {"warning": 1}
    alert = Alert.objects.get(ticket=ticket)
    assert alert.raised_at - alert.threshold_at == 3 * SECOND
    assert report.max_lag_seconds == 3


def test_a_batch_takes_at_most_limit_clocks_and_says_there_is_more(make_ticket):
    tickets = [make_ticket(room=str(500 + n)) for n in range(3)]
    due = max(clock_of(t, "dispatch").warn_at for t in tickets)

    first = monitor_pass(now=due, limit=2)
    second = monitor_pass(now=due, limit=2)

    assert (first.clocks, first.more) == (2, True)
    assert (second.clocks, second.more) == (1, False)
    assert Alert.objects.filter(level="warning").count() == 3


def test_an_alert_raised_meanwhile_by_someone_else_is_kept_and_not_announced_again(make_ticket, monkeypatch):
    ticket = make_ticket()
    dispatch = clock_of(ticket, "dispatch")
    Alert.objects.create(
        ticket=ticket,
        stage="dispatch",
        level="warning",
        station_code="cf-qiaokao",
        threshold_at=dispatch.warn_at,
        raised_at=dispatch.warn_at,
    )
    monkeypatch.setattr(monitor, "_raised_levels", lambda rows: __import__("collections").defaultdict(set))

    report = monitor_pass(now=dispatch.due_at)

    assert report.raised == {"overdue": 1}
    assert _levels(ticket, "dispatch") == ["overdue", "warning"]
    assert not OutboxMessage.objects.filter(topic="alert.warning").exists()


def test_listeners_hear_of_each_new_alert_inside_its_transaction(make_ticket):
    ticket = make_ticket()
    heard: list[tuple[str, str]] = []

    def listener(alert: Alert) -> None:
        heard.append((alert.stage, alert.level))

    monitor.alert_listener_add(listener)
    try:
        monitor_pass(now=clock_of(ticket, "dispatch").due_at)
        monitor_pass(now=clock_of(ticket, "dispatch").due_at)
    finally:
        monitor.alert_listener_remove(listener)

    assert sorted(heard) == [("dispatch", "overdue"), ("dispatch", "warning")]


@pytest.mark.parametrize("level", ["warning", "overdue", "escalated"])
def test_every_level_has_a_topic_labels_and_recipients(level):
    recipients = monitor.alert_recipients(stage="resolution", level=level, station_code="s", company_code="c")
    assert recipients
    assert monitor.TOPICS[level] == f"alert.{level}"
