"""Fixtures for guidance tests: a small valid script, the seeded demo scripts, and a desk lead in the admin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from heatdesk.guidance.models import GuidanceScript, GuidanceStep
from heatdesk.guidance.services import guidance_demo_seed


@pytest.fixture
def valid_steps() -> list[dict[str, Any]]:
    """Three steps: valves → pipes → outcome, the shape of the real 暖气不热 script in miniature."""
    return [
        {
            "code": "valves_open",
            "question": "请您看一下进水阀和回水阀是不是都全部打开了？",
            "hint": "手柄与管道平行为打开。",
            "yes_next": "pipe_temperature",
            "no_next": "open_valves",
            "advice": "两个阀门都要全开。",
        },
        {
            "code": "open_valves",
            "question": "请您把两个阀门开到最大，进水管是不是热了？",
            "yes_next": "solved",
            "no_next": "pipe_temperature",
        },
        {
            "code": "pipe_temperature",
            "question": "进水管和回水管是不是一热一冷？",
            "yes_next": "dispatch",
            "no_next": "dispatch",
        },
    ]


@pytest.fixture
def demo_scripts(db) -> dict[str, GuidanceScript]:
    """The demo scripts, seeded through the service, by category."""
    guidance_demo_seed()
    return {script.category: script for script in GuidanceScript.objects.filter(is_active=True)}


@pytest.fixture
def guidance_rows(db) -> Callable[[], list[tuple]]:
    """A snapshot of every guidance row, to prove a refused write changed nothing."""

    def snapshot() -> list[tuple]:
        scripts = list(
            GuidanceScript.objects.order_by("pk").values_list(
                "pk", "category", "title", "intro", "is_active", "version", "updated_at"
            )
        )
        steps = list(GuidanceStep.objects.order_by("pk").values_list())
        return scripts + steps

    return snapshot


@pytest.fixture
def desk_lead_client(db) -> Client:
    """A signed-in desk lead (专席负责人) with staff access and no per-model grants."""
    user = get_user_model().objects.create_user(
        username="lead-guidance", password="not-used-here", role="desk_lead", is_staff=True
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def operator_client(db) -> Client:
    """A signed-in staff operator (话务员): may not edit guidance."""
    user = get_user_model().objects.create_user(
        username="operator-guidance", password="not-used-here", role="operator", is_staff=True
    )
    client = Client()
    client.force_login(user)
    return client


def _admin_form(*, title: str, category: str, steps: list[dict[str, Any]], step_ids: list[int] | None = None):
    ids = step_ids or []
    data: dict[str, Any] = {
        "category": category,
        "title": title,
        "intro": "您好，我们一起排查一下。",
        "is_active": "on",
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": str(len(ids)),
        "steps-MIN_NUM_FORMS": "1",
        "steps-MAX_NUM_FORMS": "1000",
        "_save": "保存",
    }
    for index, step in enumerate(steps):
        prefix = f"steps-{index}-"
        data[prefix + "id"] = str(ids[index]) if index < len(ids) else ""
        data[prefix + "order"] = str(step.get("order", index + 1))
        for name in ("code", "question", "hint", "yes_next", "no_next", "advice"):
            data[prefix + name] = step.get(name, "")
        if step.get("DELETE"):
            data[prefix + "DELETE"] = "on"
    return data


@pytest.fixture
def admin_form() -> Callable[..., dict[str, Any]]:
    """admin_form(title=, category=, steps=[...], step_ids=[...]) → POST data for the script admin page."""
    return _admin_form
