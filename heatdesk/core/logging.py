"""Log plumbing: every record carries the request id, and no log line carries a phone number from a URL.

The request id is set by `core.middleware.RequestIdMiddleware` for the request's duration; records made
outside a request carry "-". Query strings (the desk's phone lookup types a number keystroke by
keystroke) are masked in gunicorn's access log and in Django's request and server logs.
"""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar
from typing import Any

from gunicorn.glogging import Logger as GunicornLogger  # type: ignore[import-untyped]

REQUEST_ID: ContextVar[str] = ContextVar("heatdesk_request_id", default="-")

# Seven or more digits, single separators allowed between them (138 1234 5678, 138-1234-5678, %20).
_PHONE_LIKE = re.compile(r"\d(?:(?:[-. +]|%20|%2[dD]|%2[bB])?\d){6,}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A query string inside a longer text: from "?" to the next space or quote.
_QUERY_IN_TEXT = re.compile(r"\?[^\s\"']*")


def _mask_match(match: re.Match[str]) -> str:
    text: str = match.group(0)
    if _ISO_DATE.fullmatch(text):  # from=2025-10-15 is a date, not a phone
        return text
    return "*" * max(0, len(text) - 4) + text[-4:] if len(text) > 10 else "*" * len(text)


def mask_query(query: str) -> str:
    """A query string with every phone-like digit run (7+ digits) masked; dates are kept."""
    return _PHONE_LIKE.sub(_mask_match, query) if query else query


def mask_urls(text: str) -> str:
    """`text` with the phone-like runs masked inside each query string it contains."""
    if not text or "?" not in text:
        return text
    return _QUERY_IN_TEXT.sub(lambda match: mask_query(match.group(0)), text)


def install_request_id_records() -> None:
    """Give every log record a `request_id` attribute (the current request's, or "-")."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = REQUEST_ID.get()
        return record

    factory.adds_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class RequestIdFilter(logging.Filter):
    """A handler filter: records made before `install_request_id_records` still get a request_id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


class MaskQueryStrings(logging.Filter):
    """A handler filter for Django's request and server logs: URLs lose the phones in their query."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_urls(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


class MaskingGunicornLogger(GunicornLogger):  # type: ignore[misc]
    """gunicorn's logger with the query string masked in the request line, the query and the referer."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if not isinstance(value, str):
                continue
            if key in ("q", "{query_string}e"):
                atoms[key] = mask_query(value)
            elif "?" in value:
                atoms[key] = mask_urls(value)
        return atoms
