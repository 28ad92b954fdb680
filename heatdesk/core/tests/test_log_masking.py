"""No phone from a query string reaches a log (issue 11, defect 14): gunicorn's access log and Django's
request and server logs mask phone-like digit runs in URLs."""

import datetime as dt
import logging
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from heatdesk.core.logging import MaskingGunicornLogger, MaskQueryStrings, mask_query, mask_urls
from heatdesk.web.management.commands.serve import ACCESS_LOG_FORMAT


@pytest.mark.parametrize(
    ("query", "kept", "gone"),
    [
        ("phone=13812345678", "5678", "1381234"),
        ("q=138%201234%205678", "5678", "138%201234"),
        ("q=138-1234-5678&status=open", "status=open", "138-1234"),
        ("phone=+8613812345678", "5678", "86138123"),
        ("from=2025-10-15&to=2025-10-31", "from=2025-10-15&to=2025-10-31", None),
        ("page=2&phone=5678", "phone=5678", None),
        ("phone=138123", "phone=138123", None),  # six digits are not a phone
    ],
)
def test_mask_query_hides_phone_like_runs(query, kept, gone):
    masked = mask_query(query)
    assert kept in masked
    if gone:
        assert gone not in masked


def test_mask_urls_touches_only_query_strings():
    line = 'GET /tickets/20251015123/ then "GET /desk/lookup/?phone=13812345678 HTTP/1.1" 200'
    masked = mask_urls(line)
    assert "/tickets/20251015123/" in masked
    assert "13812345678" not in masked


def _access_line(raw_uri: str, referer: str = "-") -> str:
    logger = MaskingGunicornLogger(Config())
    path, _, query = raw_uri.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": raw_uri,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": referer,
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[("X-Request-ID", "abc123")])
    request = SimpleNamespace(headers=[("REFERER", referer)])
    atoms = logger.atoms(response, request, environ, dt.timedelta(milliseconds=5))
    return ACCESS_LOG_FORMAT % logger.atoms_wrapper_class(atoms)


def test_the_gunicorn_access_log_never_carries_a_full_phone():
    line = _access_line("/desk/lookup/?phone=13812345678", referer="http://x/desk/?phone=13812345678")
    assert "13812345678" not in line
    assert "/desk/lookup/?phone=" in line
    assert "id=abc123" in line


def test_django_request_and_server_logs_mask_query_strings():
    arguments = ("GET /desk/?phone=13812345678 HTTP/1.1", 200, 5)
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, '"%s" %s %s', arguments, None)
    assert MaskQueryStrings().filter(record)
    assert "13812345678" not in record.getMessage()
    assert "/desk/?phone=" in record.getMessage()
