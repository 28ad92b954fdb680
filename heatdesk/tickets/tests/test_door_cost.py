"""What the one door costs per action (the season simulator plays ~45,000 of them), kept honest: the same
rows and messages, fewer statements."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from heatdesk.notify.models import OutboxMessage
from heatdesk.tickets import services
from heatdesk.tickets.models import SlaClock, TicketEvent

pytestmark = pytest.mark.django_db
QIAOKAO = "station-cf-qiaokao"


def _statements(context: CaptureQueriesContext, prefix: str, table: str) -> int:
    return sum(1 for q in context.captured_queries if q["sql"].startswith(prefix) and table in q["sql"])


def test_a_first_dispatch_starts_both_clocks_in_one_insert_with_their_deadlines(make_ticket, act):
    # given a received ticket, when it is dispatched for the first time
    ticket = make_ticket()
    with CaptureQueriesContext(connection) as queries:
        ticket = act("80725", ticket, "dispatch")
    # then the response and resolution clocks start in one INSERT, due at the ticket's deadlines
    assert _statements(queries, "INSERT", "sla_slaclock") == 1
    clocks = {c.stage: c for c in SlaClock.objects.filter(ticket=ticket, met_at__isnull=True)}
    assert set(clocks) == {"response", "resolution"}
    assert clocks["response"].due_at == ticket.response_deadline
    assert clocks["resolution"].due_at == ticket.resolution_deadline
    assert all(c.cycle == 1 and c.next_threshold_at == c.warn_at < c.due_at for c in clocks.values())
    assert {c.station_code for c in clocks.values()} == {"cf-qiaokao"}


def test_a_redispatch_after_a_return_starts_second_cycles(make_ticket, act):
    # given a ticket dispatched and returned by the station, when the desk dispatches it again
    ticket = make_ticket(dispatch=True)
    act(QIAOKAO, ticket, "return", reason="不是本所辖区")
    act("80725", ticket, "dispatch", station="cf-qiaokao")
    # then the response and resolution clocks run a second cycle and the first ones are met
    running = SlaClock.objects.filter(ticket=ticket, met_at__isnull=True)
    assert sorted((c.stage, c.cycle) for c in running) == [("resolution", 2), ("response", 2)]
    assert SlaClock.objects.filter(ticket=ticket, cycle=1, stage__in=["response", "resolution"]).count() == 2


def test_an_action_no_group_hears_about_queues_no_message_and_reads_nothing_more(make_ticket, users):
    # given a dispatched ticket (its dispatch message queued), when the station accepts it
    ticket = make_ticket(dispatch=True)
    queued = OutboxMessage.objects.count()
    station = users[QIAOKAO]
    with CaptureQueriesContext(connection) as queries:
        services.ticket_act(actor=station, number=ticket.number, action="accept")
    # then the event is written, no message is queued, and the action costs: read+lock, update, clocks, event
    assert TicketEvent.objects.filter(ticket=ticket, kind="accept").count() == 1
    assert OutboxMessage.objects.count() == queued
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 1
    assert "tickets_ticket" in selects[0]
