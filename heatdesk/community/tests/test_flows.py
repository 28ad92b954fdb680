"""Visits become proactive tickets that close by callback; campaigns count progress; ledgers are worked down."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.contrib.auth import get_user_model

from heatdesk.community import selectors
from heatdesk.geo.models import Compound
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.services import TicketIntake, ticket_act, ticket_intake


def _user(username):
    return get_user_model().objects.get(username=username)


def _act(username, number, action, **payload):
    return ticket_act(actor=_user(username), number=number, action=action, payload=payload)


def _fix_and_confirm(cast, number):
    _act(cast.station, number, "accept")
    _act(cast.station, number, "arrive", indoor_temp="15")  # evidence before 处置完成
    _act(cast.station, number, "resolve", cause="air_lock", indoor_temp="20")
    return _act(cast.lead, number, "callback", reached=True, contacted=True, fixed=True, satisfaction="satisfied")


def test_a_cold_visit_becomes_a_dispatched_proactive_ticket_closed_by_callback(api_as, stewarded):
    cast = stewarded
    campaign = api_as(cast.community).post(
        "community/campaigns",
        {"name": "访民问暖", "compounds": [cast.compound], "from": "2026-11-20", "to": "2026-12-31"},
    )
    assert campaign.status_code == 201, campaign.content
    campaign_id = campaign.json()["id"]
    base = {"campaign": campaign_id, "compound": cast.compound, "building": "3", "unit": "2", "note": ""}
    warm = api_as(cast.community).post("community/visits", {**base, "room": "501", "indoor_temp": 21.5})
    cold = api_as(cast.community).post("community/visits", {**base, "room": "502", "indoor_temp": 16.4})
    leak = api_as(cast.community).post("community/visits", {**base, "room": "503", "problem": True, "note": "阀门渗水"})
    again = api_as(cast.community).post("community/visits", {**base, "room": "501", "indoor_temp": 22})
    assert warm.json()["ticket"] is None
    assert again.json()["ticket"] is None
    number = cold.json()["ticket"]
    ticket = Ticket.objects.get(number=number)
    assert (ticket.status, ticket.channel, ticket.category) == ("dispatched", "proactive", "not_warm")
    assert ticket.owner.username == "proactive-intake"
    assert ticket.caller_phone == "13900000002"  # the community steward, whom the desk calls back
    assert ticket.station.code == cast.station.removeprefix("station-")
    assert Ticket.objects.get(number=leak.json()["ticket"]).category == "other"
    progress = api_as(cast.community).get("community/campaigns").json()[0]["progress"]
    assert progress == {"households_visited": 3, "problems_found": 2, "fixed": 0}

    closed = _fix_and_confirm(cast, number)

    assert closed.status == "closed"
    progress = api_as(cast.community).get("community/campaigns").json()[0]["progress"]
    assert progress == {"households_visited": 3, "problems_found": 2, "fixed": 1}


def test_a_visit_without_anyone_to_call_back_is_refused_and_leaves_nothing(api_as, cast):
    response = api_as(cast.community).post(
        "community/visits", {"compound": cast.compound, "building": "1", "room": "101", "indoor_temp": 12}
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"] == [{"field": "contact_phone"}]
    assert not Ticket.objects.filter(channel="proactive").exists()
    from heatdesk.community.models import Visit

    assert not Visit.objects.exists()


def test_a_ledger_is_batch_dispatched_and_closable_only_when_every_household_is_settled(api_as, stewarded):
    cast = stewarded
    households = [{"building": "7", "unit": "1", "room": r} for r in ("101", "102", "201")]
    body = {"compound": cast.compound, "title": "7号楼老旧管网", "category": "not_warm", "households": households}
    created = api_as(cast.community).post("community/ledgers", {**body, "plan_date": "2026-12-15"})
    assert created.status_code == 201, created.content
    ledger = created.json()
    assert (ledger["households"], ledger["fixed"], ledger["open"], ledger["closable"]) == (3, 0, 3, False)
    assert ledger["plan_date"] == "2026-12-15"
    tickets = Ticket.objects.filter(number__in=ledger["tickets"])
    assert sorted(tickets.values_list("status", flat=True)) == ["dispatched"] * 3
    path = f"community/ledgers/{ledger['id']}"
    assert api_as(cast.community).post(f"{path}/close").status_code == 409

    _fix_and_confirm(cast, ledger["items"][0]["ticket"])
    _fix_and_confirm(cast, ledger["items"][1]["ticket"])
    refused = api_as(cast.community).post(f"{path}/households/{ledger['items'][2]['id']}/refused", {"note": "拒绝入户"})
    assert refused.status_code == 200

    now = api_as(cast.station).get(path).json()
    assert (now["fixed"], now["open"], now["refused_access"], now["closable"]) == (2, 0, 1, True)
    assert [item["state"] for item in now["items"]] == ["fixed", "fixed", "refused_access"]
    closed = api_as(cast.community).post(f"{path}/close")
    assert closed.status_code == 200
    assert closed.json()["closed_at"]
    assert api_as(cast.community).post(f"{path}/close").status_code == 409


def test_a_failed_ledger_leaves_no_ticket(api_as, cast):
    # No stewards and no contact phone: the second household cannot be filed, so nothing is.
    body = {
        "compound": cast.compound,
        "title": "漏水",
        "category": "leak",
        "households": [{"building": "1", "room": "101"}, {"building": "", "room": "102"}],
        "contact_phone": "13700000000",
    }
    assert api_as(cast.community).post("community/ledgers", body).status_code == 422
    assert not Ticket.objects.exists()


def test_without_compounds_a_campaign_targets_last_seasons_hotspots_ranked_per_100_households(api_as, cast):
    compound = Compound.objects.get(code=cast.compound)
    siblings = list(Compound.objects.filter(community=compound.community).order_by("code"))
    lead = _user("80725")
    with time_machine.travel(dt.datetime(2025, 12, 10, 10, tzinfo=dt.UTC)):
        for compound_row, calls in zip(siblings, (1, 3), strict=False):
            for n in range(calls):
                ticket_intake(
                    actor=lead,
                    call=TicketIntake(
                        caller_phone=f"1380000{n:04d}", category="not_warm", compound=compound_row.code,
                        building="1", room=str(100 + n),
                    ),
                )  # fmt: skip
    response = api_as(cast.community).post(
        "community/campaigns", {"name": "热点走访", "from": "2026-11-20", "to": "2026-12-20"}
    )
    assert response.status_code == 201, response.content
    expected = sorted(
        ((c, calls * 100 / c.households) for c, calls in zip(siblings, (1, 3), strict=False)), key=lambda x: -x[1]
    )
    assert response.json()["compounds"] == sorted(c.code for c, _ in expected)
    spots = selectors.hotspots(
        compounds=Compound.objects.filter(community=compound.community),
        since=dt.date(2025, 10, 1),
        until=dt.date(2026, 5, 1),
    )
    assert [s.compound.code for s in spots] == [c.code for c, _ in expected]
    assert response.json()["from_hotspots"] is True
    other = api_as(cast.other_community).post(
        "community/campaigns", {"name": "x", "from": "2026-11-20", "to": "2026-12-20"}
    )
    assert other.status_code == 422  # its compounds had no requests last season


def test_the_cold_snap_list_and_the_intake_flag(api_as, stewarded):
    cast = stewarded
    row = {"compound": cast.compound, "building": "3", "unit": "2", "room": "501", "kind": "elderly_alone"}
    row |= {"contact_name": "刘奶奶", "contact_phone": "13811112222", "consent_at": "2026-10-20"}
    api_as(cast.community).post("community/vulnerable", row)
    assert api_as(cast.lead).get("community/vulnerable/cold-snap").json() == []
    api_as(cast.community).post(
        "community/visits", {"compound": cast.compound, "building": "9", "room": "101", "indoor_temp": 15}
    )
    cold = api_as(cast.station).get("community/vulnerable/cold-snap").json()
    assert [(c["room"], sorted(c["reasons"])) for c in cold] == [("501", ["low_readings", "open_tickets"])]
    flag = selectors.vulnerable_household(Compound.objects.get(code=cast.compound), "3", "2", "501")
    assert flag is not None
    assert flag.kind == "elderly_alone"
    assert flag.contact_phone_masked == "138****2222"
    assert selectors.vulnerable_household(Compound.objects.get(code=cast.compound), "3", "2", "502") is None
