"""The background worker: SLA monitor and outbox delivery in one loop (DESIGN §7); `heatdesk worker` runs it.

Each step raises the alerts whose thresholds have passed (`monitor_pass`) and sends the messages that
are due (`outbox_deliver_due`); a step that found a full batch runs again at once. Otherwise the
worker sleeps until the earlier of the next threshold and the next delivery, never longer than
`--poll`, so an alert fires within about a second of its threshold even for a ticket created
meanwhile. SIGTERM or Ctrl-C finishes the current step and exits 0; a second signal stops at once
(the open transaction rolls back; a message in flight is retried after its lease). Several workers
may run at once: on PostgreSQL they share the work with SKIP LOCKED. Nothing is kept in memory that a
restart would lose: every alert, message and attempt is a row.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Protocol

from django.conf import settings
from django.db import close_old_connections, connection

from heatdesk.core import clock
from heatdesk.notify.channels import mask_phones
from heatdesk.notify.selectors import outbox_next_due_at
from heatdesk.notify.services import DeliveryReport, outbox_deliver_due
from heatdesk.supervision.logs import log_event
from heatdesk.supervision.monitor import MonitorReport, monitor_next_wakeup, monitor_pass

# Clocks per monitor transaction. SQLite holds its one write lock for the whole pass (about 4 ms a
# clock), so passes stay short there; PostgreSQL locks only the rows taken.
DEFAULT_BATCH = {"sqlite": 100, "postgresql": 200}
DELIVERY_BUDGET_SECONDS = 1.0  # delivery rounds per step stop after this, so thresholds get their turn
MIN_SLEEP_SECONDS = 0.05  # when due work is held by another worker, don't spin on it
MAX_ERROR_BACKOFF_SECONDS = 30.0
ONCE_MAX_STEPS = 10_000  # --once stops here even if work keeps arriving


@dataclass
class Totals:
    steps: int = 0
    raised: int = 0
    messages: int = 0
    delivered: int = 0
    failed: int = 0
    errors: int = 0


class DailyJob(Protocol):
    """A job the worker runs once a day (the morning digest): it decides itself whether `now` is due
    and must be idempotent. Passed in by the command, so the worker needs no app above it."""

    def run_due(self, now: dt.datetime) -> int: ...


@dataclass
class Chore:
    """Periodic work the loop runs besides alerts and messages, given by the layer that composes the
    worker (e.g. reports' sealing of finished KPI days): `run` returns how much it did, for the log.
    Runs on the first step, then once every `every_seconds` (per process: idempotent work only). A run
    that did at least `busy_at` (> 0) may have left a backlog: the next comes after `busy_every_seconds`
    instead, so a backlog is worked off in short runs between monitor passes, never one long stall."""

    name: str
    every_seconds: float
    run: Callable[[], int]
    next_at: float = 0.0
    busy_at: int = 0
    busy_every_seconds: float = 0.0


class Worker:
    """The loop; `stopping` is set by a signal and checked between steps."""

    def __init__(
        self,
        *,
        poll: float,
        batch: int,
        deliver_batch: int,
        daily: DailyJob | None = None,
        chores: Sequence[Chore] = (),
    ) -> None:
        self.daily = daily
        self.chores = list(chores)
        self.poll = poll
        self.batch = batch
        self.deliver_batch = deliver_batch
        self.stopping = threading.Event()
        self.totals = Totals()

    def step(self) -> bool:
        """Raise one batch of due alerts, then deliver what is due for up to a second; True when more
        work is waiting right now. Delivery gets its turn every step, so a burst of thresholds cannot
        starve the messages, nor the messages the thresholds."""
        if not connection.in_atomic_block:
            close_old_connections()  # drop a broken or expired connection between steps
        started = time.monotonic()
        monitor = monitor_pass(limit=self.batch)
        if self.daily is not None and self.daily.run_due(clock.now()):
            log_event(logging.INFO, "worker.daily_job_ran")
        delivery, full_round = DeliveryReport(), False
        deadline = time.monotonic() + DELIVERY_BUDGET_SECONDS
        while True:
            due = outbox_next_due_at()
            if due is None or due > clock.now():
                full_round = False
                break
            delivered = outbox_deliver_due(limit=self.deliver_batch)
            for name in ("claimed", "delivered", "retrying", "failed", "lost"):
                setattr(delivery, name, getattr(delivery, name) + getattr(delivered, name))
            full_round = delivered.claimed >= self.deliver_batch
            if not full_round or time.monotonic() >= deadline:
                break
        self._count(monitor, delivery, time.monotonic() - started)
        self._chores()
        return monitor.more or full_round

    def _chores(self) -> None:
        """Run the chores that are due; the next run is booked first, so a failing chore waits its turn
        rather than failing every step."""
        for chore in self.chores:
            now = time.monotonic()
            if now < chore.next_at:
                continue
            chore.next_at = now + chore.every_seconds
            done = chore.run()
            if chore.busy_at > 0 and done >= chore.busy_at:
                chore.next_at = now + chore.busy_every_seconds
            # Idle runs (every second or two) at DEBUG: the log shows the work done, not the polling.
            level = logging.INFO if done else logging.DEBUG
            log_event(level, "worker.chore", chore=chore.name, done=done, ms=round((time.monotonic() - now) * 1000))

    def _count(self, monitor: MonitorReport, delivery: DeliveryReport, seconds: float) -> None:
        totals = self.totals
        totals.steps += 1
        totals.raised += monitor.raised_total
        totals.messages += monitor.messages
        totals.delivered += delivery.delivered
        totals.failed += delivery.failed
        if monitor.clocks or delivery.claimed or delivery.failed:
            log_event(
                logging.INFO,
                "worker.step",
                clocks=monitor.clocks,
                warning=monitor.raised["warning"],
                overdue=monitor.raised["overdue"],
                escalated=monitor.raised["escalated"],
                messages=monitor.messages,
                claimed=delivery.claimed,
                delivered=delivery.delivered,
                retrying=delivery.retrying,
                failed=delivery.failed,
                max_lag_ms=round(monitor.max_lag_seconds * 1000),
                ms=round(seconds * 1000),
            )

    def sleep(self) -> None:
        """Until the next threshold or delivery is due, at most `poll`, at least a few milliseconds."""
        wakes = [at for at in (monitor_next_wakeup(), outbox_next_due_at()) if at is not None]
        delay = self.poll
        if wakes:
            delay = min(delay, (min(wakes) - clock.now()).total_seconds())
        self.stopping.wait(max(MIN_SLEEP_SECONDS, delay))

    def run(self, *, once: bool) -> None:
        failures = 0
        while not self.stopping.is_set():
            try:
                busy = self.step()
                if once:
                    if not busy or self.totals.steps >= ONCE_MAX_STEPS:
                        return
                    continue
                failures = 0
                if not busy:
                    self.sleep()
            except Exception as error:
                if once:
                    raise
                failures += 1
                self.totals.errors += 1
                delay = min(MAX_ERROR_BACKOFF_SECONDS, self.poll * 2**failures)
                log_event(
                    logging.ERROR,
                    "worker.step_failed",
                    error=f"{type(error).__name__}: {mask_phones(str(error))[:300]}",
                    failures=failures,
                    retry_in_s=round(delay, 1),
                )
                if not connection.in_atomic_block:
                    connection.close()
                self.stopping.wait(delay)


def worker_options(*, poll: float | None, batch: int | None, deliver_batch: int) -> tuple[float, int, int]:
    """The worker's settings: `poll` defaults to HEATDESK_WORKER_POLL_SECONDS (1 s) and must be in (0, 60];
    `batch` to 100 clocks on SQLite, 200 on PostgreSQL. Raises ValueError naming the bad flag."""
    if poll is None:
        poll = float(settings.HEATDESK_WORKER_POLL_SECONDS)
    if not 0 < poll <= 60:
        raise ValueError("--poll 须在 0 到 60 秒之间 / --poll must be in (0, 60] seconds")
    if batch is None:
        batch = DEFAULT_BATCH.get(connection.vendor, 500)
    if batch < 1 or deliver_batch < 1:
        raise ValueError("--batch 与 --deliver-batch 须为正数 / batches must be positive")
    return poll, batch, deliver_batch


def worker_serve(worker: Worker, *, once: bool) -> bool:
    """Run the worker until done (`once`) or a signal; SIGTERM or Ctrl-C finish the step, a second stops at
    once. Returns True when it was forced to stop."""

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if worker.stopping.is_set():
            raise KeyboardInterrupt  # a second signal: stop now
        log_event(logging.INFO, "worker.stopping", signal=signal.Signals(signum).name)
        worker.stopping.set()

    previous = {}
    if threading.current_thread() is threading.main_thread():  # signals reach the main thread only
        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    log_event(
        logging.INFO,
        "worker.started",
        pid=os.getpid(),
        poll_s=worker.poll,
        batch=worker.batch,
        database=connection.vendor,
        once=once,
    )
    forced = False
    try:
        worker.run(once=once)
    except KeyboardInterrupt:
        forced = True
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        totals = worker.totals
        log_event(
            logging.INFO,
            "worker.stopped",
            forced=forced,
            steps=totals.steps,
            raised=totals.raised,
            messages=totals.messages,
            delivered=totals.delivered,
            failed=totals.failed,
            errors=totals.errors,
        )
    return forced
