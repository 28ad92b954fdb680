"""Community pages: open to the community, refused to others, the register page logs its read, the visit form files."""

from __future__ import annotations

import pytest

from heatdesk.audit.models import AuditEntry
from heatdesk.community.models import Visit
from heatdesk.tickets.models import Ticket

PAGES = ["/community/", "/community/register/", "/community/campaigns/", "/community/visit/", "/community/ledgers/"]


@pytest.mark.parametrize("path", PAGES)
def test_community_pages_open_for_the_community(page_as, stewarded, path):
    response = page_as(stewarded.community).get(path)
    assert response.status_code == 200
    assert "社区" in response.content.decode() or "走访" in response.content.decode()


@pytest.mark.parametrize("path", ["/community/register/", "/community/campaigns/", "/community/visit/"])
def test_operators_and_companies_are_refused(page_as, cast, path):
    assert page_as(cast.operator).get(path).status_code == 403
    assert page_as(cast.company).get(path).status_code == 403 or path == "/community/register/"


def test_the_stewards_page_refuses_another_community_and_saves_for_its_own(page_as, stewarded):
    cast = stewarded
    path = f"/community/compounds/{cast.compound}/stewards/"
    assert page_as(cast.other_community).get(path).status_code == 403
    body = {"enterprise_name": "王供热", "enterprise_phone": "13900000001", "enterprise_on": "on"}
    body |= {"community_name": "新管家", "community_phone": "13900000009", "community_on": "on", "grid_count": "0"}
    assert page_as(cast.community).post(path, body).status_code == 302
    assert "新管家" in page_as(cast.station).get(path).content.decode()


def test_opening_the_register_page_is_an_audited_read(page_as, cast):
    page_as(cast.community).get("/community/register/")
    assert AuditEntry.objects.filter(action="vulnerable_read", actor_username=cast.community).exists()
    assert page_as(cast.other_station).get("/community/register/").status_code == 200  # its own (none) only
    assert page_as(cast.company).get("/community/register/").status_code == 403


def test_the_visit_form_files_a_proactive_ticket_for_a_cold_home(page_as, stewarded):
    cast = stewarded
    body = {"compound": cast.compound, "building": "3", "unit": "1", "room": "402", "indoor_temp": "15.5"}
    response = page_as(cast.community).post("/community/visit/", {**body, "problem": "no", "note": "老人怕冷"})
    assert response.status_code == 200
    ticket = Ticket.objects.get(channel="proactive")
    assert ticket.number in response.content.decode()
    bad = page_as(cast.community).post("/community/visit/", {**body, "indoor_temp": "99"})
    assert bad.status_code == 422
    assert Visit.objects.count() == 1


def test_a_ledger_from_the_page(page_as, stewarded):
    cast = stewarded
    body = {"compound": cast.compound, "title": "6号楼", "category": "not_warm", "households": "6-1-101\n6-1-102"}
    response = page_as(cast.community).post("/community/ledgers/", body)
    assert response.status_code == 302
    page = page_as(cast.community).get(response["Location"]).content.decode()
    assert page.count('data-state="open"') == 2


@pytest.mark.parametrize("count", ["abc", "-3", "1000000000", "1e9"])
def test_a_stewards_form_with_a_grid_count_that_is_no_small_number_saves_without_a_500(page_as, stewarded, count):
    cast = stewarded
    path = f"/community/compounds/{cast.compound}/stewards/"
    body = {"community_name": "新管家", "community_phone": "13900000009", "community_on": "on", "grid_count": count}
    assert page_as(cast.community).post(path, body).status_code == 302
    assert "新管家" in page_as(cast.station).get(path).content.decode()


@pytest.mark.parametrize("household", ["abc", "99999999999999999999", "-1"])
def test_refusing_a_ledger_household_that_is_no_id_is_a_message_not_a_500(page_as, stewarded, household):
    cast = stewarded
    body = {"compound": cast.compound, "title": "6号楼", "category": "not_warm", "households": "6-1-101"}
    ledger_page = page_as(cast.community).post("/community/ledgers/", body)["Location"]
    response = page_as(cast.community).post(ledger_page, {"household": household, "note": "不在家"})
    assert response.status_code == 302
