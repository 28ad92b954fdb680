"""Each KPI of DESIGN §5 on the hand-built day of conftest.desk_day, numbers worked out by hand."""

from __future__ import annotations

import pytest
from django.test import override_settings

from heatdesk.core import clock
from heatdesk.reports import kpis, selectors
from heatdesk.reports.tests.conftest import AS_OF, FIXED, GUANGHUA, QIAOKAO, STATION, Desk, at
from heatdesk.tickets import services

pytestmark = pytest.mark.django_db

# (numerator, denominator, value) by hand. Population A–H (I merged, K after the period) → 8.
EXPECTED = {
    "received": (8, None, 8),
    "dispatch_on_time_rate": (5, 6, 0.8333),  # dispatched A C D E G H; C at 15 min
    "avg_response_minutes": (236.0, 5, 47.2),  # A 30, C 40, D 120 (redo cycle), G 17, H 29
    "median_response_minutes": (None, 5, 30.0),  # 17 29 [30] 40 120
    "avg_arrival_minutes": (690.0, 5, 138.0),  # A 60, C 70, D 450, G 50, H 60
    "avg_resolution_minutes": (3430.0, 5, 686.0),  # A 120, C 160, D 2940, G 90, H 120; B by phone is out
    "response_on_time_rate": (3, 5, 0.6),  # C (urgent 30 min) and D's redo cycle late
    "resolution_on_time_rate": (4, 5, 0.8),  # C late; D on time thanks to the approved extension
    "phone_resolved_rate": (1, 8, 0.125),  # B
    "first_time_resolution_rate": (2, 4, 0.5),  # confirmed closed A B C D; C late, D redone/returned; H unreached
    "callback_rate": (5, 6, 0.8333),  # ever resolved A B C D G H; G not called back
    "satisfaction_rate": (4, 5, 0.8),  # reached: A, B, C (2nd), D (1st not satisfied), D (2nd)
    "resolution_rate": (4, 5, 0.8),  # D's first reached callback said not fixed
    "return_rate": (1, 6, 0.1667),  # D
    "redo_rate": (1, 6, 0.1667),  # D
    "repeat_call_rate": (1, 8, 0.125),  # D
    "temperature_compliance_rate": (2, 4, 0.5),  # A 16, C 18.5, D 19 (current cycle), H 15.5; G no reading
    "overdue_dispatch": (2, None, 2),  # C late; F never dispatched
    "overdue_response": (3, None, 3),  # C, D (redo cycle), E still waiting
    "overdue_resolution": (2, None, 2),  # C late; E still open past its deadline
    "overdue_callback": (1, None, 1),  # G still waiting for its callback
    "incidents": (0, None, 0),
    "incident_calls": (0, None, 0),
    "avg_restore_minutes": (0.0, 0, None),
}


def _report(**filters):
    period = selectors.period_parse(date_from="2026-12-01", date_to="2026-12-01")
    scope = selectors.report_scope_resolve(user=None, **filters)
    return selectors.report_kpis(user=None, period=period, scope=scope, as_of=AS_OF)["kpis"]


def test_each_kpi_matches_the_hand_worked_day(desk_day):
    result = _report()
    got = {key: (value["numerator"], value["denominator"], value["value"]) for key, value in result.items()}
    # The day has no visits and no ledgers: the community figures (§11) are zero and without a rate.
    assert got == {**EXPECTED, "proactive_found": (0, None, 0), "ledger_fixed_rate": (0, 0, None)}
    assert all(value["definition"] == key for key, value in result.items())


def test_every_design_key_is_defined_once_with_both_languages():
    assert list(kpis.KPI_DEFINITIONS) == list(EXPECTED)
    for definition in kpis.KPI_DEFINITIONS.values():
        assert all((definition.label_zh, definition.label_en, definition.formula_zh, definition.formula_en))


def test_a_station_scope_counts_the_tickets_of_its_current_station(desk_day):
    qiaokao = _report(station=QIAOKAO)
    guanghua = _report(station=GUANGHUA)
    assert qiaokao["received"]["value"] == 7  # D went to 光华 after its return
    assert guanghua["received"]["value"] == 1
    assert guanghua["avg_response_minutes"]["numerator"] == 120.0
    assert (guanghua["satisfaction_rate"]["numerator"], guanghua["satisfaction_rate"]["denominator"]) == (1, 2)
    assert qiaokao["satisfaction_rate"]["denominator"] == 3


