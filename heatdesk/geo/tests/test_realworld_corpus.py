"""The resolver against the real-world corpus (realworld.py): every class of issue 14 is kept.

Per class: routable addresses are routed (confident, right station) at least 97 % of the time;
ambiguous and unknown ones are left to the operator at least 95 %; a district that does not hold
the compound is flagged; building, unit and room come out exact at least 95 % where the text has them.
"""

from __future__ import annotations

import pytest

from heatdesk.geo.tests import corpus_report

ROUTE_CLASSES = {
    "name_numbers", "road_number", "explicit_markers", "letters", "directions", "floor_building",
    "typing_habits", "chinese_numerals", "postcode", "phase_initials", "same_name_with_district",
    "building_ranges",
}  # fmt: skip
HELD_CLASSES = {"shared_initials", "same_name_no_district", "typo_equally_close", "phase_unsaid", "unknown"}


@pytest.fixture(scope="module")
def scored(realworld_city):
    return corpus_report.corpus_score(corpus_report.corpus_cases())


@pytest.mark.django_db
def test_the_corpus_has_at_least_30_cases_in_every_class(scored):
    rates = corpus_report.class_rates(scored)

    assert ROUTE_CLASSES | HELD_CLASSES | {"district_mismatch"} <= set(rates)
    assert all(count >= 30 for count, _, _, _ in rates.values())


@pytest.mark.django_db
def test_routable_addresses_of_every_class_are_routed_to_their_station_in_at_least_97_percent(scored):
    rates = corpus_report.class_rates(scored)

    low = {klass: rates[klass][1] for klass in ROUTE_CLASSES if rates[klass][1] < corpus_report.ROUTED_AT_LEAST}
    assert not low, corpus_report.report(scored)


@pytest.mark.django_db
def test_ambiguous_and_unknown_addresses_are_left_to_the_operator_in_at_least_95_percent(scored):
    rates = corpus_report.class_rates(scored)

    low = {klass: rates[klass][1] for klass in HELD_CLASSES if rates[klass][1] < corpus_report.HELD_AT_LEAST}
    assert not low, corpus_report.report(scored)


@pytest.mark.django_db
def test_a_district_that_does_not_hold_the_compound_is_flagged_and_never_confident(scored):
    mismatched = [item for item in scored if item.case["klass"] == "district_mismatch"]

    assert sum(item.is_right for item in mismatched) / len(mismatched) >= corpus_report.ROUTED_AT_LEAST
    assert not any(item.confident for item in mismatched)


@pytest.mark.django_db
def test_building_unit_and_room_are_exact_in_at_least_95_percent_of_every_class(scored):
    rates = corpus_report.class_rates(scored)

    low = {klass: rate[3] for klass, rate in rates.items() if rate[2] and rate[3] < corpus_report.PARTS_AT_LEAST}
    assert not low, corpus_report.report(scored)


@pytest.mark.django_db
def test_no_routable_address_is_sent_confidently_to_a_wrong_station(scored):
    wrong = [
        item
        for item in scored
        if item.case["expect"] == "route" and item.confident and item.station != item.case["station_code"]
    ]

    assert len(wrong) <= len(scored) * 0.01, corpus_report.report(scored)
