"""Taking a call: create, phone guidance and dispatch are one service and one transaction."""

import pytest

from heatdesk.core.errors import ValidationFailed
from heatdesk.geo.models import CompoundAlias
from heatdesk.notify.models import OutboxMessage
from heatdesk.tickets.models import Ticket, TicketEvent
from heatdesk.tickets.services import GuidanceOutcome, TicketIntake, ticket_intake, ticket_repeat_call_register

pytestmark = pytest.mark.django_db
CALL = TicketIntake(caller_phone="13800001111", category="not_warm", compound="lanjuexiaoqu", building="3")


def test_guidance_and_dispatch_are_recorded_with_the_ticket(users):
    guidance = GuidanceOutcome(solved=False, steps=("阀门是否打开",), note="仍不热")

    result = ticket_intake(actor=users["80725"], call=CALL, guidance=guidance, dispatch=True)

    ticket = result.ticket
    assert (result.created, ticket.status, ticket.station.code) == (True, "dispatched", "cf-qiaokao")
    assert ticket.guidance_steps == ["阀门是否打开"]
    assert list(ticket.events.order_by("at", "id").values_list("kind", flat=True)) == ["create", "guide", "dispatch"]


def test_a_refused_step_leaves_no_ticket_behind(users):
    call = TicketIntake(**{**CALL.__dict__, "address": "老税务家属楼3号楼", "compound": "shuiyuanxiaoqu"})
    too_long = GuidanceOutcome(solved=False, note="长" * 2001)

    with pytest.raises(ValidationFailed):
        ticket_intake(actor=users["80725"], call=call, guidance=too_long, dispatch=True)

    assert not Ticket.objects.exists()
    assert not TicketEvent.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert not CompoundAlias.objects.filter(alias="老税务家属楼").exists()  # the alias is learned only with the ticket


def test_solved_guidance_cannot_also_dispatch(users):
    with pytest.raises(ValidationFailed):
        ticket_intake(actor=users["80725"], call=CALL, guidance=GuidanceOutcome(solved=True), dispatch=True)
    assert not Ticket.objects.exists()


def test_the_same_form_sent_twice_replays_the_first_result(users):
    call = TicketIntake(**{**CALL.__dict__, "idempotency_key": "form-1"})
    first = ticket_intake(actor=users["80725"], call=call, guidance=GuidanceOutcome(solved=True, steps=("放气",)))
    again = ticket_intake(actor=users["80725"], call=call, guidance=GuidanceOutcome(solved=True, steps=("放气",)))

    assert (first.created, again.created, again.ticket.id) == (True, False, first.ticket.id)
    assert Ticket.objects.get().status == "resolved"
    assert TicketEvent.objects.count() == 2  # create and guide, once


def test_a_repeat_call_urges_the_open_ticket(users):
    ticket = ticket_intake(actor=users["80725"], call=CALL, dispatch=True).ticket

    result = ticket_repeat_call_register(
        actor=users["80720"], number=ticket.number, caller_phone="139 0000 2222", note="又打来", idempotency_key="k"
    )
    ticket_repeat_call_register(
        actor=users["80720"], number=ticket.number, caller_phone="13900002222", idempotency_key="k"
    )

    ticket.refresh_from_db()
    assert (result.repeat_call, result.created) == (True, False)
    assert (ticket.repeat_call_count, ticket.urge_count) == (1, 1)
