"""The pieces of the season model that need no database: weather, buildings, clustering figures."""

from __future__ import annotations

import datetime as dt
import random
import statistics
from collections import Counter

import pytest

from heatdesk.reports import season_city as city
from heatdesk.reports import weather
from heatdesk.reports.clustering import calls_shape

DAY1, DAY2 = dt.date(2026, 12, 1), dt.date(2026, 12, 2)


def test_calls_shape_counts_building_days_and_the_busiest_buildings():
    # given 10 calls: building A calls 5 times on day 1, B twice on day 1, C, D, E once each
    calls = [("A", DAY1)] * 5 + [("B", DAY1)] * 2 + [("C", DAY1), ("D", DAY2), ("E", DAY2)]
    shape = calls_shape(calls)
    assert (shape.calls, shape.buildings, shape.building_days) == (10, 5, 5)
    assert shape.multi_call_share == pytest.approx(0.7)
    assert shape.five_call_share == pytest.approx(0.5)
    assert shape.busiest_1pct_share == pytest.approx(0.5)  # the top building of five
    assert shape.busiest_10pct_share == pytest.approx(0.5)
    assert (shape.largest_building_day, shape.largest_at) == (5, ("A", DAY1))
    assert (shape.busiest_day, shape.busiest_day_calls, shape.busiest_day_multi_share) == (DAY1, 8, 7 / 8)


def test_calls_shape_of_nothing_is_zero():
    shape = calls_shape([])
    assert (shape.calls, shape.multi_call_share, shape.largest_building_day, shape.busiest_day) == (0, 0.0, 0, None)


def test_the_shipped_winter_is_the_documented_generator_output_and_climatological():
    shipped = weather.series_read()
    generated = weather.synthetic_winter(
        seed=weather.SHIPPED_SEED, first=weather.SHIPPED_FIRST, last=weather.SHIPPED_LAST
    )
    assert shipped == generated
    january = [v for d, v in shipped.items() if d.month == 1]
    assert statistics.mean(january) == pytest.approx(-11.0, abs=0.3)
    winter = [v for d, v in shipped.items() if d.month in (12, 1, 2, 3)]
    assert -27 <= min(winter) <= -18  # cold waves
    assert 0 <= max(winter) <= 13


def test_a_day_missing_from_the_series_falls_back_to_the_same_date_then_to_the_normal():
    series = {dt.date(2026, 1, 10): -20.0}
    assert weather.temperature_on(series, dt.date(2026, 1, 10)) == -20.0
    assert weather.temperature_on(series, dt.date(2031, 1, 10)) == -20.0
    assert weather.temperature_on(series, dt.date(2031, 1, 15)) == pytest.approx(-11.0, abs=0.1)


def test_a_bad_temperature_file_is_refused_with_its_line(tmp_path):
    bad = tmp_path / "t.csv"
    bad.write_text("date,mean_celsius\n2026-12-01,-10\n2026-12-02,cold\n", encoding="utf-8")
    with pytest.raises(weather.SeriesError, match="line 3"):
        weather.series_read(bad)
    with pytest.raises(weather.SeriesError):
        weather.series_read(tmp_path / "missing.csv")
    good = tmp_path / "g.csv"
    good.write_text("date,mean_celsius\n2026-12-01,-10.5\n", encoding="utf-8")
    assert weather.series_read(good) == {DAY1: -10.5}


def _city(seed: int = 1) -> list[city.BuildingProfile]:
    compounds = [city.CompoundInfo(f"old{n}", 600, 1988, "s1") for n in range(10)] + [
        city.CompoundInfo(f"new{n}", 600, 2016, "s2") for n in range(10)
    ]
    return city.city_buildings(random.Random(seed), compounds, total=4000)


def test_old_poorly_insulated_buildings_call_more_and_a_few_buildings_call_far_more():
    buildings = _city()
    old = [b.propensity for b in buildings if b.compound.startswith("old")]
    new = [b.propensity for b in buildings if b.compound.startswith("new")]
    assert sum(old) > 2 * sum(new)
    ranked = sorted(old + new, reverse=True)
    assert sum(ranked[: len(ranked) // 100]) > 0.15 * sum(ranked)  # long-tailed


def test_top_floors_and_end_units_call_more():
    building = next(b for b in _city() if b.units >= 3)
    rng = random.Random(3)
    picks = [building.household(rng) for _ in range(4000)]
    floors = Counter(int(room[:-2]) for _, room in picks)
    units = Counter(unit for unit, _ in picks)
    assert floors[building.floors] > 1.8 * floors[2]
    assert units["1"] > 1.3 * units["2"]
