"""Structured log lines of supervision: `event key=value …`, never a phone number or an address."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

logger = logging.getLogger("heatdesk.supervision")

_NEEDS_QUOTES = re.compile(r'[\s"=]')


def log_event(severity: int, event: str, /, **fields: Any) -> None:
    """One structured log line, `event key=value …`. Callers never pass phone numbers or addresses."""
    parts = [event]
    for key, value in fields.items():
        text = str(value)
        if not text or _NEEDS_QUOTES.search(text):
            text = json.dumps(text, ensure_ascii=False)
        parts.append(f"{key}={text}")
    logger.log(severity, " ".join(parts))
