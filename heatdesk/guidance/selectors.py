"""Reads for phone guidance: the script an operator follows for a category, as objects or plain data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from heatdesk.core.vocabulary import Category
from heatdesk.guidance.models import GuidanceOutcome, GuidanceScript, GuidanceStep


def _with_ordered_steps(scripts: QuerySet[GuidanceScript]) -> QuerySet[GuidanceScript]:
    return scripts.prefetch_related(Prefetch("steps", queryset=GuidanceStep.objects.order_by("order")))


def guidance_script_for(*, category: str) -> GuidanceScript | None:
    """The active script of a ticket category, its steps prefetched in order; None when there is none."""
    return _with_ordered_steps(GuidanceScript.objects.filter(category=category, is_active=True)).first()


def guidance_outcome_labels() -> dict[str, str]:
    """Outcome code → Chinese label: solved 已解决, dispatch 派单上门, urgent_dispatch 紧急派单."""
    return {str(outcome.value): str(outcome.label) for outcome in GuidanceOutcome}


def guidance_script_as_dict(script: GuidanceScript) -> dict[str, Any]:
    """A script as JSON-ready data for the API and templates; `start` is the first step's code."""
    steps = list(script.steps.all())
    return {
        "category": script.category,
        "category_label": str(Category(script.category).label),
        "title": script.title,
        "intro": script.intro,
        "version": script.version,
        "is_active": script.is_active,
        "updated_at": script.updated_at.isoformat(),
        "start": steps[0].code if steps else None,
        "steps": [
            {
                "order": step.order,
                "code": step.code,
                "question": step.question,
                "hint": step.hint,
                "yes_next": step.yes_next,
                "no_next": step.no_next,
                "advice": step.advice,
            }
            for step in steps
        ],
        "outcomes": guidance_outcome_labels(),
    }


@dataclass(frozen=True)
class GuidanceWalk:
    """The steps a caller was taken through, each with its answer, and where the walk ended.

    `outcome` is None while the walk is unfinished (a step on the way has no answer yet).
    """

    answered: list[dict[str, Any]] = field(default_factory=list)
    outcome: str | None = None
    next_step: str | None = None


def guidance_walk(*, script: GuidanceScript, answers: Mapping[str, bool]) -> GuidanceWalk:
    """Follow `answers` (step code → yes/no) from the first step; answers off the path are ignored.

    What a dispatched ticket carries as "what was tried" (DESIGN §2). The script is assumed valid
    (saved through the services); a loop in bad data ends the walk without an outcome.
    """
    steps = {step.code: step for step in script.steps.all()}
    ordered = sorted(steps.values(), key=lambda step: step.order)
    answered: list[dict[str, Any]] = []
    code = ordered[0].code if ordered else None
    visited: set[str] = set()
    while code is not None and code in steps and code not in visited:  # `visited`: never spin on bad data
        visited.add(code)
        step = steps[code]
        answer = answers.get(code)
        if answer is None:
            return GuidanceWalk(answered=answered, outcome=None, next_step=code)
        target = step.yes_next if answer else step.no_next
        answered.append({"code": code, "question": step.question, "answer": bool(answer), "advice": step.advice})
        code = target
    outcomes = set(GuidanceOutcome.values)
    return GuidanceWalk(answered=answered, outcome=code if code in outcomes else None, next_step=None)