def test_company_district_and_operator_scopes(desk_day):
    assert _report(company="chengfa")["received"]["value"] == 7
    assert _report(district="回民区")["received"]["value"] == 8  # all at 蓝爵小区 (D now served by 光华)
    assert _report(district="回民区", station=GUANGHUA)["received"]["value"] == 1
    by_80720 = _report(operator="80720")
    assert by_80720["received"]["value"] == 2  # G and H
    assert by_80720["callback_rate"]["numerator"] == 1  # H was tried, G not


def test_the_satisfied_set_is_configurable(desk_day):
    with override_settings(HEATDESK_SATISFIED_SET="very_satisfied,satisfied"):
        assert _report()["satisfaction_rate"]["numerator"] == 3  # C's fairly_satisfied no longer counts


def test_overdue_counts_depend_on_the_report_time(desk_day):
    period = selectors.period_parse(date_from="2026-12-01", date_to="2026-12-01")
    with clock.moved_to(desk_day["F"].created_at):  # the moment F was taken: nothing was late yet for F
        early = selectors.report_kpis(user=None, period=period, scope=selectors.ReportScope())["kpis"]
    assert early["overdue_dispatch"]["value"] == 1  # only C, dispatched late already


def test_an_empty_period_has_no_values_and_no_errors(desk_day):
    period = selectors.period_parse(date_from="2026-11-01", date_to="2026-11-02")
    result = selectors.report_kpis(user=None, period=period, scope=selectors.ReportScope(), as_of=AS_OF)["kpis"]
    assert result["received"]["value"] == 0
    assert result["avg_response_minutes"] == {
        "value": None,
        "numerator": 0.0,
        "denominator": 0,
        "definition": "avg_response_minutes",
    }
    assert result["median_response_minutes"]["value"] is None
    assert result["satisfaction_rate"]["value"] is None


def test_the_day_book_columns_are_the_formulas_keys():
    assert list(kpis.ticket_aggregates(as_of=AS_OF)) == list(kpis.TICKET_KEYS)


def test_a_repeat_call_counts_within_seven_days_even_when_a_later_one_followed(demo_city):
    desk = Desk()
    early_and_late = desk.create(at(1, 8))
    late_only = desk.create(at(1, 9), caller_phone="13900003333")
    desk.repeat_call(at(2, 8), "80720", early_and_late)
    desk.repeat_call(at(9, 8), "80720", early_and_late)  # the last call falls after the window
    desk.repeat_call(at(9, 9), "80720", late_only)
    result = _report()["repeat_call_rate"]
    assert (result["numerator"], result["denominator"]) == (1, 2)


def test_an_outage_counts_its_calls_once_and_its_repair_for_response_and_restore(demo_city):
    """Declared 20:00, two calls attach (20:10, 20:20), the station accepts the repair at 20:40, heat is back
    at 22:30 (150 min), both callers confirm the next morning."""
    from heatdesk.incidents import services as incidents

    desk = Desk()
    lead = desk.users["lead"]
    with clock.moved_to(at(1, 20)):
        incident = incidents.incident_declare(
            actor=lead,
            declaration=incidents.IncidentDeclaration(
                compounds=("lanjuexiaoqu",), cause="换热站停电", expected_restore_at=at(1, 23)
            ),
        )
    calls = []
    for minute, phone in ((10, "13800001111"), (20, "13800002222")):
        with clock.moved_to(at(1, 20, minute)):
            call = services.TicketIntake(caller_phone=phone, category="no_heat", compound="lanjuexiaoqu", building="3")
            calls.append(incidents.incident_call_take(actor=desk.users["80725"], code=incident.code, call=call).ticket)
    desk.do(at(1, 20, 40), STATION, incident.repair_ticket, "accept")
    with clock.moved_to(at(1, 22, 30)):
        incidents.incident_restore(actor=lead, code=incident.code)
    for ticket in calls:
        desk.do(at(2, 9), "80725", ticket, "callback", **FIXED, satisfaction="satisfied")

    result = _report()

    got = {key: (value["numerator"], value["denominator"], value["value"]) for key, value in result.items()}
    assert got["received"] == (3, None, 3)  # two calls and the repair ticket
    assert got["incidents"] == (1, None, 1)
    assert got["incident_calls"] == (2, None, 2)
    assert got["avg_restore_minutes"] == (150.0, 1, 150.0)
    assert got["avg_response_minutes"] == (40.0, 1, 40.0)  # the repair's alone: the calls were never dispatched
    assert got["dispatch_on_time_rate"] == (1, 1, 1.0)
    assert got["overdue_dispatch"] == (0, None, 0)
    assert got["callback_rate"] == (2, 2, 1.0)
    assert got["first_time_resolution_rate"] == (2, 2, 1.0)
