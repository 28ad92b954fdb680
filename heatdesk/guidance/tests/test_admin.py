from heatdesk.guidance.models import GuidanceScript
from heatdesk.guidance.services import guidance_script_upsert

ADD_URL = "/admin/guidance/guidancescript/add/"


def _change_url(script: GuidanceScript) -> str:
    return f"/admin/guidance/guidancescript/{script.pk}/change/"


def test_a_desk_lead_sees_the_guidance_admin_in_chinese(desk_lead_client, demo_scripts):
    listing = desk_lead_client.get("/admin/guidance/guidancescript/")
    page = desk_lead_client.get(_change_url(demo_scripts["not_warm"]))

    assert listing.status_code == 200
    assert "指导话术" in listing.content.decode()
    assert page.status_code == 200
    assert "回答“是”后" in page.content.decode()
    assert "阀门" in page.content.decode()


def test_an_operator_may_not_edit_guidance(operator_client, demo_scripts):
    assert operator_client.get(_change_url(demo_scripts["leak"])).status_code == 403
    assert operator_client.get(ADD_URL).status_code == 403


def test_a_desk_lead_adds_a_script_through_the_admin(desk_lead_client, admin_form, valid_steps):
    response = desk_lead_client.post(ADD_URL, admin_form(title="收费咨询", category="billing", steps=valid_steps))

    assert response.status_code == 302, response.content.decode()[:2000]
    script = GuidanceScript.objects.get(category="billing")
    assert script.version == 1
    assert list(script.steps.values_list("code", flat=True)) == [
        "valves_open",
        "open_valves",
        "pipe_temperature",
    ]


def test_an_invalid_script_is_shown_as_a_form_error_and_nothing_changes(
    desk_lead_client, admin_form, valid_steps, guidance_rows
):
    # given a saved script
    script, _ = guidance_script_upsert(category="not_warm", title="暖气不热", steps=valid_steps)
    ids = list(script.steps.order_by("order").values_list("pk", flat=True))
    before = guidance_rows()

    # when the lead points a step at a step that does not exist
    broken = [dict(step) for step in valid_steps]
    broken[2]["no_next"] = "call_back"
    response = desk_lead_client.post(
        _change_url(script), admin_form(title="改过的标题", category="not_warm", steps=broken, step_ids=ids)
    )

    # then the page comes back with the service's message, and the rows are as they were
    assert response.status_code == 200
    assert "call_back" in response.content.decode()
    assert "不存在" in response.content.decode()
    assert guidance_rows() == before


def test_a_loop_made_in_the_admin_is_refused(desk_lead_client, admin_form, valid_steps, guidance_rows):
    script, _ = guidance_script_upsert(category="not_warm", title="暖气不热", steps=valid_steps)
    ids = list(script.steps.order_by("order").values_list("pk", flat=True))
    before = guidance_rows()
    looping = [dict(step) for step in valid_steps]
    looping[2]["no_next"] = "valves_open"

    response = desk_lead_client.post(
        _change_url(script), admin_form(title="暖气不热", category="not_warm", steps=looping, step_ids=ids)
    )

    assert response.status_code == 200
    assert "循环" in response.content.decode()
    assert guidance_rows() == before


def test_a_second_active_script_for_a_category_is_a_form_error(desk_lead_client, admin_form, valid_steps):
    guidance_script_upsert(category="leak", title="跑水", steps=valid_steps)

    response = desk_lead_client.post(ADD_URL, admin_form(title="又一份", category="leak", steps=valid_steps))

    assert response.status_code == 200
    assert "已有启用的指导话术" in response.content.decode()
    assert GuidanceScript.objects.filter(category="leak").count() == 1


def test_the_admin_can_swap_two_steps_and_delete_one(desk_lead_client, admin_form, valid_steps):
    # given
    script, _ = guidance_script_upsert(category="not_warm", title="暖气不热", steps=valid_steps)
    ids = list(script.steps.order_by("order").values_list("pk", flat=True))

    # when pipe_temperature moves to the front, valves_open second, and open_valves is deleted
    edited = [
        {**valid_steps[0], "order": 2, "yes_next": "dispatch", "no_next": "solved"},
        {**valid_steps[1], "DELETE": True},
        {**valid_steps[2], "order": 1, "yes_next": "valves_open"},
    ]
    response = desk_lead_client.post(
        _change_url(script), admin_form(title="暖气不热", category="not_warm", steps=edited, step_ids=ids)
    )

    # then
    assert response.status_code == 302, response.content.decode()[:3000]
    script.refresh_from_db()
    assert script.version == 2
    assert list(script.steps.order_by("order").values_list("order", "code")) == [
        (1, "pipe_temperature"),
        (2, "valves_open"),
    ]
