from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from heatdesk.open311.services import open311_client_create

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "data" / "georeport_v2.xsd")))
LANJUE = "lanjuexiaoqu"  # 蓝爵小区, served by cf-qiaokao
# Contact details a citizen's app sends; none of them may ever appear in a GET response.
CONTACT = {"first_name": "小明", "last_name": "欧阳", "phone": "13912345678", "email": "xiaoming@example.cn"}
PII = ("欧阳", "小明", "13912345678", "12345678", "xiaoming@example.cn", "example.cn")


def assert_valid_xml(body: bytes, root: str | None = None) -> etree._Element:
    """The body is UTF-8 XML with the declaration, valid against the GeoReport v2 schema."""
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), body[:60]
    document = etree.fromstring(body)
    if not SCHEMA.validate(document):
        raise AssertionError(f"{SCHEMA.error_log}\n{body.decode()[:2000]}")
    if root:
        assert document.tag == root
    return document


def assert_no_pii(text: str) -> None:
    for value in PII:
        assert value not in text, f"{value!r} leaked in {text[:500]}"


@pytest.fixture
def api_key(db) -> str:
    _client, key = open311_client_create(name="市民App")
    return key
