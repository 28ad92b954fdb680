import datetime as dt
import json

from heatdesk.guidance.models import GuidanceScript
from heatdesk.guidance.selectors import (
    guidance_outcome_labels,
    guidance_script_as_dict,
    guidance_script_for,
    guidance_walk,
)
from heatdesk.guidance.services import guidance_script_save, guidance_script_upsert


def test_the_script_for_a_category_comes_with_its_steps_in_order(db, valid_steps, django_assert_num_queries):
    # given steps handed over back to front, with explicit orders
    guidance_script_upsert(
        category="not_warm",
        title="暖气不热",
        steps=[{**step, "order": 10 * (index + 1)} for index, step in enumerate(valid_steps)][::-1],
    )

    with django_assert_num_queries(2):
        script = guidance_script_for(category="not_warm")
        codes = [step.code for step in script.steps.all()]

    assert codes == ["valves_open", "open_valves", "pipe_temperature"]


def test_an_inactive_script_is_not_offered(db, valid_steps):
    script, _ = guidance_script_upsert(category="leak", title="跑水", steps=valid_steps)
    script.is_active = False
    guidance_script_save(script=script, steps=valid_steps)

    assert guidance_script_for(category="leak") is None


def test_a_script_as_dict_is_plain_json_with_the_walk_fields(db, valid_steps):
    guidance_script_upsert(category="not_warm", title="暖气不热", intro="您好。", steps=valid_steps)

    data = json.loads(json.dumps(guidance_script_as_dict(guidance_script_for(category="not_warm"))))

    assert data["category"] == "not_warm"
    assert data["category_label"] == "暖气不热"
    assert data["title"] == "暖气不热"
    assert data["intro"] == "您好。"
    assert data["version"] == 1
    assert data["start"] == "valves_open"
    assert data["steps"][0] == {
        "order": 1,
        "code": "valves_open",
        "question": "请您看一下进水阀和回水阀是不是都全部打开了？",
        "hint": "手柄与管道平行为打开。",
        "yes_next": "pipe_temperature",
        "no_next": "open_valves",
        "advice": "两个阀门都要全开。",
    }
    assert (
        data["outcomes"]
        == guidance_outcome_labels()
        == {
            "solved": "已解决",
            "dispatch": "派单上门",
            "urgent_dispatch": "紧急派单",
        }
    )


def test_a_walk_follows_the_answers_to_its_outcome(db, valid_steps):
    script, _ = guidance_script_upsert(category="not_warm", title="暖气不热", steps=valid_steps)

    walk = guidance_walk(script=script, answers={"valves_open": False, "open_valves": True, "pipe_temperature": True})

    assert walk.outcome == "solved"
    assert [(step["code"], step["answer"]) for step in walk.answered] == [
        ("valves_open", False),
        ("open_valves", True),
    ]
    assert walk.answered[0]["advice"] == "两个阀门都要全开。"


def test_an_unfinished_walk_names_the_step_still_to_ask(db, valid_steps):
    script, _ = guidance_script_upsert(category="not_warm", title="暖气不热", steps=valid_steps)

    walk = guidance_walk(script=script, answers={"valves_open": True})

    assert walk.outcome is None
    assert walk.next_step == "pipe_temperature"


def test_a_walk_over_a_looping_row_set_stops_without_an_outcome(db):
    # rows written around the services: the walk must not spin
    script = GuidanceScript.objects.create(
        category="other", title="坏数据", updated_at=dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
    )
    script.steps.create(order=1, code="a", question="？", yes_next="b", no_next="b")
    script.steps.create(order=2, code="b", question="？", yes_next="a", no_next="a")

    walk = guidance_walk(script=script, answers={"a": True, "b": True})

    assert walk.outcome is None
    assert len(walk.answered) == 2
