"""Callbacks (回访): the owner's list, the three questions, retries, 重办, and close-as-unreached."""

import datetime as dt

import pytest
import time_machine

from heatdesk.core import clock
from heatdesk.web.tests.conftest import resolved_ticket

pytestmark = pytest.mark.django_db

REACHED_AND_FIXED = {
    "reached": "yes",
    "contacted": "yes",
    "fixed": "yes",
    "satisfaction": "satisfied",
    "comment": "师傅很负责",
}


def test_an_operator_sees_only_their_own_tickets_and_a_desk_lead_sees_all(page_as):
    mine = resolved_ticket(by="80725", phone="13900000081")
    theirs = resolved_ticket(by="80720", phone="13900000082")

    page = page_as("80725").get("/callbacks/").content.decode()
    lead_page = page_as("lead").get("/callbacks/").content.decode()

    assert f'id="cb-{mine.number}"' in page
    assert f'id="cb-{theirs.number}"' not in page
    assert f'id="cb-{mine.number}"' in lead_page
    assert f'id="cb-{theirs.number}"' in lead_page
    for question in ("是否接通", "是否联系", "是否解决", "满意度"):
        assert question in page


def test_a_reached_and_fixed_callback_closes_the_ticket(page_as):
    ticket = resolved_ticket(phone="13900000083")

    response = page_as("80725").post(f"/callbacks/{ticket.number}/", REACHED_AND_FIXED, HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert "回访完成，工单已办结" in page
    assert "已办结" in page
    assert "提交回访" not in page


def test_not_fixed_sends_the_ticket_back_to_the_station(page_as):
    ticket = resolved_ticket(phone="13900000084")

    response = page_as("80725").post(
        f"/callbacks/{ticket.number}/", {**REACHED_AND_FIXED, "fixed": "no"}, HTTP_HX_REQUEST="true"
    )

    assert "已重办：重新派至 桥靠供暖所" in response.content.decode()


def test_unanswered_questions_are_asked_for_not_crashed_on(page_as):
    ticket = resolved_ticket(phone="13900000085")

    response = page_as("80725").post(f"/callbacks/{ticket.number}/", {"reached": "yes"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "请回答" in response.content.decode()


def test_three_unreached_tries_at_different_times_let_the_desk_lead_close_it(page_as):
    ticket = resolved_ticket(phone="13900000086")
    operator = page_as("80725")
    start = clock.now()

    first = operator.post(f"/callbacks/{ticket.number}/", {"reached": "no"}, HTTP_HX_REQUEST="true").content.decode()
    too_soon = operator.post(f"/callbacks/{ticket.number}/", {"reached": "no"}, HTTP_HX_REQUEST="true")
    assert "未接通，已记录第 1 次" in first
    assert "下次可拨" in first
    assert "须间隔 30 分钟" in too_soon.content.decode()
    for hours in (1, 2):
        with time_machine.travel(start + dt.timedelta(hours=hours), tick=False):
            operator.post(f"/callbacks/{ticket.number}/", {"reached": "no"}, HTTP_HX_REQUEST="true")

    assert "未联系上办结" not in operator.get("/callbacks/").content.decode().split(f'id="cb-{ticket.number}"')[1]
    lead_row = page_as("lead").get("/callbacks/").content.decode().split(f'id="cb-{ticket.number}"')[1]
    assert "已 3 次未接通" in lead_row
    assert "未联系上办结" in lead_row
    closed = page_as("lead").post(f"/callbacks/{ticket.number}/unreached/", HTTP_HX_REQUEST="true")
    assert "已按未联系上办结" in closed.content.decode()


def test_without_htmx_the_callback_form_posts_and_comes_back_to_the_list(page_as):
    ticket = resolved_ticket(phone="13900000087")

    response = page_as("80725").post(f"/callbacks/{ticket.number}/", REACHED_AND_FIXED, follow=True)

    assert response.redirect_chain[-1][0] == "/callbacks/"
    assert "回访完成，工单已办结" in response.content.decode()


def test_a_ticket_resolved_after_the_list_was_drawn_is_appended_by_the_poll(page_as):
    first = resolved_ticket(phone="13900000088")
    page = page_as("80725").get("/callbacks/").content.decode()
    poll_url = page.split('id="cb-poll" hx-get="')[1].split('"')[0].replace("&amp;", "&")
    assert first.number in poll_url  # already on the page: never appended twice

    assert f'id="cb-{first.number}"' not in page_as("80725").get(poll_url).content.decode()
    second = resolved_ticket(phone="13900000089")
    polled = page_as("80725").get(poll_url).content.decode()

    assert 'hx-swap-oob="beforeend:#cb-list"' in polled
    assert f'id="cb-{second.number}"' in polled
    assert f'id="cb-{first.number}"' not in polled
    assert second.number in polled.split('id="cb-poll"')[1]  # the next poll knows it
