"""Reads of the SLA policy."""

from __future__ import annotations

from dataclasses import dataclass

from heatdesk.sla.models import SlaRule, Stage, Urgency
from heatdesk.sla.policy import DEFAULT_WARN_AT, DEFAULT_WINDOWS


@dataclass(frozen=True)
class PolicyRule:
    urgency: str
    stage: str
    seconds: int
    warn_at: float


def sla_policy_list() -> list[PolicyRule]:
    """All eight rules (urgency × stage); a rule missing from the table shows the Hohhot default it falls back to."""
    stored = {(rule.urgency, rule.stage): rule for rule in SlaRule.objects.all()}
    rules = []
    for urgency in Urgency.values:
        for stage in Stage.values:
            rule = stored.get((urgency, stage))
            if rule is not None:
                rules.append(PolicyRule(urgency, stage, rule.seconds, float(rule.warn_at)))
            else:
                rules.append(PolicyRule(urgency, stage, DEFAULT_WINDOWS[(urgency, stage)], float(DEFAULT_WARN_AT)))
    return rules
