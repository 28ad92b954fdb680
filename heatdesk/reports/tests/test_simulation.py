"""After a simulated season, every KPI the API reports equals the simulator's own count of what it did."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from heatdesk.core import clock
from heatdesk.feedback.models import RatingLink
from heatdesk.geo.models import Compound
from heatdesk.reports import kpis, selectors
from heatdesk.reports.clustering import calls_shape, ticket_calls_shape
from heatdesk.reports.season import SeasonSimulator
from heatdesk.reports.season_truth import kpi_matches, truth_callback_channels, truth_kpis
from heatdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db
START = dt.date(2026, 11, 1)


@pytest.fixture
def season(demo_city):
    return SeasonSimulator(requests=300, days=5, seed=7, start=START).run()


def _api(api_as, result, query: str = "") -> dict:
    with clock.moved_to(result.end):
        response = api_as("lead").get(f"reports/kpis?from=2026-11-01&to=2026-11-05{query}")
    assert response.status_code == 200
    return response.json()["kpis"]


def _assert_agree(truth: dict, reported: dict) -> None:
    for key, definition in kpis.KPI_DEFINITIONS.items():
        expected, got = truth[key], reported[key]
        if definition.unit in (kpis.MINUTES, kpis.MEDIAN):
            assert got["denominator"] == expected["denominator"], key
            assert got["value"] == pytest.approx(expected["value"], abs=0.01), key
        else:
            assert (got["numerator"], got["denominator"]) == (expected["numerator"], expected["denominator"]), key
            assert got["value"] == pytest.approx(expected["value"], abs=0.0001), key
        assert kpi_matches(key, expected, got), key


def test_every_kpi_equals_the_simulators_ground_truth(season, api_as):
    truth = truth_kpis(season.tickets, as_of=season.end)
    _assert_agree(truth, _api(api_as, season))


def test_a_share_of_citizens_answer_by_the_rating_link_and_the_channel_split_equals_the_ground_truth(season, api_as):
    # given a season where 30 % of citizens (all have a mobile) answer the resolved SMS's rating link,
    answers = Counter(channel for t in season.tickets for reached, _, _, channel in t.callbacks if reached)
    assert 0.15 < answers["sms_link"] / (answers["sms_link"] + answers["phone"]) < 0.45
    # the link answers are real callbacks by the feedback door: the links are used, and leave the phone queue
    assert RatingLink.objects.filter(used_at__isnull=False).count() == answers["sms_link"]
    linked = [t for t in season.tickets if any(channel == "sms_link" for *_, channel in t.callbacks)]
    assert not any(channel == "phone" for t in linked for *_, channel in t.callbacks[: _first_link(t)])
    # when the reports split the callbacks by channel, then each figure equals the simulator's own count
    with clock.moved_to(season.end):
        response = api_as("lead").get("reports/kpis?from=2026-11-01&to=2026-11-05")
    assert response.json()["callback_channels"] == truth_callback_channels(season.tickets)
    truth = truth_kpis(season.tickets, as_of=season.end)
    assert truth["callback_rate"]["numerator"] == sum(
        bool(t.callbacks) for t in season.tickets if t.resolved_at or t.reopen_count
    )


def _first_link(ticket) -> int:
    return next(i for i, (*_, channel) in enumerate(ticket.callbacks) if channel == "sms_link")


def test_without_link_answers_every_callback_is_by_phone_and_the_kpis_still_agree(demo_city, api_as):
    result = SeasonSimulator(requests=80, days=2, seed=9, start=START, link_share=0.0).run()
    assert {channel for t in result.tickets for *_, channel in t.callbacks} == {"phone"}
    assert not RatingLink.objects.filter(used_at__isnull=False).exists()
    with clock.moved_to(result.end):
        response = api_as("lead").get("reports/kpis?from=2026-11-01&to=2026-11-02")
    _assert_agree(truth_kpis(result.tickets, as_of=result.end), response.json()["kpis"])
    assert response.json()["callback_channels"] == truth_callback_channels(result.tickets)


def test_a_station_scope_equals_the_ground_truth_of_that_station(season, api_as):
    station = Counter(t.station for t in season.tickets).most_common(1)[0][0]
    truth = truth_kpis([t for t in season.tickets if t.station == station], as_of=season.end)
    _assert_agree(truth, _api(api_as, season, f"&station={station}"))


def test_the_season_looks_like_a_heating_desk(season):
    tickets = season.tickets
    assert Ticket.objects.count() == len(tickets)
    tickets = [t for t in tickets if t.repair_of is None]  # the calls, without incidents' repair tickets
    assert len(tickets) == 300
    categories = Counter(t.category for t in tickets)
    assert 0.6 < categories["not_warm"] / 300 < 0.8
    assert all(t.urgency == "urgent" for t in tickets if t.category == "leak")
    evening = sum(1 for t in tickets if 17 <= t.created_at.astimezone(season.start.tzinfo).hour < 22)
    night = sum(1 for t in tickets if 1 <= t.created_at.astimezone(season.start.tzinfo).hour < 6)
    assert evening > 3 * night
    not_warm = [t for t in tickets if t.category == "not_warm"]
    assert 0.08 < sum(t.phone_resolved for t in not_warm) / len(not_warm) < 0.35
    readings = [t.arrival_temp for t in tickets if t.arrival_temp is not None]
    assert sum(14 <= r <= 20 for r in readings) / len(readings) > 0.7
    answered = [answer for t in tickets for reached, _, answer, _ in t.callbacks if reached]
    assert sum(a != "not_satisfied" for a in answered) / len(answered) > 0.95
    assert any(t.return_count for t in tickets)
    assert any(t.repeat_calls for t in tickets)


def test_the_same_seed_plays_the_same_season(demo_city):
    first = SeasonSimulator(requests=40, days=2, seed=3, start=START).run()
    replay = [(t.category, t.compound, t.created_at, t.state) for t in first.tickets]
    Ticket.objects.filter(parent__isnull=False).delete()
    Ticket.objects.all().delete()
    second = SeasonSimulator(requests=40, days=2, seed=3, start=START).run()
    assert [(t.category, t.compound, t.created_at, t.state) for t in second.tickets] == replay


def test_the_command_prints_the_comparison_and_refuses_a_used_period(demo_city):
    out = io.StringIO()
    call_command(
        "simulate_season", requests=40, days=2, seed=5, start="2026-10-20", quiet=True, report_shape=True, stdout=out
    )
    text = out.getvalue()
    assert f"all {len(kpis.KPI_DEFINITIONS)} KPIs match" in text
    assert "sms_link.callbacks" in text
    assert "phone.satisfied" in text
    assert "satisfaction_rate" in text
    assert "share from building-days with ≥ 2 calls" in text
    assert "busiest 10 % of buildings' share" in text
    assert "largest building-day" in text
    with pytest.raises(Exception, match="already exist"):
        call_command("simulate_season", requests=10, days=1, start="2026-10-20", stdout=io.StringIO())


def _plan_shape(result_or_plan, zone):
    calls = result_or_plan.calls
    return calls_shape(((c.building.compound, c.building.number), c.at.astimezone(zone).date()) for c in calls)


def test_the_tickets_created_cluster_by_building_as_planned_and_like_public_records(season):
    # given a small season on a fixed seed, when the tickets it created are measured,
    shape = ticket_calls_shape(tickets=Ticket.objects.filter(repair_of_incident__isnull=True))
    # then they are exactly the planned calls (building and day), clustered like a real cold spell
    assert shape == _plan_shape(season.plan, season.start.tzinfo)
    assert shape.calls == 300
    assert 0.36 <= shape.multi_call_share <= 0.52
    assert 0.04 <= shape.five_call_share <= 0.18
    assert shape.largest_building_day >= 5
    assert shape.busiest_10pct_share >= 0.35


def test_a_month_of_calls_has_the_public_records_shape(demo_city):
    # The bench's season (8,213 requests over 31 days) planned on the demo city, without its tickets.
    simulator = SeasonSimulator(requests=8213, days=31, seed=12345, start=START)
    shape = _plan_shape(simulator.plan_season(), simulator.zone)
    assert shape.multi_call_share == pytest.approx(0.43, abs=0.04)
    assert shape.five_call_share == pytest.approx(0.09, abs=0.03)
    assert shape.busiest_1pct_share == pytest.approx(0.23, abs=0.03)
    assert shape.busiest_10pct_share == pytest.approx(0.63, abs=0.04)
    assert 8 <= shape.largest_building_day <= 30


def _series(start: dt.date, values: list[float]) -> dict[dt.date, float]:
    return {start + dt.timedelta(days=n): value for n, value in enumerate(values)}


def test_volume_rises_as_it_gets_colder(demo_city):
    simulator = SeasonSimulator(
        requests=1000, days=10, seed=4, start=START, temperatures=_series(START, [5.0] * 5 + [-20.0] * 5)
    )
    simulator.plan_season()
    warm, cold = simulator.season[:5], simulator.season[5:]
    assert [d.outdoor_celsius for d in simulator.season] == [5.0] * 5 + [-20.0] * 5
    assert sum(d.requests for d in cold) > 1.5 * sum(d.requests for d in warm)
    assert sum(d.requests for d in simulator.season) == 1000


def test_substations_fail_on_cold_nights_and_their_buildings_call_in_a_burst(demo_city):
    substation_of = {c.code: c.substation.code for c in Compound.objects.select_related("substation")}
    mild = SeasonSimulator(requests=600, days=3, seed=2, start=START, temperatures=_series(START, [-2.0] * 3))
    assert mild.plan_season().outages == []
    simulator = SeasonSimulator(requests=600, days=3, seed=2, start=START, temperatures=_series(START, [-26.0] * 3))
    plan = simulator.plan_season()
    assert plan.outages
    for index, outage in enumerate(plan.outages):
        calls = [c for c in plan.calls if c.outage == index]
        assert len(calls) == len(outage.calls) >= 3
        assert {substation_of[c.building.compound] for c in calls} == {outage.substation}
        assert all(outage.starts_at <= c.at < outage.restored_at for c in calls)
        assert {c.category for c in calls} <= {"no_heat", "not_warm"}
    assert len(plan.calls) == 600


def test_the_ground_truth_equals_every_kpi_in_a_season_with_outages(demo_city):
    start = dt.date(2026, 12, 1)
    result = SeasonSimulator(
        requests=150, days=2, seed=11, start=start, temperatures=_series(start, [-24.0, -26.0])
    ).run()
    assert result.outages
    in_outage = [t for t in result.tickets if t.outage is not None]
    assert in_outage
    calls = [t for t in result.tickets if t.repair_of is None]
    assert len(calls) == 150
    assert Ticket.objects.count() == len(result.tickets)
    assert len({t.household for t in calls if t.is_open}) == sum(t.is_open for t in calls)
    # the outages were declared, calls attached without a dispatch of their own, restored, called back
    repairs = [t for t in result.tickets if t.repair_of is not None]
    assert repairs
    assert Ticket.objects.filter(repair_of_incident__isnull=False).count() == len(repairs)
    attached = [t for t in calls if t.incident]
    assert attached
    assert any(t.restore_minutes is not None for t in repairs)
    assert any(t.first_dispatched_at is None and t.callbacks for t in attached)
    period = selectors.Period(start, start + dt.timedelta(days=1))
    reported = kpis.kpis_compute(
        tickets=selectors.report_tickets(user=None, period=period, scope=selectors.ReportScope()), as_of=result.end
    )
    _assert_agree(truth_kpis(result.tickets, as_of=result.end), reported)


def test_the_command_plays_a_temperature_file_and_refuses_a_bad_one(demo_city, tmp_path):
    cold = tmp_path / "cold.csv"
    cold.write_text("date,mean_celsius\n2027-01-10,-30.0\n", encoding="utf-8")
    out = io.StringIO()
    call_command(
        "simulate_season", requests=30, days=1, start="2027-01-10", temperatures=str(cold), quiet=True, stdout=out
    )
    assert "01-10 30 (-30)" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text("day,celsius\n2027-01-10,-30\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 2"):
        call_command("simulate_season", requests=30, days=1, start="2027-02-10", temperatures=str(bad))
