import datetime as dt

import pytest

from heatdesk.accounts.models import User
from heatdesk.core.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from heatdesk.notify.models import OutboxMessage
from heatdesk.tickets.models import Ticket, TicketEvent
from heatdesk.tickets.states import TicketStatus

QIAOKAO = "station-cf-qiaokao"


def _snapshot(ticket):
    ticket = Ticket.objects.get(pk=ticket.pk)
    fields = {f.attname: getattr(ticket, f.attname) for f in Ticket._meta.concrete_fields}
    return fields, TicketEvent.objects.filter(ticket=ticket).count(), OutboxMessage.objects.count()


def test_a_new_ticket_is_owned_by_its_operator_routed_and_on_the_dispatch_clock(make_ticket, users):
    ticket = make_ticket()
    assert ticket.status == TicketStatus.RECEIVED
    assert ticket.owner == users["80725"]
    assert ticket.station.code == "cf-qiaokao"
    assert ticket.number.startswith("GR")
    assert ticket.dispatch_deadline - ticket.created_at == dt.timedelta(minutes=10)
    assert list(ticket.events.values_list("kind", flat=True)) == ["create"]


def test_leaks_are_urgent_whatever_the_form_said(make_ticket):
    ticket = make_ticket(category="leak", urgency="normal")
    assert ticket.urgency == "urgent"
    assert ticket.sla["resolution"]["seconds"] == 2 * 3600


def test_the_full_loop_stamps_each_milestone_and_writes_one_event_per_step(make_ticket, act):
    ticket = make_ticket()
    act("80725", ticket, "dispatch")
    act(QIAOKAO, ticket, "accept")
    act(QIAOKAO, ticket, "depart")
    act(QIAOKAO, ticket, "arrive", indoor_temp=15.5)
    act(QIAOKAO, ticket, "resolve", cause="air_lock", indoor_temp=20, note="放气后恢复")
    ticket = act("80725", ticket, "callback", reached=True, contacted=True, fixed=True, satisfaction="satisfied")
    assert ticket.status == TicketStatus.CLOSED
    stamps = [
        ticket.created_at,
        ticket.dispatched_at,
        ticket.accepted_at,
        ticket.departed_at,
        ticket.arrived_at,
        ticket.resolved_at,
        ticket.closed_at,
    ]
    assert all(stamps)
    assert stamps == sorted(stamps)
    assert ticket.response_deadline - ticket.dispatched_at == dt.timedelta(hours=1)
    assert ticket.callback_deadline - ticket.resolved_at == dt.timedelta(hours=24)
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds == ["create", "dispatch", "accept", "depart", "arrive", "resolve", "callback"]
    assert float(ticket.arrival_indoor_temp) == 15.5
    assert ticket.satisfaction == "satisfied"


def test_dispatch_queues_a_message_for_the_station(make_ticket, act):
    ticket = make_ticket()
    act("80725", ticket, "dispatch")
    message = OutboxMessage.objects.get(topic="ticket.dispatched")
    assert (message.org_kind, message.org_code) == ("station", "cf-qiaokao")
    assert "13800001111" not in str(message.payload)


@pytest.mark.parametrize(
    ("username", "action", "payload", "error"),
    [
        ("station-cf-qiaokao", "accept", {}, TransitionNotAllowed),  # not dispatched yet
        ("80725", "accept", {}, PermissionDenied),  # operators don't accept
        ("station-cf-jinqiao", "note", {"note": "x"}, NotFound),  # another station's ticket is invisible
        ("regulator", "urge", {}, PermissionDenied),  # read-only
        ("80725", "note", {}, ValidationFailed),  # a note needs text
        ("80725", "fly", {}, NotFound),  # no such action
        ("lead", "transfer", {"to": "80720"}, ValidationFailed),  # a transfer needs a reason
    ],
)
def test_a_refused_action_changes_nothing_and_writes_no_event_or_message(
    make_ticket, act, username, action, payload, error
):
    ticket = make_ticket()
    before = _snapshot(ticket)
    with pytest.raises(error):
        act(username, ticket, action, **payload)
    assert _snapshot(ticket) == before


def test_a_station_cannot_accept_a_ticket_of_another_station(make_ticket, act):
    ticket = make_ticket()
    act("80725", ticket, "dispatch")
    before = _snapshot(ticket)
    with pytest.raises(NotFound):
        act("station-ft-guanghua", ticket, "accept")
    assert _snapshot(ticket) == before


def test_a_station_that_returns_a_ticket_sends_it_back_to_the_desk_for_redispatch(make_ticket, act):
    ticket = make_ticket()
    act("80725", ticket, "dispatch")
    with pytest.raises(ValidationFailed):
        act(QIAOKAO, ticket, "return")
    ticket = act(QIAOKAO, ticket, "return", reason="该楼由光华所负责")
    assert ticket.status == TicketStatus.RETURNED
    assert ticket.return_count == 1
    ticket = act("80725", ticket, "dispatch", station="ft-guanghua")
    assert ticket.station.code == "ft-guanghua"
    assert ticket.events.last().data == {"station": "ft-guanghua", "redispatch": True}
    with pytest.raises(NotFound):
        act(QIAOKAO, ticket, "accept")
    act("station-ft-guanghua", ticket, "accept")


