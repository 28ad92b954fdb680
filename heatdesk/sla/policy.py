"""SLA windows and deadline maths. Pure functions of their inputs; `now` is always passed in.

A ticket takes a snapshot of the policy when it is created, so a later policy change applies only to
tickets created afterwards (DESIGN §4).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from heatdesk.sla.models import SlaRule, Stage, Urgency

MINUTE = 60
HOUR = 3600

# Hohhot desk defaults (DESIGN §4): seconds per (urgency, stage).
DEFAULT_WINDOWS: dict[tuple[str, str], int] = {
    (Urgency.NORMAL, Stage.DISPATCH): 10 * MINUTE,
    (Urgency.URGENT, Stage.DISPATCH): 10 * MINUTE,
    (Urgency.NORMAL, Stage.RESPONSE): HOUR,
    (Urgency.URGENT, Stage.RESPONSE): 30 * MINUTE,
    (Urgency.NORMAL, Stage.RESOLUTION): 24 * HOUR,
    (Urgency.URGENT, Stage.RESOLUTION): 2 * HOUR,
    (Urgency.NORMAL, Stage.CALLBACK): 24 * HOUR,
    (Urgency.URGENT, Stage.CALLBACK): 24 * HOUR,
}
DEFAULT_WARN_AT = Decimal("0.8")


def policy_snapshot(*, urgency: str) -> dict[str, dict[str, float]]:
    """The windows a new ticket of this urgency runs under: {stage: {"seconds", "warn_at"}}."""
    rules = {rule.stage: rule for rule in SlaRule.objects.filter(urgency=urgency)}
    snapshot = {}
    for stage in Stage.values:
        rule = rules.get(stage)
        if rule is not None:
            snapshot[stage] = {"seconds": rule.seconds, "warn_at": float(rule.warn_at)}
        else:
            snapshot[stage] = {"seconds": DEFAULT_WINDOWS[(urgency, stage)], "warn_at": float(DEFAULT_WARN_AT)}
    return snapshot


def deadline(*, start: dt.datetime, snapshot: dict, stage: str) -> dt.datetime:
    """When a stage that started at `start` is due."""
    return start + dt.timedelta(seconds=snapshot[stage]["seconds"])


def warning_time(*, start: dt.datetime, due: dt.datetime, snapshot: dict, stage: str) -> dt.datetime:
    """When the warning (预警) fires: at warn_at of the window from start to the (possibly extended) due."""
    return start + (due - start) * snapshot[stage]["warn_at"]
