"""The OpenAPI document names the properties of every request and response body (no bare objects)."""

from __future__ import annotations

from typing import Any

import pytest

from heatdesk.api.api import api

# The tags typed so far; tickets, supervision and sla join when their routers are typed (issue 10).
TYPED_TAGS = {"auth", "health", "reports"}


def _bare_objects(schema: Any, definitions: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    """Places where a schema is an object (or dict) with no named properties."""
    if not isinstance(schema, dict):
        return []
    ref = schema.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            return []
        return _bare_objects(definitions[name], definitions, name, seen | {name})
    found = []
    if schema.get("type") == "object" and not schema.get("properties"):
        found.append(where)
    for key in ("items", "additionalProperties"):
        found += _bare_objects(schema.get(key), definitions, f"{where}.{key}", seen)
    for key in ("anyOf", "oneOf", "allOf"):
        for index, option in enumerate(schema.get(key, [])):
            found += _bare_objects(option, definitions, f"{where}.{key}[{index}]", seen)
    for name, prop in schema.get("properties", {}).items():
        found += _bare_objects(prop, definitions, f"{where}.{name}", seen)
    return found


def _operations():
    document = api.get_openapi_schema(path_prefix="/api/v1/")
    definitions = document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if TYPED_TAGS & set(operation.get("tags", [])):
                yield f"{method.upper()} {path}", operation, definitions


@pytest.mark.parametrize(("name", "operation", "definitions"), list(_operations()), ids=lambda value: value)
def test_every_body_of_a_typed_endpoint_has_named_properties(name, operation, definitions):
    bodies = [("request", operation.get("requestBody", {}))]
    bodies += [(f"response {status}", response) for status, response in operation["responses"].items()]
    bare = []
    for label, body in bodies:
        for content in body.get("content", {}).values():
            bare += _bare_objects(content.get("schema"), definitions, f"{name} {label}", set())
    assert bare == []


def test_the_typed_tags_are_all_there():
    tags = {tag for _, operation, _ in _operations() for tag in operation.get("tags", [])}
    assert tags >= TYPED_TAGS
