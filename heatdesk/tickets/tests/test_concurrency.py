"""Races on PostgreSQL: row locks and constraints, not luck, keep one ticket and one success."""

import threading

import pytest
from django.db import connection, connections

from heatdesk.core.errors import DomainError
from heatdesk.demo import demo_seed
from heatdesk.tickets import services
from heatdesk.tickets.models import Ticket, TicketEvent

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL row locks"),
]
THREADS = 20


def _race(work):
    """Run work(i) in THREADS threads released together; return each result or exception."""
    barrier = threading.Barrier(THREADS)
    results = [None] * THREADS

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # the race's losers are the point of the test
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _users():
    from heatdesk.accounts.models import User

    demo_seed()
    return {u.username: u for u in User.objects.filter(username__in=["80725", "lead", "station-cf-qiaokao"])}


def test_twenty_dispatchers_and_then_twenty_acceptors_produce_one_success_each():
    users = _users()
    call = services.TicketIntake(caller_phone="13800001111", category="not_warm", compound="lanjuexiaoqu")
    ticket = services.ticket_intake(actor=users["80725"], call=call).ticket
    desk = [users["80725"], users["lead"]]
    dispatched = _race(lambda i: services.ticket_act(actor=desk[i % 2], number=ticket.number, action="dispatch"))
    accepted = _race(
        lambda i: services.ticket_act(actor=users["station-cf-qiaokao"], number=ticket.number, action="accept")
    )
    for results in (dispatched, accepted):
        assert sum(isinstance(r, Ticket) for r in results) == 1
        assert all(isinstance(r, Ticket | DomainError) for r in results), results
    kinds = list(TicketEvent.objects.filter(ticket=ticket).order_by("at", "id").values_list("kind", flat=True))
    assert kinds == ["create", "dispatch", "accept"]
    ticket.refresh_from_db()
    assert ticket.status == "accepted"
    assert ticket.dispatched_at <= ticket.accepted_at


def test_twenty_creates_with_one_idempotency_key_make_one_ticket():
    users = _users()

    def create(i):
        call = services.TicketIntake(
            caller_phone="13800001111", category="not_warm", compound="lanjuexiaoqu", idempotency_key="same-call"
        )
        return services.ticket_intake(actor=users["80725"], call=call).ticket.number

    numbers = _race(create)
    assert all(isinstance(n, str) for n in numbers), numbers
    assert len(set(numbers)) == 1
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.filter(kind="create").count() == 1


def test_twenty_concurrent_creates_get_twenty_distinct_numbers():
    users = _users()
    numbers = _race(
        lambda i: (
            services.ticket_intake(
                actor=users["80725"],
                call=services.TicketIntake(
                    caller_phone=f"138000011{i:02d}", category="not_warm", compound="lanjuexiaoqu"
                ),
            ).ticket.number
        )
    )
    assert all(isinstance(n, str) for n in numbers), numbers
    assert len(set(numbers)) == THREADS


def test_twenty_concurrent_repeat_calls_with_one_idempotency_key_record_one_urge():
    users = _users()
    call = services.TicketIntake(caller_phone="13800001111", category="not_warm", compound="lanjuexiaoqu")
    ticket = services.ticket_intake(actor=users["80725"], call=call, dispatch=True).ticket

    def repeat(i):
        return services.ticket_repeat_call_register(
            actor=users["80725"], number=ticket.number, caller_phone="13800001111", idempotency_key="repeat-1"
        ).ticket.number

    results = _race(repeat)

    assert all(r == ticket.number for r in results), results
    urges = TicketEvent.objects.filter(ticket=ticket, kind="urge")
    assert urges.count() == 1
    ticket.refresh_from_db()
    assert (ticket.urge_count, ticket.repeat_call_count) == (1, 1)
