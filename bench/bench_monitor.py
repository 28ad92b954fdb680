"""Benchmark of the SLA monitor: 100,000 open tickets' clocks, one pass, catching up, and alert lag.

    .venv/bin/python bench/bench_monitor.py                       # SQLite in a fresh temporary data dir
    createdb -h 127.0.0.1 -U postgres heatdesk_bench
    HEATDESK_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/heatdesk_bench .venv/bin/python bench/bench_monitor.py

Phase 1 loads N open tickets (bulk-inserted, the bench only) with one running clock each, spread over
the dispatch, response and resolution stages; a share of them (--due-share) has its warning threshold
in the last ten minutes, as after a worker outage; the rest fall due over the next day. It then times
the idle check, one monitor pass, the passes until caught up, and draining the queued messages.
Phase 2 starts a real `heatdesk worker` and feeds it --stream thresholds spread over --stream-seconds,
then reports the lag raised_at - threshold_at (and delivered_at - threshold_at) as p50 / p95 / max.
The PostgreSQL database must be a scratch one (its name must contain "bench"): the bench empties it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WINDOWS = {"dispatch": 600, "response": 3600, "resolution": 86400}
STATUS_OF_STAGE = {"dispatch": "received", "response": "dispatched", "resolution": "accepted"}


def setup_django() -> str:
    if not os.environ.get("HEATDESK_DATABASE_URL") and not os.environ.get("HEATDESK_DATA_DIR"):
        os.environ["HEATDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="heatdesk-bench-")
    os.environ.setdefault("HEATDESK_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heatdesk.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "postgresql" and "bench" not in name:
        sys.exit(f"refusing to empty {name!r}: point HEATDESK_DATABASE_URL at a scratch database named *bench*")
    return f"{connection.vendor} ({name})"


def percentiles(values: list[float]) -> tuple[float, float, float]:
    if not values:
        return (float("nan"),) * 3
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


def table(title: str, rows: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in rows)
    print(f"\n{title}\n" + "-" * (width + 24))
    for label, value in rows:
        print(f"{label:<{width}}  {value:>20}")


def empty_database() -> None:
    from heatdesk.notify.models import OutboxMessage
    from heatdesk.supervision.models import Alert
    from heatdesk.tickets.models import SlaClock, Ticket, TicketEvent

    for model in (OutboxMessage, Alert, SlaClock, TicketEvent, Ticket):
        model.objects.all().delete()


def tickets_insert(*, count: int, prefix: str, thresholds: list[dt.datetime], stages: list[str]) -> list[int]:
    """Bulk-insert open tickets and one running clock each, whose warning threshold is `thresholds[i]`."""
    from heatdesk.accounts.models import User
    from heatdesk.geo.models import Compound
    from heatdesk.sla.policy import policy_snapshot
    from heatdesk.tickets.models import SlaClock, Ticket

    operator = User.objects.get(username="80725")
    compounds = list(Compound.objects.select_related("station", "station__company"))
    snapshot = policy_snapshot(urgency="normal")
    ids: list[int] = []
    for start in range(0, count, 2000):
        tickets, clocks = [], []
        for n in range(start, min(count, start + 2000)):
            compound, stage = compounds[n % len(compounds)], stages[n]
            window = dt.timedelta(seconds=WINDOWS[stage])
            warn_at = thresholds[n]
            started = warn_at - window * 0.8
            tickets.append(
                Ticket(
                    number=f"{prefix}{n:08d}",
                    status=STATUS_OF_STAGE[stage],
                    category="not_warm",
                    caller_phone="13800000000",
                    compound=compound,
                    station=compound.station,
                    owner=operator,
                    created_by=operator,
                    sla=snapshot,
                    created_at=started,
                    updated_at=started,
                    dispatched_at=None if stage == "dispatch" else started,
                )
            )
            clocks.append((stage, compound, started, warn_at, started + window))
        Ticket.objects.bulk_create(tickets)
        SlaClock.objects.bulk_create(
            SlaClock(
                ticket_id=ticket.id,
                stage=stage,
                urgency="normal",
                station_code=compound.station.code,
                company_code=compound.station.company.code,
                started_at=started,
                warn_at=warn_at,
                due_at=due_at,
                next_level="warning",
                next_threshold_at=warn_at,
            )
            for ticket, (stage, compound, started, warn_at, due_at) in zip(tickets, clocks, strict=True)
        )
        ids += [ticket.id for ticket in tickets]
    return ids


def phase_backlog(*, tickets: int, due_share: float, batch: int) -> None:
    from django.db import connection

    from heatdesk.core import clock
    from heatdesk.notify.services import outbox_deliver_due
    from heatdesk.supervision.monitor import monitor_next_wakeup, monitor_pass

    rng = random.Random(12345)
    now = clock.now()
    thresholds, stages = [], []
    for _ in range(tickets):
        if rng.random() < due_share:
            thresholds.append(now - dt.timedelta(seconds=rng.uniform(0, 600)))
        else:
            thresholds.append(now + dt.timedelta(seconds=rng.uniform(120, 86400)))
        stages.append(rng.choices(list(WINDOWS), weights=(3, 4, 3))[0])
    due = sum(1 for t in thresholds if t <= now)

    started = time.perf_counter()
    tickets_insert(count=tickets, prefix="BM", thresholds=thresholds, stages=stages)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would soon; without it PostgreSQL scans instead of the index
    load_seconds = time.perf_counter() - started

    started = time.perf_counter()
    idle = monitor_pass(now=now - dt.timedelta(days=2), limit=batch)
    idle_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    monitor_next_wakeup()
    wakeup_ms = (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    first = monitor_pass(limit=batch)
    first_seconds = time.perf_counter() - started
    passes, clocks, raised, messages = 1, first.clocks, first.raised_total, first.messages
    started_all = time.perf_counter()
    while True:
        report = monitor_pass(limit=batch)
        passes += 1
        clocks += report.clocks
        raised += report.raised_total
        messages += report.messages
        if not report.more:
            break
    catch_up_seconds = first_seconds + time.perf_counter() - started_all

    started = time.perf_counter()
    delivered = 0
    while (delivery := outbox_deliver_due(limit=200)).claimed:
        delivered += delivery.delivered
    drain_seconds = time.perf_counter() - started

    assert idle.clocks == 0
    table(
        f"Phase 1 — {tickets:,} open tickets, {due:,} clocks past their warning ({due_share:.0%})",
        [
            ("bulk load (tickets + clocks)", f"{load_seconds:.1f} s"),
            ("idle check (nothing due)", f"{idle_ms:.1f} ms"),
            ("next wake-up query", f"{wakeup_ms:.1f} ms"),
            (f"one pass (limit {batch})", f"{first_seconds * 1000:.0f} ms"),
            ("  clocks / alerts / messages", f"{first.clocks} / {first.raised_total} / {first.messages}"),
            ("passes until caught up", f"{passes}"),
            ("  clocks / alerts / messages", f"{clocks:,} / {raised:,} / {messages:,}"),
            ("  time", f"{catch_up_seconds:.1f} s"),
            ("  alerts per second", f"{raised / catch_up_seconds:,.0f}"),
            ("outbox drain (console channel)", f"{delivered:,} in {drain_seconds:.1f} s"),
            ("  messages per second", f"{delivered / drain_seconds:,.0f}" if drain_seconds else "-"),
        ],
    )


def phase_stream(*, count: int, seconds: float, poll: float, worker_log: str | None) -> None:
    from heatdesk.core import clock
    from heatdesk.notify.models import OutboxMessage
    from heatdesk.supervision.models import Alert

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if worker_log:
        env["HEATDESK_LOG_LEVEL"] = "INFO"
    output = open(worker_log, "wb") if worker_log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [sys.executable, "-m", "heatdesk.cli", "worker", "--poll", str(poll)],
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    try:
        time.sleep(3)  # let it boot and settle
        rng = random.Random(54321)
        base = clock.now() + dt.timedelta(seconds=2)
        thresholds = sorted(base + dt.timedelta(seconds=rng.uniform(0, seconds)) for _ in range(count))
        ids = tickets_insert(count=count, prefix="ST", thresholds=thresholds, stages=["response"] * count)
        deadline = time.monotonic() + seconds + 30
        while time.monotonic() < deadline:
            if Alert.objects.filter(ticket_id__gte=min(ids)).count() >= count:  # the stream's ids come last
                break
            time.sleep(0.5)
        time.sleep(2)  # let the last messages go out
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        if worker_log:
            output.close()

    stream = Alert.objects.filter(ticket_id__gte=min(ids))
    alerts = list(stream.values_list("ticket_id", "threshold_at", "raised_at"))
    threshold_of = {ticket_id: threshold for ticket_id, threshold, _ in alerts}
    raise_lags = [(raised - threshold).total_seconds() * 1000 for _, threshold, raised in alerts]
    deliver_lags = []
    for key, delivered_at in OutboxMessage.objects.filter(
        request_key__startswith="alert:", delivered_at__isnull=False
    ).values_list("request_key", "delivered_at"):
        ticket_id = int(key.split(":")[1])
        if ticket_id in threshold_of:
            deliver_lags.append((delivered_at - threshold_of[ticket_id]).total_seconds() * 1000)
    raise_p = percentiles(raise_lags)
    deliver_p = percentiles(deliver_lags)
    table(
        f"Phase 2 — a worker (--poll {poll}, default batches) against {count:,} thresholds over {seconds:.0f} s",
        [
            ("alerts raised", f"{len(alerts):,} of {count:,}"),
            ("raise lag p50 / p95 / max", f"{raise_p[0]:.0f} / {raise_p[1]:.0f} / {raise_p[2]:.0f} ms"),
            ("messages delivered", f"{len(deliver_lags):,}"),
            ("delivery lag p50 / p95 / max", f"{deliver_p[0]:.0f} / {deliver_p[1]:.0f} / {deliver_p[2]:.0f} ms"),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--due-share", type=float, default=0.05)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--stream", type=int, default=2000)
    parser.add_argument("--stream-seconds", type=float, default=20)
    parser.add_argument("--poll", type=float, default=1.0)
    parser.add_argument("--worker-log", help="keep the phase-2 worker's INFO log in this file")
    args = parser.parse_args()

    database = setup_django()
    from django.core.management import call_command

    from heatdesk.demo import demo_seed

    call_command("migrate", interactive=False, verbosity=0)
    demo_seed()
    empty_database()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"Heatdesk SLA monitor benchmark — {database}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, load average before start {load}"
    )
    phase_backlog(tickets=args.tickets, due_share=args.due_share, batch=args.batch)
    phase_stream(count=args.stream, seconds=args.stream_seconds, poll=args.poll, worker_log=args.worker_log)


if __name__ == "__main__":
    main()
