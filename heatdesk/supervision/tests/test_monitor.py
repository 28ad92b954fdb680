"""The monitor raises each threshold once, on time, with its messages up the ladder (time is moved, not waited)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from heatdesk.notify.channels import Envelope, wecom_body
from heatdesk.notify.messages import Message
from heatdesk.notify.models import OutboxMessage, Topic
from heatdesk.supervision import monitor
from heatdesk.supervision.models import Alert
from heatdesk.supervision.monitor import monitor_next_wakeup, monitor_pass
from heatdesk.supervision.selectors import alert_counts_visible_to, escalated_per_station
from heatdesk.supervision.tests.conftest import clock_of
from heatdesk.tickets.models import SlaClock, TicketEvent

SECOND = dt.timedelta(seconds=1)
QIAOKAO = "station-cf-qiaokao"


def _targets(level: str, stage: str = "response") -> set[tuple[str, str]]:
    messages = OutboxMessage.objects.filter(topic=f"alert.{level}", request_key__contains=f":{stage}:")
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


def test_escalation_after_the_grace_time_goes_to_the_station_the_company_and_the_city_heating_office(
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
    assert _targets("escalated") == {("station", "cf-qiaokao"), ("company", "chengfa"), ("regulator", "city")}
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
    # As if the pass's update of the clock was lost: the ladder starts again at the warning.
    SlaClock.objects.filter(pk=response.pk).update(next_level="warning", next_threshold_at=response.warn_at)
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


def test_dispatch_alerts_reach_the_desk_which_holds_the_ticket_not_the_station(make_ticket):
    ticket = make_ticket()
    dispatch = clock_of(ticket, "dispatch")

    monitor_pass(now=dispatch.due_at)

    assert _targets("warning", "dispatch") == {("desk", "city")}
    assert _targets("overdue", "dispatch") == {("desk", "city")}


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


def test_the_message_names_the_ticket_stage_and_deadline_in_chinese_links_the_ticket_and_never_the_phone(
    make_ticket, act, settings
):
    settings.HEATDESK_BASE_URL = "https://heatdesk.example.cn"
    ticket = act("80725", make_ticket(caller_phone="13912345678"), "dispatch")
    response = clock_of(ticket, "response")

    monitor_pass(now=response.due_at)

    row = OutboxMessage.objects.get(topic="alert.overdue", org_kind="station")
    message = Message.from_payload(topic=row.topic, payload=row.payload)
    assert message.topic == Topic.ALERT_OVERDUE
    assert message.title == f"【超时】工单 {ticket.number} 响应超时"
    facts = dict(message.facts)
    assert facts["供暖所"] == "桥靠供暖所"
    assert facts["地址"] == "蓝爵小区 3号楼2单元501"
    assert (message.deadline, message.deadline_label) == (response.due_at, "响应时限")
    assert message.ticket_number == ticket.number
    assert message.link == f"https://heatdesk.example.cn/tickets/{ticket.number}/"
    assert row.request_key == f"alert:{ticket.id}:response:1:overdue:station:cf-qiaokao"
    assert "13912345678" not in str(row.payload)


def test_a_robot_shows_the_alert_title_once_then_the_station_the_ticket_line_and_the_link(make_ticket, act):
    ticket = act("80725", make_ticket(), "dispatch")
    monitor_pass(now=clock_of(ticket, "response").warn_at)
    row = OutboxMessage.objects.get(topic="alert.warning")
    envelope = Envelope(
        idempotency_key=row.idempotency_key,
        org_kind=row.org_kind,
        org_code=row.org_code,
        created_at=row.created_at,
        message=Message.from_payload(topic=row.topic, payload=row.payload),
    )

    content = wecom_body(envelope.message)["markdown"]["content"]

    assert content.count(f"工单 {ticket.number} 响应即将超时") == 1
    assert "供暖所：桥靠供暖所" in content
    assert f"工单编号：{ticket.number}" in content
    assert f"(http://127.0.0.1:8000/tickets/{ticket.number}/)" in content


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


def _statements_of_a_pass(*, now: dt.datetime) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        report = monitor_pass(now=now)
    return report.raised_total, len([q for q in captured.captured_queries if "SAVEPOINT" not in q["sql"].upper()])


def test_a_pass_costs_the_same_statements_for_three_alerts_as_for_thirty(make_ticket, escalate_after):
    # Given: one received ticket, and (apart) ten more, each with all three dispatch thresholds passed.
    one = make_ticket(room="601")
    late = clock_of(one, "dispatch").due_at + escalate_after + dt.timedelta(minutes=1)
    few = _statements_of_a_pass(now=late)
    more = [make_ticket(room=str(700 + n)) for n in range(10)]
    late = max(clock_of(t, "dispatch").due_at for t in more) + escalate_after + dt.timedelta(minutes=1)

    # When: a pass raises their 30 alerts with their events and 40 messages.
    many = _statements_of_a_pass(now=late)

    # Then: the statements did not grow with the alerts (bulk inserts, not round trips per message),
    assert (few[0], many[0]) == (3, 30)
    assert many[1] == few[1], (few, many)
    # and every alert has its one event and one message per recipient.
    assert TicketEvent.objects.filter(kind__startswith="alert_").count() == 33
    assert OutboxMessage.objects.filter(topic__startswith="alert.").count() == 11 * (1 + 1 + 2)


def test_a_batch_takes_at_most_limit_clocks_and_says_there_is_more(make_ticket):
    tickets = [make_ticket(room=str(500 + n)) for n in range(3)]
    due = max(clock_of(t, "dispatch").warn_at for t in tickets)

    first = monitor_pass(now=due, limit=2)
    second = monitor_pass(now=due, limit=2)

    assert (first.clocks, first.more) == (2, True)
    assert (second.clocks, second.more) == (1, False)
    assert Alert.objects.filter(level="warning").count() == 3


def test_an_alert_raised_meanwhile_by_someone_else_is_kept_and_not_announced_again(make_ticket):
    ticket = make_ticket()
    dispatch = clock_of(ticket, "dispatch")
    Alert.objects.create(  # the clock still expects its warning: only the unique constraint knows
        ticket=ticket,
        clock=dispatch,
        stage="dispatch",
        cycle=dispatch.cycle,
        level="warning",
        station_code="cf-qiaokao",
        threshold_at=dispatch.warn_at,
        raised_at=dispatch.warn_at,
    )

    report = monitor_pass(now=dispatch.due_at)

    assert report.raised == {"overdue": 1}
    assert _levels(ticket, "dispatch") == ["overdue", "warning"]
    assert not OutboxMessage.objects.filter(topic="alert.warning").exists()


def test_each_new_alert_is_logged_on_its_ticket_inside_its_transaction_once(make_ticket):
    ticket = make_ticket()

    monitor_pass(now=clock_of(ticket, "dispatch").due_at)
    monitor_pass(now=clock_of(ticket, "dispatch").due_at)

    logged = sorted(ticket.events.filter(kind__startswith="alert_").values_list("kind", "data__stage"))
    assert logged == [("alert_overdue", "dispatch"), ("alert_warning", "dispatch")]


def test_a_redone_ticket_warns_and_goes_overdue_again_in_its_new_cycle(make_ticket, act, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC), tick=False)
    ticket = act("80725", make_ticket(), "dispatch")
    first = clock_of(ticket, "response")
    time_machine.move_to(first.due_at + SECOND, tick=False)
    assert monitor_pass().raised == {"warning": 1, "overdue": 1}
    act(QIAOKAO, ticket, "accept")
    act(QIAOKAO, ticket, "arrive", indoor_temp=15)
    act(QIAOKAO, ticket, "resolve", cause="valve")

    # 重办: the callback finds it not fixed, so the ticket is dispatched again.
    act("80725", ticket, "callback", reached=True, contacted=True, fixed=False, satisfaction="not_satisfied")
    second = clock_of(ticket, "response")
    time_machine.move_to(second.warn_at, tick=False)
    at_warning = monitor_pass()
    time_machine.move_to(second.due_at, tick=False)
    at_due = monitor_pass()

    assert (first.cycle, second.cycle) == (1, 2)
    assert at_warning.raised == {"warning": 1}
    assert at_due.raised == {"overdue": 1}
    alerts = Alert.objects.filter(ticket=ticket, stage="response").order_by("threshold_at")
    assert [(a.cycle, a.level) for a in alerts] == [(1, "warning"), (1, "overdue"), (2, "warning"), (2, "overdue")]
    assert [a.closed_at is None for a in alerts] == [False, False, True, True]
    warnings = OutboxMessage.objects.filter(topic="alert.warning", org_kind="station")
    assert warnings.count() == 2  # the station is warned again


@pytest.mark.parametrize("level", ["warning", "overdue", "escalated"])
def test_every_level_has_a_topic_labels_and_recipients(level):
    recipients = monitor.alert_recipients(stage="resolution", level=level, station_code="s", company_code="c")
    assert recipients
    assert monitor.TOPICS[level] == f"alert.{level}"


def test_the_walls_escalations_per_station_equal_the_boards_counts(make_ticket, act, escalate_after, users):
    tickets = [act("80725", make_ticket(), "dispatch") for _ in range(3)]
    act("station-cf-qiaokao", tickets[2], "accept")  # its response stage is met: its alerts no longer count
    latest = max(clock_of(t, "response").due_at for t in tickets)
    monitor_pass(now=latest + 2 * escalate_after)  # warned, overdue and escalated: three alerts per stage
    for username in ("lead", "regulator", QIAOKAO, "company-chengfa"):
        board = {row.station: row.escalated for row in alert_counts_visible_to(user=users[username]).stations}
        assert escalated_per_station(user=users[username]) == {k: v for k, v in board.items() if v}
    assert escalated_per_station(user=users["lead"]) == {"cf-qiaokao": 2}
