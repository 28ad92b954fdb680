from heatdesk.guidance.models import GuidanceOutcome, GuidanceScript
from heatdesk.guidance.selectors import guidance_script_as_dict, guidance_script_for
from heatdesk.guidance.services import (
    guidance_demo_scripts,
    guidance_demo_seed,
    guidance_script_upsert,
    guidance_steps_validate,
)


def _ends(script_dict: dict) -> dict[tuple[tuple[str, bool], ...], str]:
    """Every walk through a script: the answers given → the outcome it ends in."""
    steps = {step["code"]: step for step in script_dict["steps"]}
    walks: dict[tuple[tuple[str, bool], ...], str] = {}

    def follow(code: str, answers: tuple[tuple[str, bool], ...]) -> None:
        if code not in steps:
            walks[answers] = code
            return
        follow(steps[code]["yes_next"], (*answers, (code, True)))
        follow(steps[code]["no_next"], (*answers, (code, False)))

    follow(script_dict["start"], ())
    return walks


def test_the_demo_seed_loads_the_four_scripts(db):
    created = guidance_demo_seed()

    assert created == 4
    assert set(GuidanceScript.objects.filter(is_active=True).values_list("category", flat=True)) == {
        "not_warm",
        "leak",
        "no_heat",
        "below_standard",
    }
    assert guidance_script_for(category="not_warm").title.startswith("暖气不热")
    assert guidance_script_for(category="billing") is None


def test_every_demo_script_in_the_data_file_is_valid():
    for script in guidance_demo_scripts():
        guidance_steps_validate(steps=script["steps"])


def test_seeding_twice_changes_nothing(db, guidance_rows):
    guidance_demo_seed()
    before = guidance_rows()

    assert guidance_demo_seed() == 0
    assert guidance_demo_seed(overwrite=True) == 0
    assert guidance_rows() == before


def test_a_re_seed_keeps_a_desk_leads_edits_unless_told_to_overwrite(demo_scripts):
    # given a desk lead shortened the 停热 script
    edited_steps = [{"code": "ask", "question": "整栋楼都不热吗？", "yes_next": "dispatch", "no_next": "dispatch"}]
    guidance_script_upsert(category="no_heat", title="停热（精简）", steps=edited_steps)

    # when the demo is seeded again, it is left alone
    assert guidance_demo_seed() == 0
    assert guidance_script_for(category="no_heat").title == "停热（精简）"

    # and an explicit overwrite brings the shipped script back
    assert guidance_demo_seed(overwrite=True) == 1
    assert guidance_script_for(category="no_heat").title.startswith("停热 ·")
    assert guidance_script_for(category="no_heat").version == 3


def test_the_leak_script_always_ends_in_an_urgent_dispatch(demo_scripts):
    walks = _ends(guidance_script_as_dict(guidance_script_for(category="leak")))

    assert len(walks) == 8  # three questions, both answers each
    assert set(walks.values()) == {GuidanceOutcome.URGENT_DISPATCH}


def test_the_leak_script_closes_valves_and_protects_property_before_anything_else(demo_scripts):
    steps = guidance_script_as_dict(guidance_script_for(category="leak"))["steps"]

    assert [step["code"] for step in steps] == ["close_valves", "protect_property", "leak_controlled"]
    assert "阀门" in steps[0]["question"]
    assert "电器" in steps[1]["question"]


def test_the_not_warm_script_walks_valves_pipes_bleeding_filter_and_room_temperature(demo_scripts):
    script = guidance_script_as_dict(guidance_script_for(category="not_warm"))
    walks = _ends(script)

    assert [step["code"] for step in script["steps"]] == [
        "valves_open",
        "open_valves",
        "pipe_temperature",
        "air_bled",
        "bleed_radiator",
        "filter_clogged",
        "indoor_temperature",
    ]
    assert "放气阀" in next(step for step in script["steps"] if step["code"] == "bleed_radiator")["question"]
    # a room below 18 °C is always dispatched; opening the valves can solve it on the phone
    assert all(
        outcome == "dispatch" for answers, outcome in walks.items() if answers[-1] == ("indoor_temperature", True)
    )
    assert walks[(("valves_open", False), ("open_valves", True))] == "solved"
    assert set(walks.values()) == {"solved", "dispatch"}


def test_no_heat_and_below_standard_scripts_end_on_the_phone_or_with_a_dispatch(demo_scripts):
    no_heat = _ends(guidance_script_as_dict(guidance_script_for(category="no_heat")))
    below = guidance_script_as_dict(guidance_script_for(category="below_standard"))

    assert no_heat[(("fee_paid", False),)] == "solved"
    assert no_heat[(("fee_paid", True), ("service_suspended", False), ("whole_building", True))] == "dispatch"
    assert "1.5米" in below["steps"][0]["question"]
    assert "0.5米" in below["steps"][0]["question"]
    assert "30分钟" in below["steps"][1]["question"]
    assert _ends(below)[(("measure_method", True), ("windows_closed", True))] == "dispatch"
