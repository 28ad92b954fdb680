"""Fixtures of the supervision and SLA policy tests: tickets through the real services, moved time, the live kit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from heatdesk.accounts.models import User
from heatdesk.demo import demo_seed
from heatdesk.supervision.tests import live
from heatdesk.tickets import services as ticket_services
from heatdesk.tickets.models import SlaClock

LANJUE = "lanjuexiaoqu"  # 蓝爵小区 → cf-qiaokao (城发热力 chengfa)
CHUNYU = "chunyuxiaoqu"  # 春雨小区 → cf-jinqiao (城发热力 chengfa)
CHANGLEGONG = "changlegongxiaoqu"  # 长乐宫小区 → ft-guanghua (富泰热力 futai)


class Users:
    def __getitem__(self, username: str) -> User:
        return User.objects.get(username=username)


@pytest.fixture
def users(demo_city) -> Users:
    return Users()


def ticket_make(*, actor: User | None = None, **fields: Any):
    defaults = {
        "caller_phone": "13800001111",
        "category": "not_warm",
        "compound": LANJUE,
        "building": "3",
        "unit": "2",
        "room": "501",
        "description": "暖气不热",
    }
    actor = actor or User.objects.get(username="80725")
    fields = {**defaults, **fields}
    dispatch = fields.pop("dispatch", False)
    return ticket_services.ticket_intake(
        actor=actor, call=ticket_services.TicketIntake(**fields), dispatch=dispatch
    ).ticket


@pytest.fixture
def make_ticket(users) -> Callable[..., Any]:
    """make_ticket(**fields) → a received ticket created by operator 80725 (蓝爵小区 unless told)."""
    return ticket_make


@pytest.fixture
def act(users) -> Callable[..., Any]:
    """act("station-cf-qiaokao", ticket, "accept", **payload) → the updated ticket."""

    def do(username: str, ticket, action: str, **payload: Any):
        return ticket_services.ticket_act(actor=users[username], number=ticket.number, action=action, payload=payload)

    return do


def clock_of(ticket, stage: str) -> SlaClock:
    """The latest cycle of the ticket's stage clock."""
    return SlaClock.objects.filter(ticket=ticket, stage=stage).latest("cycle")


@pytest.fixture
def escalate_after(settings) -> dt.timedelta:
    """Escalation 10 minutes after overdue in these tests."""
    settings.HEATDESK_SLA_ESCALATE_AFTER_SECONDS = 600
    return dt.timedelta(seconds=600)


# ---- Live tests ---------------------------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[live.Receiver]:
    """A real webhook receiver on 127.0.0.1:0."""
    receiver, stop = live.receiver_start()
    yield receiver
    stop()


@pytest.fixture
def shared_db(transactional_db, tmp_path: Path) -> Iterator[live.SharedDatabase]:
    """The test database, seeded with the demo city, where `heatdesk` subprocesses can open it too."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shared = live.shared_database_open(data_dir)
    try:
        demo_seed()
        yield shared
    finally:
        shared.restore()


@pytest.fixture
def heatdesk_process(shared_db: live.SharedDatabase, tmp_path: Path) -> Iterator[Callable[..., live.Process]]:
    """heatdesk_process("worker", "--poll", "0.2", env={...}) → a running `heatdesk` subprocess on the shared
    database. Every process still running at the end is stopped."""
    started: list[live.Process] = []

    def start(*args: str, env: dict[str, str] | None = None) -> live.Process:
        name = f"{args[0]}-{len(started) + 1}"
        process = live.heatdesk_start(
            list(args), env={**shared_db.env, **(env or {})}, log_path=tmp_path / f"{name}.log", name=name
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.ensure_stopped()
        # Printed, so pytest shows each process's log when the test fails.
        print(f"---- {process.name} (exit {process.popen.returncode}) ----\n{process.log()[-6000:]}")


@pytest.fixture
def live_server_url(heatdesk_process) -> str:
    """`heatdesk serve` (gunicorn, one worker) on a free port of 127.0.0.1, on the shared database."""
    port = live.free_port()
    server = heatdesk_process("serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--threads", "4")
    base_url = f"http://127.0.0.1:{port}"
    live.server_wait_healthy(base_url, server)
    return base_url
