"""GET|PUT /api/v1/sla/policy: everyone reads, desk leads write, all or nothing, new tickets only."""

from __future__ import annotations

import pytest

from heatdesk.sla.models import SlaRule
from heatdesk.supervision.tests.conftest import clock_of

DEFAULTS = {
    ("normal", "dispatch"): 600,
    ("urgent", "dispatch"): 600,
    ("normal", "response"): 3600,
    ("urgent", "response"): 1800,
    ("normal", "resolution"): 86400,
    ("urgent", "resolution"): 7200,
    ("normal", "callback"): 86400,
    ("urgent", "callback"): 86400,
}


def _stored() -> list[tuple]:
    return list(SlaRule.objects.order_by("urgency", "stage").values_list("urgency", "stage", "seconds", "warn_at"))


def test_everyone_signed_in_reads_all_eight_rules(api_as):
    response = api_as("station-cf-qiaokao").get("sla/policy")

    assert response.status_code == 200
    rules = response.json()
    assert len(rules) == 8
    assert {(r["urgency"], r["stage"]): r["seconds"] for r in rules} == DEFAULTS
    assert {r["warn_at"] for r in rules} == {0.8}


def test_reading_the_policy_needs_a_sign_in(anonymous_api):
    response = anonymous_api.get("sla/policy")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_missing_rule_shows_the_default_it_falls_back_to(api_as):
    SlaRule.objects.filter(urgency="urgent", stage="response").delete()
    rules = api_as("lead").get("sla/policy").json()
    assert {"urgency": "urgent", "stage": "response", "seconds": 1800, "warn_at": 0.8} in rules


def test_a_desk_lead_changes_only_the_rules_named(api_as, users):
    response = api_as("lead").put(
        "sla/policy",
        [
            {"urgency": "normal", "stage": "dispatch", "seconds": 300, "warn_at": 0.5},
            {"urgency": "urgent", "stage": "response", "seconds": 900},
        ],
    )

    assert response.status_code == 200, response.content
    rules = {(r["urgency"], r["stage"]): (r["seconds"], r["warn_at"]) for r in response.json()}
    assert rules[("normal", "dispatch")] == (300, 0.5)
    assert rules[("urgent", "response")] == (900, 0.8)  # warn_at left out: kept
    named = {("normal", "dispatch"), ("urgent", "response")}
    unchanged = {key: value for key, value in rules.items() if key not in named}
    assert unchanged == {key: (DEFAULTS[key], 0.8) for key in unchanged}
    assert SlaRule.objects.get(urgency="normal", stage="dispatch").updated_by == users["lead"]


@pytest.mark.parametrize("username", ["80725", "station-cf-qiaokao", "company-chengfa", "regulator"])
def test_only_a_desk_lead_may_change_the_policy(api_as, username):
    before = _stored()

    response = api_as(username).put("sla/policy", [{"urgency": "normal", "stage": "dispatch", "seconds": 60}])

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert _stored() == before


def test_an_admin_may_change_the_policy(api_as):
    response = api_as("admin").put("sla/policy", [{"urgency": "normal", "stage": "callback", "seconds": 7200}])
    assert response.status_code == 200
    assert SlaRule.objects.get(urgency="normal", stage="callback").seconds == 7200


GOOD = {"urgency": "normal", "stage": "dispatch", "seconds": 120, "warn_at": 0.5}


@pytest.mark.parametrize(
    "bad",
    [
        {"urgency": "normal", "stage": "lunch", "seconds": 60},
        {"urgency": "someday", "stage": "response", "seconds": 60},
        {"urgency": "normal", "stage": "response", "seconds": 0},
        {"urgency": "normal", "stage": "response", "seconds": -60},
        {"urgency": "normal", "stage": "response", "seconds": 10**9},
        {"urgency": "normal", "stage": "response", "seconds": 60, "warn_at": 0},
        {"urgency": "normal", "stage": "response", "seconds": 60, "warn_at": 1},
        {"urgency": "normal", "stage": "response", "seconds": 60, "warn_at": 1.5},
        {"urgency": "normal", "stage": "response", "seconds": 60, "warn_at": 0.9999},  # rounds to 1.000
        {"urgency": "normal", "stage": "response", "seconds": "soon"},
        {"urgency": "normal", "stage": "response"},
        GOOD,  # the same rule twice
    ],
)
def test_one_bad_rule_refuses_the_whole_request_and_changes_nothing(api_as, bad):
    before = _stored()

    response = api_as("lead").put("sla/policy", [GOOD, bad])

    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "validation_failed"
    assert _stored() == before


@pytest.mark.parametrize("body", [[], {"urgency": "normal"}, '"x"'])
def test_a_body_that_is_not_a_list_of_rules_is_422(api_as, body):
    response = api_as("lead").put("sla/policy", body)
    assert response.status_code == 422


def test_new_tickets_run_under_the_new_windows_while_open_tickets_keep_theirs(api_as, make_ticket):
    old = make_ticket()

    api_as("lead").put("sla/policy", [{"urgency": "normal", "stage": "dispatch", "seconds": 120, "warn_at": 0.5}])
    new = make_ticket(room="502")

    old_clock, new_clock = clock_of(old, "dispatch"), clock_of(new, "dispatch")
    assert (old_clock.due_at - old_clock.started_at).total_seconds() == 600
    assert (new_clock.due_at - new_clock.started_at).total_seconds() == 120
    assert (new_clock.warn_at - new_clock.started_at).total_seconds() == 60
    assert old.sla["dispatch"] == {"seconds": 600, "warn_at": 0.8}
