"""The status page shows the caller their ticket without anything personal, and throttles guessing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from heatdesk.feedback.models import StatusLookup
from heatdesk.feedback.tests.conftest import STATION_USER, act, new_ticket

pytestmark = pytest.mark.django_db
DAY = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def accepted(demo_city, time_machine):
    time_machine.move_to(DAY, tick=False)
    ticket = new_ticket(caller_name="王建国", description="暖气片冰凉，家里有老人")
    act(STATION_USER, ticket, "accept")
    act(STATION_USER, ticket, "arrive", indoor_temp="15")
    act(STATION_USER, ticket, "note", note="维修工李师傅 13988887777 已到场")
    ticket.refresh_from_db()
    return ticket


def look(number, digits, address="203.0.113.5"):
    return Client(REMOTE_ADDR=address).post(f"/s/{number}", {"digits": digits})


def test_the_right_digits_show_the_timeline_station_and_deadline_and_nothing_personal(accepted):
    page = Client().get(f"/s/{accepted.number}")
    assert page.status_code == 200
    assert "手机号后四位" in page.content.decode()
    response = look(accepted.number, "5678")
    html = response.content.decode()
    assert response.status_code == 200
    for shown in (
        "已响应",
        "已受理您的诉求",
        "已派单至桥靠供暖所",
        "桥靠供暖所已接单",
        "维修人员已到达",
        "预计处置完成时间",
    ):
        assert shown in html, shown
    for hidden in (
        "王建国",
        "13812345678",
        "5678",
        "138****",
        "暖气片冰凉",
        "李师傅",
        "13988887777",
        "蓝爵",
        "501",
        "15",
    ):
        assert hidden not in html.replace(accepted.number, ""), hidden


def test_wrong_digits_and_unknown_numbers_are_answered_alike(accepted):
    wrong = look(accepted.number, "0000")
    unknown = look("GR209901019999", "5678")
    assert wrong.status_code == unknown.status_code == 404
    assert "工单号或手机尾号不正确" in wrong.content.decode()
    assert "已受理您的诉求" not in wrong.content.decode()


def test_guessing_one_ticket_is_throttled_even_from_many_addresses(accepted, time_machine):
    for index in range(5):
        assert look(accepted.number, f"{index:04d}", address=f"198.51.100.{index}").status_code == 404
    blocked = look(accepted.number, "5678", address="198.51.100.99")
    assert blocked.status_code == 429
    assert "已受理您的诉求" not in blocked.content.decode()
    time_machine.move_to(DAY + dt.timedelta(minutes=16), tick=False)
    assert look(accepted.number, "5678").status_code == 200


def test_one_address_guessing_many_tickets_is_throttled(accepted):
    for index in range(20):
        assert look(f"GR20261201{index:04d}9", "1234", address="192.0.2.7").status_code == 404
    assert look(accepted.number, "5678", address="192.0.2.7").status_code == 429
    assert look(accepted.number, "5678", address="192.0.2.8").status_code == 200
    assert StatusLookup.objects.count() == 20


def test_the_page_fits_a_phone(accepted):
    html = Client().get(f"/s/{accepted.number}").content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert 'inputmode="numeric"' in html
