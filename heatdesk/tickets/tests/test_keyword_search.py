"""GET /tickets?q= through an index (pg_trgm / FTS5, migration 0005), with the same answers as a scan."""

import pytest
from django.db import connection

from heatdesk.tickets.models import Ticket
from heatdesk.tickets.selectors import TicketFilters, ticket_search


def _found(users, q: str) -> set[str]:
    return set(ticket_search(user=users["80725"], filters=TicketFilters(q=q)).values_list("number", flat=True))


@pytest.fixture
def three(make_ticket):
    return (
        make_ticket(caller_phone="13812345678", description="暖气片漏水严重，楼道积水"),
        make_ticket(caller_phone="13998765432", description="卧室温度偏低", address="新华大街88号"),
        make_ticket(caller_phone="15500001111", description="Radiator COLD in bedroom"),
    )


def test_keywords_find_text_anywhere_in_address_description_and_number(users, three):
    leak, cold, english = three
    assert _found(users, "楼道积水") == {leak.number}
    assert _found(users, "新华大街") == {cold.number}
    assert _found(users, "radiator cold") == {english.number}  # case does not matter
    assert _found(users, leak.number) == {leak.number}
    assert _found(users, "漏水") == {leak.number}  # two characters: below the trigram, still found
    assert _found(users, "蓝爵") == {leak.number, cold.number, english.number}  # the compound's name
    assert _found(users, "没有这回事") == set()


def test_phone_like_keywords_match_the_whole_number_or_its_tail(users, three):
    leak, cold, _ = three
    assert _found(users, "13812345678") == {leak.number}
    assert _found(users, "5432") == {cold.number}
    assert _found(users, "138-1234-5678") == {leak.number}


def test_the_index_follows_edits_and_deletes(users, three):
    leak, cold, _ = three
    Ticket.objects.filter(id=leak.id).update(description="已修好的暖气")
    Ticket.objects.filter(id=cold.id).delete()
    assert _found(users, "楼道积水") == set()
    assert _found(users, "已修好") == {leak.number}
    assert _found(users, "新华大街") == set()


def test_the_search_reads_the_index_not_the_table(users, three):
    sql = str(ticket_search(user=users["80725"], filters=TicketFilters(q="楼道积水")).query)
    if connection.vendor == "sqlite":
        assert "tickets_ticket_fts" in sql
    else:
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute(
                "EXPLAIN SELECT id FROM tickets_ticket WHERE UPPER(description::text) LIKE UPPER(%s)", ["%楼道积水%"]
            )
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "ticket_description_trgm" in plan


def test_a_phone_like_keyword_reads_the_indexes_not_every_ticket_number(users, three):
    # given a phone-like keyword (a phone, or a ticket number's digits)
    leak, _, _ = three

    # when the desk searches with it
    sql = str(ticket_search(user=users["80725"], filters=TicketFilters(q="13812345678")).query)

    # then the ticket number is matched through the trigram index too, never by a LIKE over the table
    if connection.vendor == "sqlite":
        assert '"tickets_ticket"."number" LIKE' not in sql
        assert sql.count("tickets_ticket_fts MATCH") == 2
    assert _found(users, leak.number[2:]) == {leak.number}  # the number's digits alone still find it