def test_phone_guidance_that_works_resolves_on_the_phone(make_ticket, act):
    ticket = make_ticket()
    ticket = act("80725", ticket, "guide", solved=True, steps=["检查阀门", "放气"], note="放气后热了")
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.phone_resolved
    assert ticket.dispatched_at is None


def test_phone_guidance_that_fails_keeps_the_ticket_for_dispatch_with_what_was_tried(make_ticket, act):
    ticket = make_ticket()
    ticket = act("80725", ticket, "guide", solved=False, steps=["放气"])
    assert ticket.status == TicketStatus.RECEIVED
    assert ticket.guidance_steps == ["放气"]
    assert act("80725", ticket, "dispatch").status == TicketStatus.DISPATCHED


def test_only_the_owner_or_a_desk_lead_calls_back(make_ticket, act):
    ticket = make_ticket()
    act("80725", ticket, "guide", solved=True, steps=[])
    with pytest.raises(PermissionDenied):
        act("80720", ticket, "callback", reached=True, contacted=True, fixed=True, satisfaction="satisfied")
    ticket = act("lead", ticket, "callback", reached=True, contacted=True, fixed=True, satisfaction="very_satisfied")
    assert ticket.status == TicketStatus.CLOSED


def _resolved(make_ticket, act):
    ticket = make_ticket()
    act("80725", ticket, "dispatch")
    act(QIAOKAO, ticket, "accept")
    act(QIAOKAO, ticket, "arrive", indoor_temp=15)
    return act(QIAOKAO, ticket, "resolve", cause="valve", indoor_temp=19)


def test_a_callback_that_is_not_fixed_sends_the_ticket_back_to_the_station_as_a_redo(make_ticket, act):
    ticket = _resolved(make_ticket, act)
    ticket = act("80725", ticket, "callback", reached=True, contacted=True, fixed=False, satisfaction="not_satisfied")
    assert ticket.status == TicketStatus.DISPATCHED
    assert ticket.reopen_count == 1
    assert ticket.accepted_at is None
    assert ticket.resolved_at is None
    assert OutboxMessage.objects.filter(topic="ticket.redo").exists()
    assert ticket.callbacks.get().outcome == "redo"


def test_unreached_callbacks_retry_at_different_times_then_a_lead_may_close(make_ticket, act, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC), tick=False)
    ticket = _resolved(make_ticket, act)
    act("80725", ticket, "callback", reached=False)
    with pytest.raises(TransitionNotAllowed):
        act("80725", ticket, "callback", reached=False)  # same minute
    with pytest.raises(TransitionNotAllowed):
        act("lead", ticket, "close-unreached")
    for hour in (11, 15):
        time_machine.move_to(dt.datetime(2026, 12, 1, hour, tzinfo=dt.UTC), tick=False)
        ticket = act("80725", ticket, "callback", reached=False)
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.callback_attempts == 3
    with pytest.raises(PermissionDenied):
        act("80725", ticket, "close-unreached")
    ticket = act("lead", ticket, "close-unreached")
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.closed_unreached


def test_an_approved_extension_moves_the_resolution_deadline(make_ticket, act):
    ticket = make_ticket()
    act("80725", ticket, "dispatch")
    ticket = act(QIAOKAO, ticket, "accept")
    until = ticket.resolution_deadline + dt.timedelta(hours=12)
    with pytest.raises(ValidationFailed):
        act(
            QIAOKAO,
            ticket,
            "extend",
            until=(ticket.resolution_deadline - dt.timedelta(hours=1)).isoformat(),
            reason="等配件",
        )
    act(QIAOKAO, ticket, "extend", until=until.isoformat(), reason="等配件")
    with pytest.raises(PermissionDenied):
        act("80725", ticket, "approve-extension")
    ticket = act("lead", ticket, "approve-extension")
    assert ticket.resolution_deadline == until
    assert ticket.extension_count == 1
    with pytest.raises(TransitionNotAllowed):
        act("lead", ticket, "approve-extension")


def test_only_a_desk_lead_transfers_ownership_with_a_reason(make_ticket, act, users):
    ticket = make_ticket()
    with pytest.raises(PermissionDenied):
        act("80725", ticket, "transfer", to="80720", reason="换班")
    ticket = act("lead", ticket, "transfer", to="80720", reason="换班")
    assert ticket.owner == users["80720"]
    assert ticket.events.last().data == {"from": "80725", "to": "80720", "reason": "换班"}


