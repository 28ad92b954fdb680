"""SLA windows and the clock maths. Pure functions of their inputs; `now` is always passed in.

A ticket takes a snapshot of the policy when it is created, so a later policy change applies only to
tickets created afterwards (DESIGN §4). The ladder of a running stage: warning (预警) at the warning
time, overdue (超时) at the deadline, escalated (升级) `escalate_after()` later; each level once per
cycle of the stage's clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings

from heatdesk.core.prepared import PreparedQuery
from heatdesk.sla.models import AlertLevel, SlaRule, Stage, Urgency

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
LADDER: tuple[AlertLevel, ...] = (AlertLevel.WARNING, AlertLevel.OVERDUE, AlertLevel.ESCALATED)


_RULES = PreparedQuery(SlaRule, lambda urgency: SlaRule.objects.filter(urgency=urgency))  # every create reads it


def policy_snapshot(*, urgency: str) -> dict[str, dict[str, float]]:
    """The windows a new ticket of this urgency runs under: {stage: {"seconds", "warn_at"}}."""
    rules = {rule.stage: rule for rule in _RULES.all(urgency)}
    snapshot = {}
    for stage in Stage.values:
        rule = rules.get(stage)
        if rule is not None:
            snapshot[stage] = {"seconds": rule.seconds, "warn_at": float(rule.warn_at)}
        else:
            snapshot[stage] = {"seconds": DEFAULT_WINDOWS[(urgency, stage)], "warn_at": float(DEFAULT_WARN_AT)}
    return snapshot


def deadline(*, start: dt.datetime, snapshot: dict[str, Any], stage: str) -> dt.datetime:
    """When a stage that started at `start` is due."""
    return start + dt.timedelta(seconds=snapshot[stage]["seconds"])


def warn_time(*, start: dt.datetime, due: dt.datetime, share: float | Decimal) -> dt.datetime:
    """The warning time (预警): `share` of the way from the stage's start to its (possibly extended) due."""
    return start + (due - start) * float(share)


def warn_share(snapshot: Mapping[str, Any] | None, stage: str) -> float:
    """The warning share a ticket's policy snapshot gives a stage (the default when it has none)."""
    try:
        return float(snapshot[stage]["warn_at"])  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        return float(DEFAULT_WARN_AT)


def warning_time(*, start: dt.datetime, due: dt.datetime, snapshot: dict[str, Any], stage: str) -> dt.datetime:
    """When the warning fires for a stage of a ticket with this policy snapshot."""
    return warn_time(start=start, due=due, share=warn_share(snapshot, stage))


def escalate_after() -> dt.timedelta:
    """How long a stage may stay overdue before it escalates up the ladder (HEATDESK_SLA_ESCALATE_AFTER_SECONDS)."""
    return dt.timedelta(seconds=float(settings.HEATDESK_SLA_ESCALATE_AFTER_SECONDS))


def level_threshold(level: str, *, warn_at: dt.datetime, due_at: dt.datetime) -> dt.datetime | None:
    """When `level` is due to be raised on a clock with these times (None for no level: the ladder is done)."""
    if level == AlertLevel.WARNING:
        return warn_at
    if level == AlertLevel.OVERDUE:
        return due_at
    if level == AlertLevel.ESCALATED:
        return due_at + escalate_after()
    return None


def level_after(level: str) -> str:
    """The next rung of the ladder after `level` ("" after the last)."""
    index = LADDER.index(AlertLevel(level))
    return str(LADDER[index + 1]) if index + 1 < len(LADDER) else ""


def ladder_due(
    *, next_level: str, warn_at: dt.datetime, due_at: dt.datetime, at: dt.datetime
) -> tuple[list[tuple[str, dt.datetime]], str]:
    """The levels from `next_level` on whose thresholds have passed at `at`, in order, and the level next after them.

    A monitor that was down raises them all at once; each is raised once because the clock remembers
    its next level."""
    passed: list[tuple[str, dt.datetime]] = []
    level = next_level
    while level:
        threshold = level_threshold(level, warn_at=warn_at, due_at=due_at)
        if threshold is None or threshold > at:
            break
        passed.append((level, threshold))
        level = level_after(level)
    return passed, level
