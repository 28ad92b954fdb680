"""SLA policy (DESIGN §4, §8): everyone signed in reads it; desk leads change it, all or nothing."""

from __future__ import annotations

from typing import Literal

from ninja import Body, Router, Schema
from pydantic import Field

from heatdesk.sla import selectors, services

router = Router(tags=["sla"])


UrgencyCode = Literal["normal", "urgent"]
StageCode = Literal["dispatch", "response", "resolution", "callback"]


class SlaRuleOut(Schema):
    """One rule of the policy (DESIGN §4)."""

    urgency: UrgencyCode = Field(description="一般 normal | 紧急 urgent")
    stage: StageCode = Field(description="派单 dispatch | 响应 response | 处置 resolution | 回访 callback")
    seconds: int = Field(description="窗口秒数 / window length in seconds")
    warn_at: float = Field(description="预警比例 / share of the window at which the warning fires, in (0, 1)")


class SlaRuleIn(Schema):
    """One rule to change; values are checked by `sla_policy_update` (after the role), so any bad one is 422."""

    urgency: str = Field(description="normal | urgent")
    stage: str = Field(description="dispatch | response | resolution | callback")
    seconds: int = Field(description="窗口秒数 / window length in seconds (> 0)")
    warn_at: float | None = Field(None, description="预警比例 / share of the window at which to warn, in (0, 1)")


def _policy() -> list[dict]:
    return [
        {"urgency": r.urgency, "stage": r.stage, "seconds": r.seconds, "warn_at": r.warn_at}
        for r in selectors.sla_policy_list()
    ]


@router.get("/policy", response=list[SlaRuleOut])
def sla_policy_get(request):
    """All eight rules: `{urgency, stage, seconds, warn_at}` for each urgency and stage."""
    return _policy()


@router.put("/policy", response=list[SlaRuleOut])
def sla_policy_put(request, rules: Body[list[SlaRuleIn]]):
    """Change the rules named (others stay); desk lead or admin only. One bad rule → 422 and nothing changes.

    New windows apply to tickets created afterwards; open tickets keep the windows they started with.
    """
    services.sla_policy_update(actor=request.auth, rules=[rule.dict() for rule in rules])
    return _policy()
