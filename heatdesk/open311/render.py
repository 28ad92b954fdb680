"""GeoReport v2 bodies in XML and in JSON (the Spark convention: the XML's lists become JSON arrays).

XML has no namespace and no foreign tags, a UTF-8 declaration, and an empty element for a missing
value; JSON has `null` there. Booleans are `true`/`false` in both.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

from django.http import HttpResponse

FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
FORMATS_ADVERTISED = ("text/xml", "application/json")

# The element name of one item of each list (GeoReport v2 and Service Discovery).
ITEM_TAG = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ElementTree.SubElement(element, name), child)
    elif isinstance(value, list | tuple):
        for item in value:
            _fill(ElementTree.SubElement(element, ITEM_TAG[element.tag]), item)
    else:
        element.text = _text(value)


def to_xml(root: str, body: Any) -> bytes:
    """`<root>` holding `body`: a list becomes repeated item elements, a dict child elements."""
    element = ElementTree.Element(root)
    _fill(element, body)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(element, encoding="unicode").encode()


def respond(fmt: str, root: str, body: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    """One response in the asked format; `root` names the XML root element (JSON has none)."""
    if fmt == "xml":
        content = to_xml(root, body)
    else:
        content = json.dumps(body, ensure_ascii=False).encode()
    response = HttpResponse(content, status=status, content_type=FORMATS[fmt])
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def errors(fmt: str, status: int, descriptions: list[str], headers: dict[str, str] | None = None) -> HttpResponse:
    """The spec's error list: `[{code, description}]`, the code being the HTTP status."""
    body = [{"code": status, "description": description} for description in descriptions]
    return respond(fmt, "errors", body, status=status, headers=headers)
