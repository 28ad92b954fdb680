"""Each page opens for the roles it is for, refuses the others with 403, and sends strangers to login."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PAGES = ["/desk/", "/desk/queue/", "/callbacks/", "/station/", "/station/board/", "/wall/", "/wall/live/", "/tickets/"]


@pytest.mark.parametrize(
    ("username", "workspace"),
    [
        ("80725", "/desk/"),
        ("lead", "/wall/"),
        ("station-cf-qiaokao", "/station/"),
        ("company-chengfa", "/wall/"),
        ("regulator", "/wall/"),
    ],
)
def test_home_sends_each_role_to_its_workspace(page_as, username, workspace):
    response = page_as(username).get("/")

    assert response.status_code == 302
    assert response["Location"] == workspace


def test_a_community_worker_stays_on_home_with_the_tickets_of_the_community(page_as):
    response = page_as("community-guangmingxiaoqu").get("/")

    assert response.status_code == 200
    assert "辖区工单" in response.content.decode()


@pytest.mark.parametrize("path", PAGES)
def test_strangers_are_sent_to_login(db, path):
    response = Client().get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    ("username", "allowed"),
    [
        ("80725", {"/desk/", "/desk/queue/", "/callbacks/", "/wall/", "/wall/live/", "/tickets/"}),
        ("lead", {"/desk/", "/desk/queue/", "/callbacks/", "/wall/", "/wall/live/", "/tickets/"}),
        ("station-cf-qiaokao", {"/station/", "/station/board/", "/tickets/"}),
        ("company-chengfa", {"/wall/", "/wall/live/", "/tickets/"}),
        ("regulator", {"/wall/", "/wall/live/", "/tickets/"}),
        ("community-guangmingxiaoqu", {"/tickets/"}),
    ],
)
def test_each_page_opens_for_its_roles_and_is_forbidden_to_others(page_as, username, allowed):
    client = page_as(username)
    for path in PAGES:
        response = client.get(path)
        expected = 200 if path in allowed else 403
        assert response.status_code == expected, (username, path, response.status_code)
        if expected == 403:
            assert "无权访问此页面" in response.content.decode()


def test_the_nav_links_reports_for_every_org_role_but_not_community_workers(page_as):
    for username in ("80725", "lead", "company-chengfa", "regulator", "station-cf-qiaokao"):
        page = page_as(username).get("/tickets/").content.decode()
        assert 'href="/reports/"' in page, username
    station_reports = page_as("station-cf-qiaokao").get("/reports/")
    assert station_reports.status_code == 200


def test_the_english_switch_shows_the_pages_in_english_and_back(page_as):
    client = page_as("lead")
    client.post("/i18n/setlang/", {"language": "en", "next": "/wall/"})
    for path, words in (
        ("/desk/", "New ticket"),
        ("/wall/", "Overdue tickets"),
        ("/callbacks/", "No tickets awaiting callback"),
        ("/tickets/", "Search"),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.content.decode()
        assert '<html lang="en">' in page
        assert words in page, path
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/wall/"})
    assert "超时工单" in client.get("/wall/").content.decode()


def test_a_live_poll_after_the_session_ended_sends_the_page_to_login(db):
    response = Client().get("/station/board/", HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response["HX-Redirect"] == "/login/?next=/station/board/"
