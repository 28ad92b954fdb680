"""Incidents: declare, attach calls, restore, callbacks; and what tickets refuse meanwhile."""

from __future__ import annotations

import datetime as dt

import pytest

from heatdesk.core import clock
from heatdesk.core.errors import DomainError
from heatdesk.incidents import services
from heatdesk.incidents.models import IncidentEvent, IncidentStatus
from heatdesk.incidents.tests.conftest import BEIER, FULI, LANJUE, call
from heatdesk.sla.models import Stage
from heatdesk.tickets.models import SlaClock, Ticket, TicketEvent
from heatdesk.tickets.services import ticket_act, ticket_intake

pytestmark = pytest.mark.django_db


def test_declaring_opens_one_dispatched_repair_ticket_and_counts_households(declare):
    incident = declare(compounds=[LANJUE, BEIER])

    assert incident.status == IncidentStatus.OPEN
    assert incident.households == 480 + 240
    repair = incident.repair_ticket
    assert repair.status == "dispatched"
    assert repair.station.code == "cf-qiaokao"
    assert SlaClock.objects.filter(ticket=repair, stage=Stage.RESPONSE).exists()
    assert list(IncidentEvent.objects.filter(incident=incident).values_list("kind", flat=True)) == ["declare"]


def test_an_attached_call_is_owned_by_its_operator_and_runs_no_clock_nor_dispatch(declare, users):
    incident = declare()

    ticket = services.incident_call_take(actor=users["80725"], code=incident.code, call=call()).ticket

    assert ticket.incident_code == incident.code
    assert ticket.incident_open
    assert ticket.owner.username == "80725"
    assert ticket.status == "received"
    assert ticket.dispatch_deadline is None
    assert not SlaClock.objects.filter(ticket=ticket).exists()
    with pytest.raises(DomainError) as refused:
        ticket_act(actor=users["80725"], number=ticket.number, action="dispatch")
    assert refused.value.code == "incident_open"
    assert ticket.events.count() == 1


def test_a_call_outside_the_incident_area_or_to_a_restored_incident_is_refused(declare, users):
    incident = declare(buildings={LANJUE: ["3", "5"]})

    with pytest.raises(DomainError) as outside:
        services.incident_call_take(actor=users["80725"], code=incident.code, call=call(building="7"))
    assert outside.value.code == "incident_out_of_area"
    services.incident_restore(actor=users["lead"], code=incident.code)
    with pytest.raises(DomainError) as restored:
        services.incident_call_take(actor=users["80725"], code=incident.code, call=call())
    assert restored.value.code == "incident_not_open"
    assert not Ticket.objects.filter(incident_code=incident.code).exists()


def test_restore_moves_every_waiting_call_to_callback_and_the_callbacks_close_them(declare, users):
    incident = declare()
    numbers = [
        services.incident_call_take(
            actor=users["80725"], code=incident.code, call=call(phone=f"1380000{i:04d}")
        ).ticket.number
        for i in range(5)
    ]

    services.incident_restore(actor=users["lead"], code=incident.code, note="已恢复")

    tickets = Ticket.objects.filter(number__in=numbers)
    assert {t.status for t in tickets} == {"resolved"}
    assert all(t.callback_deadline and not t.incident_open for t in tickets)
    assert SlaClock.objects.filter(ticket__in=tickets, stage=Stage.CALLBACK, met_at__isnull=True).count() == 5
    assert TicketEvent.objects.filter(ticket__in=tickets, kind="resolve", data__incident=incident.code).count() == 5
    for number in numbers:
        ticket_act(
            actor=users["80725"],
            number=number,
            action="callback",
            payload={"reached": True, "contacted": True, "fixed": True, "satisfaction": "satisfied"},
        )
    assert set(Ticket.objects.filter(number__in=numbers).values_list("status", flat=True)) == {"closed"}


def test_a_caller_whose_heat_did_not_come_back_is_redispatched_as_an_ordinary_ticket(declare, users):
    incident = declare()
    ticket = services.incident_call_take(actor=users["80725"], code=incident.code, call=call()).ticket
    services.incident_restore(actor=users["lead"], code=incident.code)

    redone = ticket_act(
        actor=users["80725"],
        number=ticket.number,
        action="callback",
        payload={"reached": True, "contacted": True, "fixed": False, "satisfaction": "not_satisfied"},
    )

    assert redone.status == "dispatched"
    assert redone.station.code == "cf-qiaokao"
    assert SlaClock.objects.filter(ticket=redone, stage=Stage.RESPONSE, met_at__isnull=True).exists()


def test_a_company_declares_only_for_its_own_compounds(declare):
    with pytest.raises(DomainError) as refused:
        declare(compounds=["changlegongxiaoqu"], by="company-chengfa")
    assert refused.value.code == "out_of_scope"
    incident = declare(compounds=[LANJUE], by="station-cf-qiaokao")
    assert incident.repair_ticket is not None
    assert incident.repair_ticket.owner.username == "lead"


def test_update_moves_the_estimate_on_the_timeline_and_refuses_the_past(declare, users):
    incident = declare()
    later = clock.now() + dt.timedelta(hours=8)

    services.incident_update(actor=users["lead"], code=incident.code, expected_restore_at=later, note="管线抢修")

    incident.refresh_from_db()
    assert incident.expected_restore_at == later
    with pytest.raises(DomainError):
        services.incident_update(
            actor=users["lead"], code=incident.code, expected_restore_at=clock.now() - dt.timedelta(minutes=1)
        )
    assert [e.kind for e in incident.events.all()] == ["declare", "update"]


def test_calls_taken_before_the_declaration_attach_and_stop_their_dispatch_clock(declare, users):
    before = ticket_intake(actor=users["80725"], call=call(compound=FULI)).ticket
    dispatched = ticket_intake(actor=users["80725"], call=call(compound=FULI, phone="13900002222"), dispatch=True)

    incident = declare(compounds=[FULI], attach=(before.number, dispatched.ticket.number))

    before.refresh_from_db()
    assert before.incident_code == incident.code
    assert before.incident_open
    assert before.dispatch_deadline is None
    assert SlaClock.objects.get(ticket=before, stage=Stage.DISPATCH).met_at is not None
    other = Ticket.objects.get(id=dispatched.ticket.id)
    assert other.incident_code == incident.code
    assert not other.incident_open
    assert other.status == "dispatched"
    services.incident_restore(actor=users["lead"], code=incident.code)
    assert Ticket.objects.get(id=before.id).status == "resolved"
    assert Ticket.objects.get(id=other.id).status == "dispatched"
