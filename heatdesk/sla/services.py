"""Writes to the SLA policy (the running clocks are `tickets.clocks`, the alerts `supervision`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from heatdesk.accounts.models import Role, User
from heatdesk.audit.services import audit_record
from heatdesk.core.errors import PermissionDenied, ValidationFailed
from heatdesk.sla.models import SlaRule, Stage, Urgency
from heatdesk.sla.policy import DEFAULT_WARN_AT

logger = logging.getLogger("heatdesk.sla")


# ---- Policy -------------------------------------------------------------------------------------

POLICY_EDITOR_ROLES = frozenset({Role.DESK_LEAD, Role.ADMIN})
MAX_WINDOW_SECONDS = 30 * 24 * 3600  # a window longer than a month is a typo (minutes for seconds?)
WARN_AT_STEP = Decimal("0.001")  # SlaRule.warn_at keeps three decimals


def _policy_error(index: int, field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[{"field": f"{index}.{field}", "message": message}])


def _policy_rule_clean(index: int, rule: Any) -> tuple[str, str, int, Decimal | None]:
    if not isinstance(rule, Mapping):
        raise _policy_error(index, "", "每条规则须为对象 / each rule must be an object")
    urgency, stage = rule.get("urgency"), rule.get("stage")
    if urgency not in Urgency.values:
        raise _policy_error(index, "urgency", f"未知紧急程度 {urgency!r} / urgency must be normal or urgent")
    if stage not in Stage.values:
        raise _policy_error(index, "stage", f"未知环节 {stage!r} / stage must be one of {', '.join(Stage.values)}")
    seconds = rule.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 < seconds <= MAX_WINDOW_SECONDS:
        raise _policy_error(
            index,
            "seconds",
            f"时限须为 1–{MAX_WINDOW_SECONDS} 秒的整数 / seconds must be an integer in 1–{MAX_WINDOW_SECONDS}",
        )
    raw_share = rule.get("warn_at")
    if raw_share is None:
        return urgency, stage, seconds, None
    try:
        share = Decimal(str(raw_share)).quantize(WARN_AT_STEP, rounding=ROUND_HALF_UP)
        valid = not isinstance(raw_share, bool) and Decimal(0) < share < Decimal(1)
    except (InvalidOperation, ValueError):  # not a number, NaN or infinite
        valid = False
    if not valid:
        raise _policy_error(
            index, "warn_at", "预警比例须在 0 与 1 之间（不含） / warn_at must be a share strictly between 0 and 1"
        )
    return urgency, stage, seconds, share


def sla_policy_validate(*, rules: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, int, Decimal | None]]:
    """Check rules as `sla_policy_update` would, changing nothing: known urgency and stage, each named
    once, 0 < seconds ≤ 30 days, 0 < warn_at < 1 (three decimals). Returns (urgency, stage, seconds, warn_at)."""
    if not rules:
        raise ValidationFailed("没有要修改的规则 / no rules given")
    cleaned = [_policy_rule_clean(index, rule) for index, rule in enumerate(rules)]
    named = [(urgency, stage) for urgency, stage, _, _ in cleaned]
    if len(set(named)) != len(named):
        raise ValidationFailed("同一规则出现了两次 / a rule (urgency, stage) is named twice")
    return cleaned


def sla_policy_update(*, actor: User, rules: Sequence[Mapping[str, Any]]) -> list[SlaRule]:
    """Change the rules named (urgency × stage → seconds, warn_at); desk leads and admins only.

    All or nothing: one bad rule refuses the whole request and changes nothing. Only tickets created
    afterwards run under the new windows (tickets keep the snapshot they were created with).
    """
    if not (actor.is_superuser or actor.role in POLICY_EDITOR_ROLES):
        raise PermissionDenied("只有专席负责人可以修改时限规则 / only a desk lead may change the SLA policy")
    cleaned = sla_policy_validate(rules=rules)
    with transaction.atomic():
        existing = {
            (r.urgency, r.stage): r for r in SlaRule.objects.select_for_update().filter(urgency__in=Urgency.values)
        }
        saved = []
        for urgency, stage, seconds, share in cleaned:
            rule = existing.get((urgency, stage)) or SlaRule(urgency=urgency, stage=stage, warn_at=DEFAULT_WARN_AT)
            rule.seconds = seconds
            if share is not None:
                rule.warn_at = share
            rule.updated_by = actor
            rule.save()
            saved.append(rule)
        audit_record(actor=actor, action="sla_policy_change", object_type="sla_policy", detail={"rules": cleaned})
    changes = ",".join(f"{r.urgency}.{r.stage}={r.seconds}s@{r.warn_at}" for r in saved)
    logger.info("sla.policy_updated actor=%s rules=%s", actor.username, changes)
    return saved
