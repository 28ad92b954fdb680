import json
import re
from pathlib import Path

import heatdesk
from heatdesk.core.errors import DomainError, ErrorCode, NotFound, ValidationFailed

SOURCE = Path(heatdesk.__file__).parent


def _raised_literal_codes() -> set[str]:
    codes = set()
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        # Raise sites: `SomeError(..., code="x")`; Open311 attribute definitions (`Attribute(code=`) are no errors.
        # Rows named by code (`StationRow(code="desk"`) are no errors either.
        text = re.sub(r"(Attribute|Row)\(\s*code=", r"\1(", path.read_text(encoding="utf-8"))
        codes |= set(re.findall(r'\bcode="([a-z_]+)"', text))
    return codes


def test_every_code_a_raise_site_spells_out_is_in_the_enum():
    assert _raised_literal_codes() <= set(ErrorCode)


def test_the_enum_values_are_the_contract_strings():
    assert ErrorCode.INVALID_TRANSITION == "invalid_transition"
    assert ErrorCode("unknown_station") is ErrorCode.UNKNOWN_STATION
    assert all(member.value == member.value.lower() for member in ErrorCode)


def test_a_domain_error_serialises_its_code_as_the_plain_string():
    error = NotFound("未找到 / not found", code=ErrorCode.UNKNOWN_COMPANY)

    body = json.loads(json.dumps(error.as_json()))

    assert body == {"error": {"code": "unknown_company", "message": "未找到 / not found"}}
    assert ValidationFailed("x").code == "validation_failed"
    assert DomainError("x").code == "bad_request"
