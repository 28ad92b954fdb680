"""purge-pii: callers' phones and names on long-closed tickets are masked; every KPI stays the same."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Q

from heatdesk.audit.models import AuditEntry
from heatdesk.core import clock
from heatdesk.feedback.cursor import sms_from_events
from heatdesk.feedback.models import SmsMessage
from heatdesk.operations.purge import pii_purge
from heatdesk.reports import kpis, selectors
from heatdesk.reports.season import SeasonSimulator
from heatdesk.reports.tests.conftest import FIXED, STATION, Desk, at
from heatdesk.tickets.models import Ticket, TicketCallback, TicketEvent

pytestmark = pytest.mark.django_db
START = dt.date(2026, 11, 1)
MOBILE = r"1[3-9][0-9]{9}"


@pytest.fixture
def season(demo_city):
    return SeasonSimulator(requests=150, days=4, seed=11, start=START).run()


def _report(result, station: str | None = None) -> dict:
    period = selectors.period_parse(date_from=START, date_to=START + dt.timedelta(days=3))
    scope = selectors.report_scope_resolve(user=None, station=station) if station else selectors.ReportScope()
    return selectors.report_kpis(user=None, period=period, scope=scope, as_of=result.end)["kpis"]


def _full_phones_closed() -> int:
    return Ticket.objects.filter(status="closed", caller_phone__regex=f"^{MOBILE}$").count()


def _sms_full_phones(status_in: list[str]) -> int:
    return SmsMessage.objects.filter(ticket__status__in=status_in, to__regex=f"^{MOBILE}$").count()


def test_every_kpi_is_the_same_after_the_purge(season):
    while sms_from_events(limit=500):  # the season's SMS, as the worker would have queued them
        pass
    open_sms = dict(SmsMessage.objects.exclude(ticket__status__in=["closed", "merged"]).values_list("id", "to"))
    assert _sms_full_phones(["closed"]) > 0
    station = Ticket.objects.exclude(station=None).values_list("station__code", flat=True).first()
    before, before_station = _report(season), _report(season, station)
    open_phones = dict(Ticket.objects.exclude(status__in=["closed", "merged"]).values_list("id", "caller_phone"))
    assert _full_phones_closed() > 0
    assert before["repeat_call_rate"]["numerator"] > 0  # the season has repeat calls to lose
    assert len(before) >= len(kpis.KPI_DEFINITIONS) == 24  # the 21 of DESIGN §5 and the three incident keys

    with clock.moved_to(season.end + dt.timedelta(days=2)):
        report = pii_purge(older_than_days=1)

    assert report.masked.tickets == report.candidates > 0
    assert _full_phones_closed() == 0
    assert _report(season) == before
    assert _report(season, station) == before_station
    assert (
        dict(Ticket.objects.exclude(status__in=["closed", "merged"]).values_list("id", "caller_phone")) == open_phones
    )
    assert report.sms > 0
    assert _sms_full_phones(["closed", "merged"]) == 0
    assert dict(SmsMessage.objects.exclude(ticket__status__in=["closed", "merged"]).values_list("id", "to")) == open_sms
    assert SmsMessage.objects.filter(ticket__status="closed").first().to.count("*") == 4


def test_only_tickets_closed_before_the_cutoff_are_masked(season):
    closed = Ticket.objects.filter(status="closed").order_by("closed_at")
    middle = closed[closed.count() // 2].closed_at
    later = {t.id: t.caller_phone for t in closed.filter(closed_at__gte=middle)}

    with clock.moved_to(middle + dt.timedelta(days=3)):
        report = pii_purge(older_than_days=3)

    assert 0 < report.masked.tickets < closed.count()
    assert dict(Ticket.objects.filter(id__in=later).values_list("id", "caller_phone")) == later
    assert not Ticket.objects.filter(status="closed", closed_at__lt=middle, caller_phone__regex=f"^{MOBILE}$").exists()


@pytest.fixture
def chatty_ticket(demo_city):
    """A closed ticket whose caller gave a name and whose notes and callback comment carry phone numbers,
    plus a duplicate merged into it."""
    desk = Desk()
    ticket = desk.create(at(1, 8), caller_name="王先生", description="请回电13912345678或0471-6912345")
    duplicate = desk.create(at(1, 8, 2), caller_phone="13700003333", caller_name="李女士")
    desk.do(at(1, 8, 3), "80725", duplicate, "merge", into=ticket.number)
    desk.do(at(1, 8, 5), "80725", ticket, "dispatch")
    desk.do(at(1, 8, 30), STATION, ticket, "accept")
    desk.do(at(1, 9), STATION, ticket, "note", note="业主手机13612340000")
    desk.do(at(1, 9, 30), STATION, ticket, "arrive", indoor_temp=15)
    desk.do(at(1, 10), STATION, ticket, "resolve", cause="air_lock", indoor_temp=19)
    desk.do(at(1, 11), "80725", ticket, "callback", **FIXED, satisfaction="satisfied", comment="有事打13512345678")
    return Ticket.objects.get(pk=ticket.pk), Ticket.objects.get(pk=duplicate.pk)


def test_names_and_phones_in_notes_are_masked_and_a_second_run_changes_nothing(chatty_ticket):
    ticket, duplicate = chatty_ticket
    with clock.moved_to(at(20, 0)):
        dry = pii_purge(older_than_days=7, dry_run=True)
        assert (
            Ticket.objects.get(pk=ticket.pk).caller_phone,
            AuditEntry.objects.filter(action="pii_purge").count(),
        ) == (
            ticket.caller_phone,
            0,
        )
        first = pii_purge(older_than_days=7)
        second = pii_purge(older_than_days=7)

    assert (dry.masked.tickets, dry.masked.events, dry.masked.callbacks) == (2, 2, 1)
    assert (first.masked.tickets, first.masked.events, first.masked.callbacks) == (2, 2, 1)
    assert (second.candidates, second.masked.tickets, second.masked.events, second.masked.callbacks) == (2, 0, 0, 0)
    ticket.refresh_from_db()
    duplicate.refresh_from_db()
    assert (ticket.caller_phone, ticket.caller_name) == ("138****1111", "王**")
    assert ticket.description == "请回电139****5678或0471-****2345"
    assert (duplicate.caller_phone, duplicate.caller_name) == ("137****3333", "李**")
    assert TicketEvent.objects.get(ticket=ticket, kind="note").data["note"] == "业主手机136****0000"
    assert TicketCallback.objects.get(ticket=ticket).comment == "有事打135****5678"
    assert not TicketEvent.objects.filter(Q(data__icontains="13612340000") | Q(data__icontains="13912345678")).exists()
    [audit] = AuditEntry.objects.filter(action="pii_purge")
    assert audit.actor is None
    assert audit.detail["tickets"] == 2


def test_the_command_prints_counts_and_refuses_bad_days(chatty_ticket):
    out = io.StringIO()
    with clock.moved_to(at(20, 0)):
        call_command("purge_pii", "--older-than", "7", "--dry-run", stdout=out)
        call_command("purge_pii", "--older-than", "7", stdout=out)
        with pytest.raises(CommandError, match="whole number of days"):
            call_command("purge_pii", "--older-than", "-1")
    lines = out.getvalue().splitlines()
    assert "would mask 2 tickets, 2 events, 1 callbacks" in lines[0]
    assert "masked 2 tickets, 2 events, 1 callbacks" in lines[1]


def test_a_ticket_closed_inside_the_window_keeps_its_phone(chatty_ticket):
    ticket, _ = chatty_ticket
    with clock.moved_to(at(5, 0)):
        report = pii_purge(older_than_days=7)
    assert (report.candidates, report.masked.tickets) == (0, 0)
    assert Ticket.objects.get(pk=ticket.pk).caller_phone == "13800001111"
