import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction

from heatdesk.core.errors import ValidationFailed
from heatdesk.guidance.models import GuidanceScript, GuidanceStep
from heatdesk.guidance.services import guidance_script_save, guidance_script_upsert

START = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


def test_upsert_creates_the_script_with_its_steps_in_order(db, valid_steps):
    with time_machine.travel(START, tick=False):
        script, changed = guidance_script_upsert(
            category="not_warm", title="暖气不热", intro="您好。", steps=valid_steps
        )

    assert changed is True
    assert script.is_active
    assert script.version == 1
    assert script.updated_at == START
    assert list(script.steps.values_list("order", "code")) == [
        (1, "valves_open"),
        (2, "open_valves"),
        (3, "pipe_temperature"),
    ]


def test_upsert_with_the_same_content_changes_nothing(db, valid_steps, guidance_rows):
    # given
    with time_machine.travel(START, tick=False):
        guidance_script_upsert(category="not_warm", title="暖气不热", intro="您好。", steps=valid_steps)
    before = guidance_rows()

    # when run again later, with the same content
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        script, changed = guidance_script_upsert(
            category="not_warm", title="暖气不热", intro="您好。", steps=[dict(step) for step in valid_steps]
        )

    # then
    assert changed is False
    assert script.version == 1
    assert guidance_rows() == before


def test_upsert_with_new_content_replaces_the_steps_and_raises_the_version(db, valid_steps):
    # given
    first, _ = guidance_script_upsert(category="not_warm", title="暖气不热", steps=valid_steps)

    # when a step is dropped and the others swap places
    edited = [
        {**valid_steps[0], "order": 2, "yes_next": "dispatch", "no_next": "solved"},
        {**valid_steps[2], "order": 1, "yes_next": "valves_open"},
    ]
    with time_machine.travel(START, tick=False):
        script, changed = guidance_script_upsert(category="not_warm", title="暖气不热", steps=edited)

    # then the same script row carries the new steps
    assert changed is True
    assert script.pk == first.pk
    assert script.version == 2
    assert script.updated_at == START
    assert list(script.steps.values_list("order", "code")) == [(1, "pipe_temperature"), (2, "valves_open")]
    assert GuidanceScript.objects.count() == 1
    assert GuidanceStep.objects.count() == 2


def test_a_title_change_alone_raises_the_version(db, valid_steps):
    guidance_script_upsert(category="not_warm", title="暖气不热", steps=valid_steps)

    script, changed = guidance_script_upsert(category="not_warm", title="暖气不热（新版）", steps=valid_steps)

    assert changed is True
    assert script.version == 2
    assert script.title == "暖气不热（新版）"


def test_a_second_active_script_for_a_category_is_refused(db, valid_steps, guidance_rows):
    guidance_script_upsert(category="leak", title="跑水", steps=valid_steps)
    before = guidance_rows()

    with pytest.raises(ValidationFailed, match="already has an active script"):
        guidance_script_save(script=GuidanceScript(category="leak", title="另一份跑水话术"), steps=valid_steps)

    assert guidance_rows() == before


def test_after_deactivating_a_script_the_category_takes_a_new_one(db, valid_steps):
    # given an old script that a desk lead switched off
    old, _ = guidance_script_upsert(category="leak", title="旧话术", steps=valid_steps)
    old.is_active = False
    _, changed = guidance_script_save(script=old, steps=valid_steps)
    assert changed is True
    assert old.version == 1  # switching off is not a content change

    # when the category is upserted again
    new, created = guidance_script_upsert(category="leak", title="新话术", steps=valid_steps)

    # then a new active script exists beside the old one
    assert created is True
    assert new.pk != old.pk
    assert list(GuidanceScript.objects.filter(category="leak").values_list("title", "is_active")) == [
        ("新话术", True),
        ("旧话术", False),
    ]


def test_the_database_refuses_two_active_scripts_for_one_category(db):
    GuidanceScript.objects.create(category="no_heat", title="一", updated_at=START)

    with pytest.raises(IntegrityError), transaction.atomic():
        GuidanceScript.objects.create(category="no_heat", title="二", updated_at=START)
    GuidanceScript.objects.create(category="no_heat", title="三", is_active=False, updated_at=START)
    assert GuidanceScript.objects.filter(category="no_heat").count() == 2


@pytest.mark.parametrize(
    "second",
    [
        {"order": 1, "code": "other"},  # same order
        {"order": 2, "code": "first"},  # same code
        {"order": 2, "code": "dispatch"},  # code named like an outcome
        {"order": 2, "code": "loop", "yes_next": "loop"},  # leads to itself
        {"order": 2, "code": "blank", "no_next": ""},  # no next on "no"
    ],
)
def test_the_database_refuses_steps_that_break_a_row_rule(db, second):
    script = GuidanceScript.objects.create(category="other", title="其他", updated_at=START)
    GuidanceStep.objects.create(
        script=script, order=1, code="first", question="？", yes_next="solved", no_next="dispatch"
    )
    row = {"question": "？", "yes_next": "solved", "no_next": "dispatch", **second}

    with pytest.raises(IntegrityError), transaction.atomic():
        GuidanceStep.objects.create(script=script, **row)
