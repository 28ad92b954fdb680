"""The KPI day book: sealed days give the very numbers a live computation gives, and stay honest."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from heatdesk.accounts.models import User
from heatdesk.core import clock
from heatdesk.reports import kpis, overview, rankings, selectors
from heatdesk.reports.daybook import kpi_days_seal
from heatdesk.reports.models import KpiCompoundDay, KpiDay, KpiResponseTime, KpiSealedDay
from heatdesk.reports.season import SeasonSimulator
from heatdesk.reports.season_truth import truth_kpis
from heatdesk.reports.tests.conftest import AS_OF, QIAOKAO, Desk, at

pytestmark = pytest.mark.django_db
START = dt.date(2026, 11, 1)


@pytest.fixture
def season(demo_city):
    return SeasonSimulator(requests=240, days=4, seed=11, start=START).run()


def _everything(user=None, **filters):
    period = selectors.Period(START, START + dt.timedelta(days=3))
    scope = selectors.report_scope_resolve(user=user, **filters)
    bundle = overview.report_bundle(
        user=user, period=period, scope=scope, as_of=dt.datetime(2026, 11, 5, tzinfo=dt.UTC)
    )
    return {
        "kpis": bundle["kpis"],
        "daily": [(row["day"], row["kpis"]) for row in bundle["daily"]],
        "stations": [(item["code"], item["kpis"], item["score"]) for item in bundle["stations"]["items"]],
        "companies": [(item["code"], item["kpis"], item["score"]) for item in bundle["companies"]["items"]],
    }


def test_sealed_days_report_exactly_what_live_computation_reports(season):
    scopes = [("all", {}), ("station", {"station": QIAOKAO}), ("operator", {"operator": "80725"})]
    live = {scope: _everything(**filters) for scope, filters in scopes}
    assert live["operator"]["kpis"]["received"]["value"] > 0
    with clock.moved_to(season.end):
        report = kpi_days_seal()
    assert report.sealed  # the first days are over: every ticket closed
    assert report.waiting  # the last day still has open tickets
    assert KpiDay.objects.exists()
    assert KpiResponseTime.objects.exists()
    assert _everything() == live["all"]
    assert _everything(station=QIAOKAO) == live["station"]
    assert _everything(operator="80725") == live["operator"]  # the day book keeps each day's owners apart
    assert selectors.report_book(
        user=None, period=selectors.Period(START, START), scope=selectors.ReportScope(operator="80725")
    ).sealed


def test_the_day_book_agrees_with_the_simulators_ground_truth(season, api_as):
    with clock.moved_to(season.end):
        kpi_days_seal()
        response = api_as("lead").get("reports/kpis?from=2026-11-01&to=2026-11-04")
    truth = truth_kpis(season.tickets, as_of=season.end)
    body = response.json()["kpis"]
    # The simulator models the desk's KPIs; it files no visits and no ledgers.
    assert body.pop("proactive_found")["value"] == 0
    assert body.pop("ledger_fixed_rate")["denominator"] == 0
    for key, value in body.items():
        assert value["denominator"] == truth[key]["denominator"], key
        assert value["value"] == pytest.approx(truth[key]["value"], abs=0.01), key


def test_roles_read_their_own_rows_of_the_day_book(season):
    with clock.moved_to(season.end):
        kpi_days_seal()
    station_user = User.objects.get(username=f"station-{QIAOKAO}")
    expected = _everything(station=QIAOKAO)["kpis"]
    assert _everything(user=station_user)["kpis"] == expected
    ranking = rankings.rankings_compute(
        user=station_user,
        tickets=selectors.report_tickets(
            user=station_user, period=selectors.Period(START, START), scope=selectors.ReportScope()
        ),
        as_of=season.end,
        book=selectors.report_book(
            user=station_user, period=selectors.Period(START, START), scope=selectors.ReportScope()
        ),
    )
    assert [item["code"] for item in ranking["items"]] == [QIAOKAO]


def test_days_with_open_tickets_wait_and_a_new_definition_reseals(desk_day):
    with clock.moved_to(AS_OF):
        report = kpi_days_seal()
    assert dt.date(2026, 12, 1) in report.waiting  # E, F, G are still open
    assert not KpiSealedDay.objects.filter(day=dt.date(2026, 12, 1)).exists()
    desk = Desk()
    old = desk.create(at(1, 8) - dt.timedelta(days=20))
    desk.do(at(1, 8) - dt.timedelta(days=20, minutes=-1), "80725", old, "guide", solved=True, steps=[])
    desk.do(
        at(1, 9) - dt.timedelta(days=20),
        "80725",
        old,
        "callback",
        reached=True,
        contacted=True,
        fixed=True,
        satisfaction="not_satisfied",
        station_controllable=False,
    )
    with clock.moved_to(AS_OF):
        kpi_days_seal()
    sealed = KpiSealedDay.objects.get(day=dt.date(2026, 11, 11))
    with override_settings(HEATDESK_SATISFIED_SET="very_satisfied,satisfied,fairly_satisfied,not_satisfied"):
        with clock.moved_to(AS_OF):
            again = kpi_days_seal()
        assert again.dropped >= 1
        resealed = KpiSealedDay.objects.get(day=dt.date(2026, 11, 11))
        assert resealed.definitions != sealed.definitions
        period = selectors.Period(dt.date(2026, 11, 11), dt.date(2026, 11, 11))
        result = selectors.report_kpis(user=None, period=period, scope=selectors.ReportScope(), as_of=AS_OF)
        assert result["kpis"]["satisfaction_rate"]["numerator"] == 1


def test_the_median_is_the_same_whichever_way_it_is_merged(season, monkeypatch):
    with clock.moved_to(season.end):
        kpi_days_seal()
    merged_in_memory = _everything()["kpis"]["median_response_minutes"]
    monkeypatch.setattr(kpis, "LIVE_MERGE_LIMIT", 0)  # force the union in the database
    assert _everything()["kpis"]["median_response_minutes"] == merged_in_memory
    truth = truth_kpis(season.tickets, as_of=season.end)["median_response_minutes"]
    assert merged_in_memory["value"] == pytest.approx(truth["value"], abs=0.01)


def _kpi_report(**filters):
    period = selectors.Period(START, START + dt.timedelta(days=3))
    scope = selectors.report_scope_resolve(user=None, **filters)
    body = selectors.report_kpis(user=None, period=period, scope=scope, as_of=dt.datetime(2026, 11, 5, tzinfo=dt.UTC))
    return {key: body[key] for key in ("kpis", "callback_channels")}


def test_the_community_figures_and_the_callback_channels_read_from_sealed_days_match_live(season):
    # Given: the KPI report, with its community figures and its callbacks per channel, computed live.
    scopes = [("all", {}), ("station", {"station": QIAOKAO}), ("operator", {"operator": "80725"})]
    live = {scope: _kpi_report(**filters) for scope, filters in scopes}
    assert live["all"]["callback_channels"]["phone"]["callbacks"] > 0

    # When: the finished days are sealed, with those figures' sums in the day book.
    with clock.moved_to(season.end):
        assert kpi_days_seal().sealed
    sealed_sums = KpiDay.objects.values_list("callbacks_phone_callbacks_num", flat=True)
    assert sum(sealed_sums) > 0

    # Then: the report reads the sealed days and says exactly what live computation said.
    assert _kpi_report() == live["all"]
    assert _kpi_report(station=QIAOKAO) == live["station"]
    assert _kpi_report(operator="80725") == live["operator"]


def test_hotspots_read_from_sealed_days_are_the_live_ones(season):
    period = selectors.Period(START, START + dt.timedelta(days=3))

    def hotspots(**filters):
        scope = selectors.report_scope_resolve(user=None, **filters)
        tickets = selectors.report_tickets(user=None, period=period, scope=scope)
        book = selectors.report_book(user=None, period=period, scope=scope)
        return overview.hotspots(tickets=tickets, limit=500, book=book)

    live = {"all": hotspots(), "station": hotspots(station=QIAOKAO)}
    assert live["all"]
    assert live["station"]
    with clock.moved_to(season.end):
        assert kpi_days_seal().sealed

    assert KpiCompoundDay.objects.exists()
    assert hotspots() == live["all"]
    assert hotspots(station=QIAOKAO) == live["station"]
