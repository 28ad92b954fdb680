"""Structured log lines, written one way everywhere (STYLE 12)."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

_NEEDS_QUOTES = re.compile(r'[\s"=]')


def log_event(logger: logging.Logger, severity: int, event: str, /, **fields: Any) -> None:
    """One line `event key=value …`; empty values and values with spaces, quotes or `=` are JSON-quoted.

    Callers never pass phone numbers or addresses.
    """
    if not logger.isEnabledFor(severity):
        return
    parts = [event]
    for key, value in fields.items():
        text = str(value)
        if not text or _NEEDS_QUOTES.search(text):
            text = json.dumps(text, ensure_ascii=False)
        parts.append(f"{key}={text}")
    logger.log(severity, " ".join(parts))