def test_a_duplicate_merges_into_the_open_ticket(make_ticket, act):
    first = make_ticket()
    second = make_ticket(caller_phone="13900002222")
    with pytest.raises(ValidationFailed):
        act("80725", second, "merge", into=second.number)
    merged = act("80725", second, "merge", into=first.number)
    assert merged.status == TicketStatus.MERGED
    assert merged.parent == first
    with pytest.raises(TransitionNotAllowed):
        act("80725", merged, "dispatch")


def test_urging_counts_and_tells_the_station(make_ticket, act):
    ticket = make_ticket()
    act("80725", ticket, "dispatch")
    ticket = act("lead", ticket, "urge", note="请尽快上门")
    assert ticket.urge_count == 1
    assert OutboxMessage.objects.filter(topic="ticket.urged", org_code="cf-qiaokao").count() == 1


def test_arrival_records_a_plausible_indoor_temperature_only_once(make_ticket, act):
    ticket = make_ticket()
    act("80725", ticket, "dispatch")
    act(QIAOKAO, ticket, "accept")
    with pytest.raises(ValidationFailed):
        act(QIAOKAO, ticket, "arrive", indoor_temp=99)
    act(QIAOKAO, ticket, "arrive", indoor_temp="16.4")
    with pytest.raises(TransitionNotAllowed):
        act(QIAOKAO, ticket, "arrive")
    with pytest.raises(TransitionNotAllowed):
        act(QIAOKAO, ticket, "depart")


def test_company_and_community_may_note_but_not_act_for_the_station(make_ticket, act):
    ticket = make_ticket()
    act("80725", ticket, "dispatch")
    act("company-chengfa", ticket, "note", note="已督促")
    with pytest.raises(PermissionDenied):
        act("company-chengfa", ticket, "accept")
    with pytest.raises(NotFound):
        act("company-futai", ticket, "note", note="x")
    community = User.objects.get(username__startswith="community-", community=ticket.compound.community)
    act(community.username, ticket, "note", note="网格员已上门看过")


def test_each_stage_runs_its_sla_clock_in_step_with_the_ticket(make_ticket, act):
    from heatdesk.tickets.models import SlaClock

    ticket = make_ticket()
    clocks = {c.stage: c for c in SlaClock.objects.filter(ticket=ticket)}
    assert set(clocks) == {"dispatch"}
    assert clocks["dispatch"].due_at == ticket.dispatch_deadline
    assert clocks["dispatch"].next_threshold_at == clocks["dispatch"].warn_at
    act("80725", ticket, "dispatch")
    act(QIAOKAO, ticket, "accept")
    clocks = {c.stage: c for c in SlaClock.objects.filter(ticket=ticket)}
    assert clocks["dispatch"].met_at is not None
    assert clocks["response"].met_at is not None
    assert clocks["resolution"].met_at is None
    assert clocks["resolution"].station_code == "cf-qiaokao"
    assert clocks["resolution"].company_code == "chengfa"
    act(QIAOKAO, ticket, "arrive", indoor_temp=15)
    act(QIAOKAO, ticket, "resolve", cause="valve")
    assert SlaClock.objects.get(ticket=ticket, stage="callback").met_at is None
    assert SlaClock.objects.get(ticket=ticket, stage="resolution").next_threshold_at is None


def test_an_address_the_operator_confirmed_for_a_compound_is_learned_as_an_alias(make_ticket):
    from heatdesk.geo.models import CompoundAlias
    from heatdesk.geo.resolver import resolve

    assert not resolve("老税务家属楼3号楼").confident
    ticket = make_ticket(address="老税务家属楼3号楼", compound="shuiyuanxiaoqu", building="", unit="", room="")
    assert ticket.building == "3"
    assert CompoundAlias.objects.filter(compound__code="shuiyuanxiaoqu", alias="老税务家属楼", learned=True).exists()
    again = resolve("老税务家属楼5号楼")
    assert again.confident
    assert again.compound.code == "shuiyuanxiaoqu"


def test_raised_sla_alerts_appear_in_the_ticket_log(make_ticket, act):
    from heatdesk.supervision.monitor import monitor_pass

    ticket = make_ticket()
    monitor_pass(now=ticket.created_at + dt.timedelta(minutes=9))
    monitor_pass(now=ticket.created_at + dt.timedelta(minutes=11))
    kinds = list(ticket.events.order_by("at", "id").values_list("kind", flat=True))
    assert kinds == ["create", "alert_warning", "alert_overdue"]
    warning = ticket.events.get(kind="alert_warning")
    assert warning.actor is None
    assert warning.data["stage"] == "dispatch"
    act("80725", ticket, "dispatch")  # late dispatch closes the alerts; the table still allows it
    assert ticket.sla_alerts.filter(clock__met_at__isnull=True).count() == 0


def test_urging_a_ticket_not_yet_dispatched_tells_the_desk_not_the_station(make_ticket, act):
    ticket = make_ticket()
    act("80725", ticket, "urge", note="先记下")
    urged = OutboxMessage.objects.filter(topic="ticket.urged")
    assert {(m.org_kind, m.org_code) for m in urged} == {("desk", "city")}  # the desk holds it
