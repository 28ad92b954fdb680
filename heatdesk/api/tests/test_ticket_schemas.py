"""The tickets API is typed at its edges: every request and response schema has properties, wrong types are
422 (never 500), and `allowed_actions` lists exactly what the action endpoints accept."""

import datetime as dt

import pytest

from heatdesk.core import clock
from heatdesk.tickets.states import TRANSITIONS

LANJUE = {"caller_phone": "13800001111", "compound": "lanjuexiaoqu", "building": "3", "category": "not_warm"}


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _object_schemas(spec: dict, schema: dict) -> list[dict]:
    """The object schemas a body or response may be: itself, its list items, or each branch of anyOf."""
    schema = _resolve(spec, schema)
    if schema.get("type") == "array":
        return _object_schemas(spec, schema["items"])
    if "anyOf" in schema:
        return [s for branch in schema["anyOf"] if branch.get("type") != "null" for s in _object_schemas(spec, branch)]
    return [schema]


@pytest.mark.django_db
def test_every_tickets_request_and_response_schema_has_properties(anonymous_api):
    spec = anonymous_api.get("openapi.json").json()
    operations = [
        (path, method, operation)
        for path, item in spec["paths"].items()
        if path.startswith("/api/v1/tickets")
        for method, operation in item.items()
    ]
    actions = {path.rsplit("/", 1)[1] for path, method, _ in operations if method == "post"}
    assert set(TRANSITIONS) <= actions
    for path, method, operation in operations:
        body = operation.get("requestBody", {}).get("content", {})
        for content in body.values():
            for schema in _object_schemas(spec, content["schema"]):
                assert schema.get("properties"), (method, path, "request", schema)
        for status, response in operation["responses"].items():
            if not status.startswith("2"):
                continue
            for schema in _object_schemas(spec, response["content"]["application/json"]["schema"]):
                assert schema.get("properties"), (method, path, status, schema)
    guide = _resolve(
        spec,
        spec["paths"]["/api/v1/tickets/{number}/guide"]["post"]["requestBody"]["content"]["application/json"]["schema"],
    )
    assert {"solved", "steps", "note"} <= set(_object_schemas(spec, guide)[0]["properties"])


def test_wrong_types_in_action_bodies_are_422_with_the_field(api_as):
    desk = api_as("80725")
    number = desk.post("tickets", LANJUE).json()["number"]

    for action, body, field in [
        ("guide", {"solved": "yes"}, "solved"),
        ("extend", {"until": "tomorrow", "reason": "x"}, "until"),
        ("arrive", {"indoor_temp": "hot"}, "indoor_temp"),
        ("note", [1, 2], "note"),
        ("transfer", {"reason": "换班"}, "to"),
    ]:
        response = desk.post(f"tickets/{number}/{action}", body)
        assert response.status_code == 422, (action, response.content)
        error = response.json()["error"]
        assert error["code"] == "validation_failed"
        assert field in {detail["field"] for detail in error["details"]}, (action, error)
    assert desk.get(f"tickets/{number}/events").json()[-1]["kind"] == "create"  # nothing happened


def test_bodies_may_be_empty_and_the_old_spellings_still_work(api_as):
    desk, station = api_as("80725"), api_as("station-cf-qiaokao")
    number = desk.post("tickets", LANJUE).json()["number"]

    no_body = desk.client.post(
        f"/api/v1/tickets/{number}/dispatch", data="", content_type="application/json", headers=desk.headers
    )
    assert no_body.status_code == 200, no_body.content
    assert station.post(f"tickets/{number}/accept").json()["status"] == "accepted"
    until = (clock.now() + dt.timedelta(days=3)).isoformat()  # within 30 days of the deadline
    station.post(f"tickets/{number}/extend", {"until": until, "reason": "等配件"})
    lead = api_as("lead")
    assert lead.post(f"tickets/{number}/approve_extension").json()["extension_count"] == 1
    unknown = desk.post(f"tickets/{number}/fly")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "unknown_action")


def test_allowed_actions_are_what_the_door_accepts_for_this_user(api_as):
    owner, other, lead = api_as("80725"), api_as("80720"), api_as("lead")
    station = api_as("station-cf-qiaokao")
    number = owner.post("tickets", {**LANJUE, "dispatch": True}).json()["number"]
    station.post(f"tickets/{number}/accept")
    station.post(f"tickets/{number}/arrive", {"indoor_temp": 16})  # evidence before 处置完成
    assert station.post(f"tickets/{number}/resolve", {"cause": "valve", "indoor_temp": 19}).status_code == 200

    assert "callback" in owner.get(f"tickets/{number}").json()["allowed_actions"]
    assert "callback" not in other.get(f"tickets/{number}").json()["allowed_actions"]
    assert "close-unreached" not in lead.get(f"tickets/{number}").json()["allowed_actions"]
    assert other.post(f"tickets/{number}/callback", {"reached": False}).status_code == 403
