"""proactive_found and ledger_fixed_rate against a hand count."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from heatdesk.community.tests.test_flows import _fix_and_confirm
from heatdesk.reports import kpis, kpis_beside
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.services import TicketIntake, ticket_intake


def test_community_figures_match_a_hand_count(api_as, stewarded, page_as):
    cast = stewarded
    client = api_as(cast.community)
    visit = {"compound": cast.compound, "building": "2", "unit": "1"}
    cold = client.post("community/visits", {**visit, "room": "101", "indoor_temp": 14}).json()["ticket"]
    client.post("community/visits", {**visit, "room": "102", "problem": True})
    client.post("community/visits", {**visit, "room": "103", "indoor_temp": 22})  # no problem: no ticket
    households = [{"building": "8", "room": r} for r in ("101", "102", "103", "104")]
    ledger = client.post(
        "community/ledgers",
        {"compound": cast.compound, "title": "8号楼", "category": "not_warm", "households": households},
    ).json()
    _fix_and_confirm(cast, ledger["tickets"][0])
    _fix_and_confirm(cast, cold)  # a fixed proactive ticket is not a ledger household
    client.post(f"community/ledgers/{ledger['id']}/households/{ledger['items'][1]['id']}/refused", {})
    # A phone ticket of the same compound counts in neither figure.
    from django.contrib.auth import get_user_model

    ticket_intake(
        actor=get_user_model().objects.get(username="80725"),
        call=TicketIntake(
            caller_phone="13812345678", category="not_warm", compound=cast.compound, building="1", room="101"
        ),
    )

    # Hand count: 2 visits found a problem; of 4 ledger households 1 is confirmed fixed (a refusal is not a fix).
    by_hand = {
        "proactive_found": {"value": 2, "numerator": 2, "denominator": None},
        "ledger_fixed_rate": {"value": 0.25, "numerator": 1, "denominator": 4},
    }
    assert kpis_beside.community_kpis_compute(tickets=Ticket.objects.all()) == by_hand
    rows = kpis_beside.community_kpis_by_community(tickets=Ticket.objects.all())
    assert [(row["name"], row["kpis"]) for row in rows] == [("光明小区社区", by_hand)]

    body = api_as(cast.lead).get("reports/kpis?from=2026-06-01&to=2027-05-31").json()
    for key, value in by_hand.items():
        assert {k: body["kpis"][key][k] for k in value} == value
        assert body["definitions"][key]["formula_zh"] == kpis.COMMUNITY_KPI_DEFINITIONS[key].formula_zh

    page = page_as("lead").get("/reports/?from=2026-06-01&to=2027-05-31")
    assert 'data-community="' in page.content.decode()
    assert kpis.COMMUNITY_KPI_DEFINITIONS["ledger_fixed_rate"].formula_zh in page.content.decode()
    xlsx = page_as("lead").get("/reports/export/season.xlsx?from=2026-06-01&to=2027-05-31")
    sheet = load_workbook(io.BytesIO(xlsx.content))["社区"]
    values = [row for row in sheet.iter_rows(values_only=True) if row and row[1] == "光明小区社区"]
    assert values[0][2:] == (2, 0.25, 1, 4)
