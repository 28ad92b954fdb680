"""Structured log lines of supervision: `event key=value …`, never a phone number or an address."""

from __future__ import annotations

import logging
from typing import Any

from heatdesk.core import logs

logger = logging.getLogger("heatdesk.supervision")


def log_event(severity: int, event: str, /, **fields: Any) -> None:
    """One structured log line on the supervision logger (`core.logs.log_event`)."""
    logs.log_event(logger, severity, event, **fields)
