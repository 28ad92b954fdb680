"""After a simulated season, every KPI the API reports equals the simulator's own count of what it did."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import call_command

from heatdesk.core import clock
from heatdesk.reports import kpis
from heatdesk.reports.season import SeasonSimulator
from heatdesk.reports.season_truth import kpi_matches, truth_kpis
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


def test_a_station_scope_equals_the_ground_truth_of_that_station(season, api_as):
    station = Counter(t.station for t in season.tickets).most_common(1)[0][0]
    truth = truth_kpis([t for t in season.tickets if t.station == station], as_of=season.end)
    _assert_agree(truth, _api(api_as, season, f"&station={station}"))


def test_the_season_looks_like_a_heating_desk(season):
    tickets = season.tickets
    assert len(tickets) == Ticket.objects.count() == 300
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
    answered = [answer for t in tickets for reached, _, answer in t.callbacks if reached]
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
    call_command("simulate_season", requests=40, days=2, seed=5, start="2026-10-20", quiet=True, stdout=out)
    text = out.getvalue()
    assert "all 21 KPIs match" in text
    assert "satisfaction_rate" in text
    with pytest.raises(Exception, match="already exist"):
        call_command("simulate_season", requests=10, days=1, start="2026-10-20", stdout=io.StringIO())
