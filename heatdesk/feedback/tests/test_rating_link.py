"""The rating link: works once, refuses forged, expired or stale tokens changing nothing, redoes when not fixed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import signing
from django.test import Client

from heatdesk.core.errors import NotFound, TransitionNotAllowed
from heatdesk.feedback.cursor import sms_from_events
from heatdesk.feedback.links import RATING_SALT
from heatdesk.feedback.models import RatingLink, SmsMessage
from heatdesk.feedback.services import RatingAnswer, rating_link_answer
from heatdesk.feedback.tests.conftest import STATION_USER, act, resolved_ticket
from heatdesk.reports.kpis import kpis_assemble, kpis_raw
from heatdesk.reports.kpis_beside import callback_channels
from heatdesk.tickets.models import Ticket, TicketCallback, TicketEvent

pytestmark = pytest.mark.django_db
DAY = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
HAPPY = {"contacted": "yes", "fixed": "yes", "satisfaction": "satisfied"}


@pytest.fixture
def resolved(demo_city, time_machine):
    time_machine.move_to(DAY, tick=False)
    ticket = resolved_ticket()
    text = SmsMessage.objects.get(ticket=ticket, kind="resolved").text
    path = re.search(r"http://127\.0\.0\.1:8000(/r/\S+?)（", text).group(1)
    return ticket, path, path.removeprefix("/r/")


def snapshot(ticket):
    ticket.refresh_from_db()
    return (
        ticket.status,
        ticket.reopen_count,
        TicketEvent.objects.filter(ticket=ticket).count(),
        TicketCallback.objects.filter(ticket=ticket).count(),
        SmsMessage.objects.filter(ticket=ticket).count(),
    )


def test_fixed_and_satisfied_closes_the_ticket_once(resolved):
    ticket, path, _token = resolved
    client = Client()
    page = client.get(path)
    assert page.status_code == 200
    assert "问题解决了吗" in page.content.decode()
    done = client.post(path, HAPPY)
    assert done.status_code == 200
    assert "工单已办结" in done.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert ticket.satisfaction == "satisfied"
    callback = TicketCallback.objects.get(ticket=ticket)
    assert (callback.channel, callback.reached, callback.fixed, callback.actor_id) == (
        "sms_link",
        True,
        True,
        ticket.owner_id,
    )
    event = TicketEvent.objects.filter(ticket=ticket, kind="callback").get()
    assert event.data["channel"] == "sms_link"
    assert event.data["outcome"] == "closed"
    before = snapshot(ticket)
    again = client.post(path, {**HAPPY, "fixed": "no"})
    assert again.status_code == 410
    assert "已评价" in again.content.decode()
    assert client.get(path).status_code == 410
    assert snapshot(ticket) == before


def test_not_fixed_redoes_the_ticket_like_a_phone_callback(resolved):
    ticket, path, token = resolved
    result = rating_link_answer(token=token, answer=RatingAnswer(contacted=True, fixed=False, satisfaction="satisfied"))
    assert result.status == "dispatched"
    assert result.reopen_count == 1
    assert result.station.code == "cf-qiaokao"
    assert result.accepted_at is None
    assert TicketCallback.objects.get(ticket=ticket).outcome == "redo"
    # The citizen hears that it is being redone (once the worker's chore has run); round the loop again.
    sms_from_events()
    assert list(SmsMessage.objects.filter(ticket=ticket).values_list("kind", flat=True))[-1] == "dispatched"
    act(STATION_USER, ticket, "accept")
    act(STATION_USER, ticket, "arrive", indoor_temp="15")
    act(STATION_USER, ticket, "resolve", cause="valve", indoor_temp="20")
    assert RatingLink.objects.filter(ticket=ticket).count() == 2
    assert Client().get(path).status_code == 410  # the first link is spent


def test_unhappy_for_the_stations_cause_redoes_other_causes_close(resolved):
    ticket, path, _token = resolved
    Client().post(path, {"contacted": "yes", "fixed": "yes", "satisfaction": "not_satisfied"})
    ticket.refresh_from_db()
    assert ticket.status == "dispatched"
    assert ticket.satisfaction == "not_satisfied"
    act(STATION_USER, ticket, "accept")
    act(STATION_USER, ticket, "arrive", indoor_temp="15")
    act(STATION_USER, ticket, "resolve", cause="valve", indoor_temp="20")
    link = RatingLink.objects.filter(ticket=ticket, used_at__isnull=True).get()
    token = signing.dumps({"n": link.nonce}, salt=RATING_SALT, compress=False)
    Client().post(f"/r/{token}", {"contacted": "yes", "fixed": "yes", "satisfaction": "not_satisfied_other"})
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert ticket.satisfaction == "not_satisfied"


def test_a_forged_token_is_refused_and_changes_nothing(resolved):
    ticket, _path, token = resolved
    before = snapshot(ticket)
    link = RatingLink.objects.get(ticket=ticket)
    forged = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        signing.dumps({"n": link.nonce}, salt="another-salt"),
        signing.dumps({"n": "0" * 16}, salt=RATING_SALT),
        "not-a-token",
    ]
    for bad in forged:
        response = Client().post(f"/r/{bad}", HAPPY)
        assert response.status_code == 404, bad
        assert "链接无效" in response.content.decode()
    with pytest.raises(NotFound):
        rating_link_answer(token=forged[0], answer=RatingAnswer(contacted=True, fixed=True, satisfaction="satisfied"))
    assert snapshot(ticket) == before


def test_an_expired_link_is_refused_and_changes_nothing(resolved, time_machine):
    ticket, path, token = resolved
    before = snapshot(ticket)
    time_machine.move_to(DAY + dt.timedelta(hours=72), tick=False)
    response = Client().post(path, HAPPY)
    assert response.status_code == 410
    assert "已过期" in response.content.decode()
    with pytest.raises(TransitionNotAllowed):
        rating_link_answer(token=token, answer=RatingAnswer(contacted=True, fixed=True, satisfaction="satisfied"))
    assert snapshot(ticket) == before


def test_a_link_whose_ticket_was_closed_by_phone_is_refused(resolved):
    ticket, path, _token = resolved
    act("80725", ticket, "callback", reached=True, contacted=True, fixed=True, satisfaction="very_satisfied")
    before = snapshot(ticket)
    assert Client().post(path, HAPPY).status_code == 410
    assert snapshot(ticket) == before


def test_an_incomplete_answer_changes_nothing(resolved):
    ticket, path, _token = resolved
    before = snapshot(ticket)
    assert Client().post(path, {"fixed": "yes"}).status_code == 422
    assert snapshot(ticket) == before


def test_link_answers_count_in_the_same_kpis_and_show_in_the_channel_split(resolved):
    ticket, path, _token = resolved
    Client().post(path, HAPPY)
    other = resolved_ticket(phone="13900004444")
    act("80725", other, "callback", reached=True, contacted=True, fixed=False, satisfaction="fairly_satisfied")
    tickets = Ticket.objects.filter(id__in=[ticket.id, other.id])
    kpis = kpis_assemble(kpis_raw(tickets=tickets, as_of=DAY))
    assert kpis["callback_rate"] == {"value": 1.0, "numerator": 2, "denominator": 2}
    assert kpis["satisfaction_rate"]["numerator"] == 2
    assert kpis["resolution_rate"]["numerator"] == 1
    split = callback_channels(tickets=tickets)
    assert split["sms_link"] == {"callbacks": 1, "reached": 1, "satisfied": 1, "fixed": 1}
    assert split["phone"] == {"callbacks": 1, "reached": 1, "satisfied": 1, "fixed": 0}
