import pytest

from heatdesk.core.errors import ValidationFailed
from heatdesk.guidance.models import GuidanceScript
from heatdesk.guidance.services import guidance_script_upsert, guidance_steps_validate


def test_valid_steps_are_returned_normalised_in_order(valid_steps):
    # given steps listed out of order with explicit orders and stray spaces
    steps = [{**valid_steps[2], "order": 3}, {**valid_steps[0], "order": 1, "code": " valves_open "}]
    steps.append({**valid_steps[1], "order": 2})

    # when
    specs = guidance_steps_validate(steps=steps)

    # then
    assert [spec.code for spec in specs] == ["valves_open", "open_valves", "pipe_temperature"]
    assert specs[1].hint == ""


def test_a_next_that_names_no_step_and_no_outcome_is_refused(valid_steps):
    valid_steps[2]["no_next"] = "call_back_later"

    with pytest.raises(ValidationFailed) as refused:
        guidance_steps_validate(steps=valid_steps)

    assert "call_back_later" in refused.value.message
    assert "不存在" in refused.value.message
    assert refused.value.details == {"step": "pipe_temperature", "field": "no_next"}


def test_steps_that_loop_are_refused(valid_steps):
    # pipe_temperature → valves_open → open_valves → pipe_temperature
    valid_steps[2]["no_next"] = "valves_open"

    with pytest.raises(ValidationFailed) as refused:
        guidance_steps_validate(steps=valid_steps)

    assert "循环" in refused.value.message
    assert "loop" in refused.value.message
    cycle = refused.value.details["cycle"]
    assert cycle[0] == cycle[-1]
    assert set(cycle) <= {"valves_open", "open_valves", "pipe_temperature"}


def test_a_step_leading_to_itself_is_a_loop(valid_steps):
    valid_steps[2]["yes_next"] = "pipe_temperature"

    with pytest.raises(ValidationFailed, match="pipe_temperature → pipe_temperature"):
        guidance_steps_validate(steps=valid_steps)


def test_steps_from_which_no_path_reaches_an_outcome_are_refused():
    steps = [
        {"code": "first", "question": "第一问？", "yes_next": "second", "no_next": "second"},
        {"code": "second", "question": "第二问？", "yes_next": "first", "no_next": "first"},
    ]

    with pytest.raises(ValidationFailed) as refused:
        guidance_steps_validate(steps=steps)

    assert "结果" in refused.value.message
    assert "outcome" in refused.value.message


def test_a_step_nothing_leads_to_is_refused(valid_steps):
    valid_steps.append({"code": "orphan", "question": "没人问的问题？", "yes_next": "solved", "no_next": "dispatch"})

    with pytest.raises(ValidationFailed, match="orphan"):
        guidance_steps_validate(steps=valid_steps)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"code": "dispatch"}, "outcome"),
        ({"code": "阀门"}, "letters"),
        ({"question": "  "}, "missing question"),
        ({"yes_next": None}, "missing yes_next"),
        ({"order": 0}, "order"),
        ({"order": "1"}, "order"),
        ({"colour": "red"}, "unknown fields: colour"),
    ],
)
def test_malformed_steps_are_refused_with_a_bilingual_message(valid_steps, change, words):
    valid_steps[0] = {**valid_steps[0], **change}

    with pytest.raises(ValidationFailed) as refused:
        guidance_steps_validate(steps=valid_steps)

    chinese, english = refused.value.message.split(" / ", 1)
    assert any("\u4e00" <= char <= "\u9fff" for char in chinese)
    assert words in english


def test_duplicate_codes_and_orders_are_refused(valid_steps):
    with pytest.raises(ValidationFailed, match="used twice"):
        guidance_steps_validate(steps=[*valid_steps, {**valid_steps[2], "order": 9}])
    with pytest.raises(ValidationFailed, match="order 1 is used twice"):
        guidance_steps_validate(steps=[{**valid_steps[0], "order": 1}, {**valid_steps[1], "order": 1}])


def test_an_empty_script_is_refused():
    with pytest.raises(ValidationFailed, match="at least one step"):
        guidance_steps_validate(steps=[])


def test_a_refused_upsert_creates_nothing(db, valid_steps, guidance_rows):
    valid_steps[1]["yes_next"] = "nowhere"

    with pytest.raises(ValidationFailed):
        guidance_script_upsert(category="not_warm", title="暖气不热", intro="", steps=valid_steps)

    assert guidance_rows() == []


def test_a_refused_upsert_leaves_the_existing_script_as_it_was(db, valid_steps, guidance_rows):
    # given a saved script
    guidance_script_upsert(category="not_warm", title="暖气不热", intro="您好。", steps=valid_steps)
    before = guidance_rows()

    # when an edit would make it loop
    looping = [dict(step) for step in valid_steps]
    looping[2]["no_next"] = "valves_open"
    with pytest.raises(ValidationFailed):
        guidance_script_upsert(category="not_warm", title="新标题", intro="新开场白", steps=looping)

    # then nothing changed
    assert guidance_rows() == before


def test_an_unknown_category_or_a_blank_title_is_refused(db, valid_steps, guidance_rows):
    with pytest.raises(ValidationFailed, match="unknown ticket category"):
        guidance_script_upsert(category="weather", title="天气", steps=valid_steps)
    with pytest.raises(ValidationFailed, match="needs a title"):
        guidance_script_upsert(category="leak", title="  ", steps=valid_steps)

    assert guidance_rows() == []
    assert not GuidanceScript.objects.exists()
