"""Writes for phone guidance: saving scripts (after checking their shape) and seeding the demo ones."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any

from django.db import IntegrityError, transaction

from heatdesk.audit.models import AuditAction
from heatdesk.audit.services import audit_record
from heatdesk.core import clock
from heatdesk.core.errors import ValidationFailed
from heatdesk.core.vocabulary import Category
from heatdesk.guidance.models import (
    STEP_CODE_MAX_LENGTH,
    GuidanceOutcome,
    GuidanceScript,
    GuidanceStep,
)

STEP_KEYS = frozenset({"order", "code", "question", "hint", "yes_next", "no_next", "advice"})
REQUIRED_STEP_KEYS = ("code", "question", "yes_next", "no_next")
STEP_CODE_PATTERN = re.compile(r"^[-a-zA-Z0-9_]+$")
TITLE_MAX_LENGTH = GuidanceScript._meta.get_field("title").max_length or 80
ORDER_MAX = 32767  # PositiveSmallIntegerField
OUTCOMES = frozenset(GuidanceOutcome.values)
ANSWER_LABELS = {"yes_next": "是", "no_next": "否"}
DEMO_SCRIPTS_FILE = "data/demo_scripts.json"


@dataclass(frozen=True, order=True)
class StepSpec:
    """One step as written: the normalised form every check and every write works on."""

    order: int
    code: str
    question: str
    hint: str
    yes_next: str
    no_next: str
    advice: str

    @classmethod
    def of(cls, step: GuidanceStep) -> StepSpec:
        return cls(
            order=step.order,
            code=step.code,
            question=step.question,
            hint=step.hint,
            yes_next=step.yes_next,
            no_next=step.no_next,
            advice=step.advice,
        )


def _refuse(chinese: str, english: str, **details: Any) -> ValidationFailed:
    return ValidationFailed(f"{chinese} / {english}", details=details or None)


def _text(raw: Mapping[str, Any], key: str, position: int) -> str:
    value = raw.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _refuse(
            f"第{position}步的 {key} 必须是文字",
            f"step {position}: {key} must be text",
            step=position,
            field=key,
        )
    return value.strip()


def _step_spec(raw: Mapping[str, Any], position: int) -> StepSpec:
    if not isinstance(raw, Mapping):
        raise _refuse(f"第{position}步格式错误", f"step {position} is not an object", step=position)
    unknown = sorted(set(raw) - STEP_KEYS)
    if unknown:
        raise _refuse(
            f"第{position}步含有未知字段：{', '.join(unknown)}",
            f"step {position} has unknown fields: {', '.join(unknown)}",
            step=position,
            field=unknown[0],
        )
    texts = {key: _text(raw, key, position) for key in STEP_KEYS - {"order"}}
    for key in REQUIRED_STEP_KEYS:
        if not texts[key]:
            raise _refuse(f"第{position}步缺少 {key}", f"step {position} is missing {key}", step=position, field=key)
    code = texts["code"]
    if len(code) > STEP_CODE_MAX_LENGTH or not STEP_CODE_PATTERN.match(code):
        raise _refuse(
            f"第{position}步的编码“{code}”只能由字母、数字、下划线或连字符组成，最长{STEP_CODE_MAX_LENGTH}个字符",
            f"step {position}: code {code!r} must be letters, digits, _ or -, "
            f"at most {STEP_CODE_MAX_LENGTH} characters",
            step=position,
            field="code",
        )
    if code in OUTCOMES:
        raise _refuse(
            f"步骤编码“{code}”与结果同名，请换一个",
            f"step code {code!r} is the name of an outcome; choose another",
            step=code,
            field="code",
        )
    order = raw.get("order", position)
    if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= ORDER_MAX:
        raise _refuse(
            f"第{position}步的顺序必须是1到{ORDER_MAX}之间的整数",
            f"step {position}: order must be a whole number from 1 to {ORDER_MAX}",
            step=position,
            field="order",
        )
    return StepSpec(order=order, **texts)


def _find_cycle(specs: Sequence[StepSpec]) -> list[str] | None:
    """A loop of step codes (first code repeated at the end), or None."""
    nexts = {spec.code: (spec.yes_next, spec.no_next) for spec in specs}
    done: set[str] = set()
    for root in nexts:
        if root in done:
            continue
        path: list[str] = []
        on_path: set[str] = set()
        # Iterative depth-first search: (code, next pointers still to visit).
        stack: list[tuple[str, list[str]]] = [(root, list(nexts[root]))]
        path.append(root)
        on_path.add(root)
        while stack:
            code, pending = stack[-1]
            if not pending:
                stack.pop()
                path.pop()
                on_path.discard(code)
                done.add(code)
                continue
            target = pending.pop(0)
            if target not in nexts or target in done:
                continue
            if target in on_path:
                return [*path[path.index(target) :], target]
            stack.append((target, list(nexts[target])))
            path.append(target)
            on_path.add(target)
    return None


def _reachable_from(start: str, specs: Sequence[StepSpec]) -> set[str]:
    nexts = {spec.code: (spec.yes_next, spec.no_next) for spec in specs}
    seen = {start}
    frontier = [start]
    while frontier:
        for target in nexts[frontier.pop()]:
            if target in nexts and target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen


def _codes_that_reach_an_outcome(specs: Sequence[StepSpec]) -> set[str]:
    reaching: set[str] = set()
    grew = True
    while grew:
        grew = False
        for spec in specs:
            if spec.code in reaching:
                continue
            if any(target in OUTCOMES or target in reaching for target in (spec.yes_next, spec.no_next)):
                reaching.add(spec.code)
                grew = True
    return reaching


def guidance_steps_validate(*, steps: Sequence[Mapping[str, Any]]) -> list[StepSpec]:
    """Refuse a script whose steps do not form a finite walk: every next names a step of the script or
    an outcome, nothing loops, the walk from the first step can end, and every step can be reached.

    Returns the steps normalised and sorted by order. Raises ValidationFailed; writes nothing.
    """
    if isinstance(steps, str | bytes) or not isinstance(steps, Sequence):
        raise _refuse("步骤必须是列表", "steps must be a list")
    if not steps:
        raise _refuse("指导话术至少需要一个步骤", "a script needs at least one step")
    specs = sorted(_step_spec(raw, position) for position, raw in enumerate(steps, start=1))

    seen_codes: set[str] = set()
    seen_orders: set[int] = set()
    for spec in specs:
        if spec.code in seen_codes:
            raise _refuse(
                f"步骤编码“{spec.code}”重复", f"step code {spec.code!r} is used twice", step=spec.code, field="code"
            )
        if spec.order in seen_orders:
            raise _refuse(
                f"步骤顺序 {spec.order} 重复", f"step order {spec.order} is used twice", step=spec.code, field="order"
            )
        seen_codes.add(spec.code)
        seen_orders.add(spec.order)

    for spec in specs:
        for field, target in (("yes_next", spec.yes_next), ("no_next", spec.no_next)):
            if target not in seen_codes and target not in OUTCOMES:
                raise _refuse(
                    f"步骤“{spec.code}”回答“{ANSWER_LABELS[field]}”后指向不存在的步骤“{target}”"
                    f"（应为本话术的步骤编码，或 {'/'.join(GuidanceOutcome.values)}）",
                    f"step {spec.code!r}: {field} points at {target!r}, which is neither a step of this "
                    f"script nor an outcome ({', '.join(GuidanceOutcome.values)})",
                    step=spec.code,
                    field=field,
                )

    start = specs[0].code
    if start not in _codes_that_reach_an_outcome(specs):
        raise _refuse(
            f"从第一步“{start}”出发没有任何路径能走到结果（已解决/派单上门/紧急派单）",
            f"no path from the first step {start!r} reaches an outcome (solved, dispatch, urgent_dispatch)",
            step=start,
        )

    cycle = _find_cycle(specs)
    if cycle:
        loop = " → ".join(cycle)
        raise _refuse(f"步骤形成循环：{loop}", f"the steps loop: {loop}", step=cycle[0], cycle=cycle)

    unreachable = [spec.code for spec in specs if spec.code not in _reachable_from(start, specs)]
    if unreachable:
        listed = ", ".join(unreachable)
        raise _refuse(
            f"以下步骤从第一步出发无法到达：{listed}",
            f"these steps cannot be reached from the first step: {listed}",
            step=unreachable[0],
        )
    return specs


def _header_check(script: GuidanceScript) -> None:
    if script.category not in Category.values:
        raise _refuse(
            f"未知的工单类别“{script.category}”",
            f"unknown ticket category {script.category!r}",
            field="category",
        )
    script.title = (script.title or "").strip()
    script.intro = (script.intro or "").strip()
    if not script.title:
        raise _refuse("指导话术需要标题", "a script needs a title", field="title")
    if len(script.title) > TITLE_MAX_LENGTH:
        raise _refuse(
            f"标题不能超过{TITLE_MAX_LENGTH}个字", f"the title is longer than {TITLE_MAX_LENGTH}", field="title"
        )


def guidance_script_save(
    *, script: GuidanceScript, steps: Sequence[Mapping[str, Any]], actor: Any = None, request: Any = None
) -> tuple[GuidanceScript, bool]:
    """Write a new or edited script (its fields as set on `script`) with exactly these steps.

    The version goes up when the category, title, intro or steps change; True when anything changed, and
    then the change is audited (actor None: the system). Refused (nothing written) when the steps are
    invalid or the category already has another active script.
    """
    _header_check(script)
    specs = guidance_steps_validate(steps=steps)
    with transaction.atomic():
        current = GuidanceScript.objects.select_for_update().filter(pk=script.pk).first() if script.pk else None
        if (
            script.is_active
            and GuidanceScript.objects.filter(category=script.category, is_active=True).exclude(pk=script.pk).exists()
        ):
            raise _refuse(
                f"类别“{script.get_category_display()}”已有启用的指导话术，请先停用原话术",
                f"category {script.category!r} already has an active script; deactivate it first",
                field="category",
            )
        if current is None:
            script.pk = None
            script.version = 1
            steps_changed = content_changed = True
            activation_changed = False
        else:
            current_specs = [StepSpec.of(step) for step in current.steps.order_by("order")]
            steps_changed = current_specs != specs
            content_changed = steps_changed or any(
                getattr(current, name) != getattr(script, name) for name in ("category", "title", "intro")
            )
            activation_changed = current.is_active != script.is_active
            if not content_changed and not activation_changed:
                script.version, script.updated_at = current.version, current.updated_at
                return script, False
            script.version = current.version + 1 if content_changed else current.version
        script.updated_at = clock.now()
        script.save()
        if steps_changed:
            # Replace rather than patch: reordering steps in place would trip the unique order constraint.
            script.steps.all().delete()
            GuidanceStep.objects.bulk_create(GuidanceStep(script=script, **asdict(spec)) for spec in specs)
        _audit(script, actor=actor, request=request, created=current is None, steps_changed=steps_changed)
    return script, True


def _audit(script: GuidanceScript, *, actor: Any, request: Any, created: bool, steps_changed: bool) -> None:
    detail = {
        "change": "create" if created else "update",
        "category": script.category,
        "title": script.title,
        "version": script.version,
        "is_active": script.is_active,
        "steps_changed": steps_changed,
    }
    audit_record(
        actor=actor,
        action=AuditAction.GUIDANCE_CHANGE,
        object_type="guidance_script",
        object_id=script.pk,
        detail=detail,
        request=request,
    )


def guidance_script_upsert(
    *, category: str, title: str, intro: str = "", steps: Sequence[Mapping[str, Any]]
) -> tuple[GuidanceScript, bool]:
    """Make the active script of `category` say exactly this, creating it if needed.

    Running it twice with the same content changes nothing the second time (returns False).
    """
    for attempt in range(2):
        try:
            script = GuidanceScript.objects.filter(category=category, is_active=True).first()
            if script is None:
                script = GuidanceScript(category=category, is_active=True)
            script.title, script.intro = title, intro
            return guidance_script_save(script=script, steps=steps)
        except IntegrityError:
            # Another writer created this category's active script at the same moment; compare with it.
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def guidance_demo_scripts() -> list[dict[str, Any]]:
    """The demo scripts shipped in heatdesk/guidance/data/demo_scripts.json."""
    text = resources.files("heatdesk.guidance").joinpath(DEMO_SCRIPTS_FILE).read_text("utf-8")
    return list(json.loads(text)["scripts"])


def guidance_demo_seed(*, overwrite: bool = False) -> int:
    """Load the demo scripts; returns how many scripts were created or changed.

    A category that already has a script (active or not) is left alone unless `overwrite`, so a desk
    lead's edits survive the re-seed that every `heatdesk demo` start runs.
    """
    changed = 0
    with transaction.atomic():
        for data in guidance_demo_scripts():
            if not overwrite and GuidanceScript.objects.filter(category=data["category"]).exists():
                continue
            _, was_changed = guidance_script_upsert(
                category=data["category"], title=data["title"], intro=data.get("intro", ""), steps=data["steps"]
            )
            changed += was_changed
    return changed
