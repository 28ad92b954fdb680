"""On PostgreSQL: 200 calls attach concurrently to one incident, none lost, none dispatched, each counted once;
the restore moves them all to 待回访 in one transaction; callbacks close them."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from heatdesk.accounts.models import User
from heatdesk.core import clock
from heatdesk.core.errors import DomainError
from heatdesk.demo import demo_seed
from heatdesk.incidents import selectors, services
from heatdesk.incidents.tests.conftest import LANJUE, call
from heatdesk.sla.models import Stage
from heatdesk.tickets.models import SlaClock, Ticket, TicketEvent
from heatdesk.tickets.services import ticket_act

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL row locks"),
]
THREADS = 20
CALLS = 200


def _in_threads(work, count):
    """work(i) for i in range(count), spread over THREADS threads started together; results by i."""
    barrier = threading.Barrier(THREADS)
    results: list[object] = [None] * count

    def run(offset):
        try:
            barrier.wait()
            for i in range(offset, count, THREADS):
                try:
                    results[i] = work(i)
                except Exception as error:  # a refused call is a result here
                    results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(offset,)) for offset in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def _declare(lead):
    declaration = services.IncidentDeclaration(
        compounds=(LANJUE,), cause="换热站停电", expected_restore_at=clock.now() + dt.timedelta(hours=3)
    )
    return services.incident_declare(actor=lead, declaration=declaration)


def test_two_hundred_concurrent_calls_attach_then_restore_and_callbacks_close_them():
    demo_seed()
    operators = list(User.objects.filter(username__in=["80725", "80720", "80734"]).order_by("username"))
    lead = User.objects.get(username="lead")
    incident = _declare(lead)

    results = _in_threads(
        lambda i: (
            services.incident_call_take(
                actor=operators[i % 3], code=incident.code, call=call(phone=f"1370000{i:04d}", room=str(100 + i))
            ).ticket.number
        ),
        CALLS,
    )

    assert all(isinstance(r, str) for r in results), [r for r in results if not isinstance(r, str)][:3]
    calls = Ticket.objects.filter(incident_code=incident.code)
    assert calls.count() == CALLS == len(set(results))
    assert selectors.incident_counts(codes=[incident.code])[incident.code].calls == CALLS
    assert not calls.exclude(status="received").exists()
    assert not calls.filter(first_dispatched_at__isnull=False)
    assert not SlaClock.objects.filter(ticket__in=calls).exists()
    assert Ticket.objects.filter(station__code="cf-qiaokao", status="dispatched").count() == 1  # the repair

    services.incident_restore(actor=lead, code=incident.code, note="已恢复")

    assert set(calls.values_list("status", flat=True)) == {"resolved"}
    assert calls.values("resolved_at").distinct().count() == 1  # one transaction, one moment
    assert SlaClock.objects.filter(ticket__in=calls, stage=Stage.CALLBACK).count() == CALLS
    assert TicketEvent.objects.filter(ticket__in=calls, kind="resolve").count() == CALLS
    owners = dict(calls.values_list("number", "owner__username"))
    by_name = {u.username: u for u in operators}
    closed = _in_threads(
        lambda i: (
            ticket_act(
                actor=by_name[owners[results[i]]],
                number=results[i],
                action="callback",
                payload={"reached": True, "contacted": True, "fixed": True, "satisfaction": "very_satisfied"},
            ).status
        ),
        CALLS,
    )
    assert set(closed) == {"closed"}


def test_calls_racing_a_restore_are_either_resolved_or_refused_never_left_waiting():
    demo_seed()
    operator = User.objects.get(username="80725")
    lead = User.objects.get(username="lead")
    incident = _declare(lead)

    def work(i):
        if i == THREADS * 2:
            return services.incident_restore(actor=lead, code=incident.code)
        return services.incident_call_take(actor=operator, code=incident.code, call=call(phone=f"1360000{i:04d}"))

    results = _in_threads(work, THREADS * 4)

    refused = [r for r in results if isinstance(r, DomainError)]
    assert all(r.code == "incident_not_open" for r in refused)
    calls = Ticket.objects.filter(incident_code=incident.code)
    assert calls.count() == THREADS * 4 - 1 - len(refused)
    assert set(calls.values_list("status", flat=True)) <= {"resolved"}
    assert not calls.filter(incident_open=True).exists()
