"""Server time of the pages people work in, over 100,000 tickets: desk, queue, ticket, board, wall, callbacks,
the lead's queue and 工单查询 with filters.

Usage: .venv/bin/python bench/bench_pages.py [--tickets 100000] [--requests 30] [--postgres URL]
Builds the tickets with bulk_create in a scratch data dir on SQLite (and, with --postgres, in a scratch
database that this script drops and recreates), then times each page through Django's test Client
(full middleware, template rendering; no network) and prints p50/p95 in ms and the queries per request.
Each database runs in its own process (Django is set up once per process). `--existing URL` times the
pages on a database loaded before (bench_kpis's million tickets, `HEATDESK_KPI_BENCH_DB`), with --tickets
recent ones added on top the first time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 300
DAY = dt.timedelta(days=1)


def _recreate(url: str) -> str:
    parsed = urllib.parse.urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url


# ---- Building the tickets (child process, Django set up) -------------------------------------------


def _status_for(age: dt.timedelta, rng: random.Random) -> str:
    roll = rng.random()
    if age > 3 * DAY:
        return "closed" if roll < 0.99 else "merged"
    if age > DAY:
        return "closed" if roll < 0.7 else ("resolved" if roll < 0.9 else "accepted")
    for status, share in (
        ("closed", 0.2),
        ("resolved", 0.45),
        ("accepted", 0.75),
        ("dispatched", 0.95),
        ("received", 0.98),
        ("returned", 1.0),
    ):
        if roll < share:
            return status
    return "returned"


def build(count: int, seed: int = 7) -> dict:
    """Bulk-create `count` tickets over 60 days with events, SLA clocks, alerts and callbacks."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from heatdesk.core import clock
    from heatdesk.geo.models import Compound
    from heatdesk.sla import policy
    from heatdesk.supervision.models import Alert
    from heatdesk.tickets.models import SlaClock, Ticket, TicketCallback, TicketEvent

    rng = random.Random(seed)
    now = clock.now()
    users = get_user_model().objects
    operators = list(users.filter(username__in=["80725", "80720", "80734"]).order_by("username"))
    station_users = {u.station_id: u for u in users.filter(role="station")}
    compounds = list(Compound.objects.select_related("station__company", "substation", "district"))
    snapshots = {u: policy.policy_snapshot(urgency=u) for u in ("normal", "urgent")}
    span = 60 * DAY
    created_times = sorted(now - span * rng.random() for _ in range(count))
    serials: dict[str, int] = {}
    started = time.perf_counter()
    tickets: list[Ticket] = []
    for created in created_times:
        day = timezone.localtime(created).strftime("%Y%m%d")
        serials[day] = serials.get(day, 0) + 1
        age = now - created
        status = _status_for(age, rng)
        compound = rng.choice(compounds)
        urgency = "urgent" if rng.random() < 0.08 else "normal"
        sla = snapshots[urgency]
        ticket = Ticket(
            number=f"GR{day}{serials[day]:05d}",
            status=status,
            category="leak" if urgency == "urgent" else rng.choice(["not_warm"] * 6 + ["no_heat", "below_standard"]),
            urgency=urgency,
            caller_phone=f"13{rng.randint(0, 999_999_999):09d}",
            description="暖气不热",
            address=f"{compound.name}{rng.randint(1, 30)}号楼{rng.randint(1, 6)}单元{rng.randint(101, 1802)}",
            district=compound.district,
            compound=compound,
            building=str(rng.randint(1, 30)),
            unit=str(rng.randint(1, 6)),
            room=str(rng.randint(101, 1802)),
            substation=compound.substation,
            station=compound.station,
            routing_confidence=1.0,
            owner=rng.choice(operators),
            created_by=operators[0],
            sla=sla,
            created_at=created,
            updated_at=created,
            dispatch_deadline=created + dt.timedelta(seconds=sla["dispatch"]["seconds"]),
        )
        latest = now - dt.timedelta(seconds=30)

        def after(start, low, high, latest=latest):  # a milestone some minutes after another, never in the future
            return min(start + dt.timedelta(minutes=rng.uniform(low, high)), latest)

        if status != "received":
            ticket.first_dispatched_at = ticket.dispatched_at = after(created, 1, 9)
            ticket.response_deadline = ticket.dispatched_at + dt.timedelta(seconds=sla["response"]["seconds"])
            ticket.resolution_deadline = ticket.dispatched_at + dt.timedelta(seconds=sla["resolution"]["seconds"])
        if status in ("accepted", "resolved", "closed", "merged"):
            ticket.accepted_at = after(ticket.dispatched_at, 3, 70)
            ticket.arrived_at = after(ticket.accepted_at, 10, 60)
            ticket.arrival_indoor_temp = round(rng.uniform(12, 20), 1)
        if status in ("resolved", "closed"):
            ticket.resolved_at = after(ticket.arrived_at, 20, 26 * 60)
            ticket.resolution_cause = rng.choice(["air_lock", "valve", "balancing", "filter_blocked"])
            ticket.callback_deadline = ticket.resolved_at + dt.timedelta(seconds=sla["callback"]["seconds"])
        if status == "closed":
            ticket.closed_at = after(ticket.resolved_at, 30, 30 * 60)
            ticket.satisfaction = rng.choice(["very_satisfied", "satisfied", "satisfied", "fairly_satisfied"])
        if status == "returned":
            ticket.return_count = 1
        ticket.updated_at = ticket.closed_at or ticket.resolved_at or ticket.accepted_at or created
        tickets.append(ticket)

    # Merged tickets point at an older closed one.
    before = Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0  # on top of a loaded season
    with transaction.atomic():
        for start in range(0, len(tickets), 5000):
            batch = tickets[start : start + 5000]
            for ticket in batch:
                if ticket.status == "merged":
                    ticket.status = "closed"
                    ticket.closed_at = ticket.closed_at or ticket.created_at + DAY
            Ticket.objects.bulk_create(batch, batch_size=1000)
    tickets = list(Ticket.objects.select_related("station__company").filter(id__gt=before).order_by("id"))

    events, clocks, callbacks, alerts = [], [], [], []
    for ticket in tickets:
        station_actor = station_users.get(ticket.station_id)
        events.append(
            TicketEvent(
                ticket=ticket,
                kind="create",
                at=ticket.created_at,
                actor=ticket.owner_id and ticket.owner,
                data={"category": ticket.category},
            )
        )
        stages = [("dispatch", ticket.created_at, ticket.dispatch_deadline, ticket.first_dispatched_at)]
        if ticket.dispatched_at:
            events.append(
                TicketEvent(
                    ticket=ticket,
                    kind="dispatch",
                    at=ticket.dispatched_at,
                    actor=ticket.owner,
                    data={"station": ticket.station.code},
                )
            )
            responded = ticket.accepted_at or (ticket.updated_at if ticket.status == "returned" else None)
            stages.append(("response", ticket.dispatched_at, ticket.response_deadline, responded))
            resolved = ticket.resolved_at or (ticket.updated_at if ticket.status == "returned" else None)
            stages.append(("resolution", ticket.dispatched_at, ticket.resolution_deadline, resolved))
        if ticket.accepted_at:
            events.append(TicketEvent(ticket=ticket, kind="accept", at=ticket.accepted_at, actor=station_actor))
            events.append(
                TicketEvent(
                    ticket=ticket,
                    kind="arrive",
                    at=ticket.arrived_at,
                    actor=station_actor,
                    data={"indoor_temp": float(ticket.arrival_indoor_temp)},
                )
            )
        if ticket.resolved_at:
            events.append(
                TicketEvent(
                    ticket=ticket,
                    kind="resolve",
                    at=ticket.resolved_at,
                    actor=station_actor,
                    data={"cause": ticket.resolution_cause},
                )
            )
            stages.append(("callback", ticket.resolved_at, ticket.callback_deadline, ticket.closed_at))
        if ticket.closed_at and ticket.resolved_at:
            events.append(
                TicketEvent(
                    ticket=ticket,
                    kind="callback",
                    at=ticket.closed_at,
                    actor=ticket.owner,
                    data={"reached": True, "fixed": True, "satisfaction": ticket.satisfaction, "outcome": "closed"},
                )
            )
            callbacks.append(
                TicketCallback(
                    ticket=ticket,
                    at=ticket.closed_at,
                    actor=ticket.owner,
                    reached=True,
                    contacted=True,
                    fixed=True,
                    satisfaction=ticket.satisfaction,
                    outcome="closed",
                )
            )
        company = ticket.station.company.code if ticket.station else ""
        for stage, start, due, met in stages:
            warn = start + (due - start) * 0.8
            if ticket.status in ("closed",) and met is None:
                met = ticket.closed_at
            clocks.append(
                SlaClock(
                    ticket=ticket,
                    stage=stage,
                    urgency=ticket.urgency,
                    station_code=ticket.station.code,
                    company_code=company,
                    started_at=start,
                    warn_at=warn,
                    due_at=due,
                    met_at=met,
                    next_level="" if met else ("warning" if warn > now else "overdue"),
                    next_threshold_at=None if met else (warn if warn > now else due),
                )
            )
            reached = met or now
            for level, threshold in (("warning", warn), ("overdue", due)):
                if threshold <= reached:
                    alerts.append(
                        Alert(
                            ticket=ticket,
                            clock=clocks[-1],
                            stage=stage,
                            level=level,
                            station_code=ticket.station.code,
                            company_code=company,
                            threshold_at=threshold,
                            raised_at=threshold + dt.timedelta(seconds=2),
                        )
                    )
    with transaction.atomic():
        TicketEvent.objects.bulk_create(events, batch_size=2000)
        SlaClock.objects.bulk_create(clocks, batch_size=2000)
        TicketCallback.objects.bulk_create(callbacks, batch_size=2000)
        Alert.objects.bulk_create(alerts, batch_size=2000)
    statuses: dict[str, int] = {}
    for ticket in tickets:
        statuses[ticket.status] = statuses.get(ticket.status, 0) + 1
    return {
        "tickets": len(tickets),
        "events": len(events),
        "clocks": len(clocks),
        "alerts": len(alerts),
        "callbacks": len(callbacks),
        "open": sum(n for s, n in statuses.items() if s not in ("closed", "merged")),
        "build_s": round(time.perf_counter() - started, 1),
    }


# ---- Timing the pages (child process) --------------------------------------------------------------


def measure(requests: int) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from heatdesk.tickets.models import Ticket

    def client(username: str) -> Client:
        c = Client()
        c.force_login(get_user_model().objects.get(username=username))
        return c

    rng = random.Random(11)
    open_numbers = list(
        Ticket.objects.filter(
            status__in=["dispatched", "accepted", "resolved"], station__code="cf-qiaokao"
        ).values_list("number", flat=True)[:500]
    )
    phone = Ticket.objects.order_by("-id").values_list("caller_phone", flat=True).first()
    board = client("station-cf-qiaokao").get("/station/").content.decode()
    board_version = urllib.parse.unquote(board.split("/station/board/?v=")[1].split('"')[0])
    pages = [
        ("desk (operator)", "80725", lambda: "/desk/"),
        ("desk queue fragment", "80725", lambda: "/desk/queue/"),
        ("desk phone lookup", "80725", lambda: f"/desk/lookup/?caller_phone={phone}"),
        ("desk address resolve", "80725", lambda: "/desk/resolve/?address=回民区蓝爵小区3号楼2单元501"),
        ("ticket page", "80725", lambda: f"/tickets/{rng.choice(open_numbers)}/"),
        ("crew ticket (station)", "station-cf-qiaokao", lambda: f"/station/tickets/{rng.choice(open_numbers)}/"),
        ("ticket live poll (changed)", "80725", lambda: f"/tickets/{open_numbers[0]}/live/?v=x"),
        ("station board", "station-cf-qiaokao", lambda: "/station/"),
        ("station board fragment", "station-cf-qiaokao", lambda: "/station/board/"),
        ("station board poll (same)", "station-cf-qiaokao", lambda: f"/station/board/?v={board_version}"),
        ("wall (desk lead)", "lead", lambda: "/wall/"),
        ("wall live fragment", "lead", lambda: "/wall/live/"),
        ("wall (company)", "company-chengfa", lambda: "/wall/"),
        ("callbacks (operator)", "80725", lambda: "/callbacks/"),
        ("callbacks (desk lead)", "lead", lambda: "/callbacks/"),
        ("ticket search by phone", "80725", lambda: f"/tickets/?q={phone}"),
        ("lead queue", "lead", lambda: "/queue/"),
        ("search: station+stage+overdue", "lead", lambda: "/tickets/?station=cf-qiaokao&stage=response&overdue=on"),
        ("search: the desk's, overdue", "lead", lambda: "/tickets/?station=desk&overdue=on"),
        ("search: open, page 3", "lead", lambda: "/tickets/?status=open&page=3"),
        ("search: extension pending", "lead", lambda: "/tickets/?extension=on"),
        ("search: phone's last four", "80725", lambda: f"/tickets/?phone4={phone[-4:]}"),
    ]
    results = []
    for name, username, path in pages:
        c = client(username)
        for _ in range(3):  # warm caches (templates, gazetteer index, connection)
            status = c.get(path()).status_code
            assert status in (200, 204), (name, status)
        times, queries = [], []
        for _ in range(requests):
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = c.get(path())
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code in (200, 204), (name, response.status_code)
            queries.append(len(captured.captured_queries))
        times.sort()
        results.append(
            {
                "page": name,
                "p50": statistics.median(times),
                "p95": times[max(0, int(len(times) * 0.95) - 1)],
                "queries": max(queries),
                "bytes": len(response.content),
            }
        )
    return results


def child(args) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "heatdesk.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from heatdesk.demo import demo_seed
    from heatdesk.tickets.models import Ticket

    call_command("migrate", verbosity=0)
    if args.existing and Ticket.objects.filter(number__startswith="GR").exists():
        built = {"tickets": 0, "events": 0, "clocks": 0, "alerts": 0, "callbacks": 0, "open": 0, "build_s": 0}
    else:
        demo_seed()
        built = build(args.tickets)
    if args.existing:
        built["total"] = Ticket.objects.count()
    if connection.vendor == "postgresql":  # what autovacuum does after a load; SQLite keeps no statistics by default
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(json.dumps({"built": built, "pages": measure(args.requests)}))


def run(database_url: str | None, tickets: int, requests: int, *, existing: bool = False) -> dict:
    env = {**os.environ, "HEATDESK_DATA_DIR": tempfile.mkdtemp(prefix="heatdesk-bench-pages-")}
    env.pop("HEATDESK_DATABASE_URL", None)
    if database_url:
        env["HEATDESK_DATABASE_URL"] = database_url if existing else _recreate(database_url)
    command = [sys.executable, __file__, "--child", "--tickets", str(tickets), "--requests", str(requests)]
    command += ["--existing", database_url] if existing and database_url else []
    done = subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["database"] = "PostgreSQL" if database_url else "SQLite (WAL)"
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--postgres", help="e.g. postgresql://postgres@127.0.0.1:5432/heatdesk_bench_pages")
    parser.add_argument(
        "--existing",
        help="time the pages on an already loaded database (e.g. bench_kpis's million tickets): add --tickets "
        "recent ones on top once (the working set of the last 60 days), keep it, drop nothing",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.existing:
        runs = [run(args.existing, args.tickets, args.requests, existing=True)]
    else:
        runs = [run(None, args.tickets, args.requests)]
    if args.postgres:
        runs.append(run(args.postgres, args.tickets, args.requests))
    for result in runs:
        built = result["built"]
        print(
            f"\n{result['database']}: {built['tickets']:,} tickets ({built['open']:,} open), "
            f"{built['events']:,} events, {built['clocks']:,} SLA clocks, {built['alerts']:,} alerts, "
            f"{built['callbacks']:,} callbacks "
            f"(built in {built['build_s']} s); {args.requests} requests per page"
            + (f"; {built['total']:,} tickets in all" if "total" in built else "")
        )
        print(f"{'page':<28} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'KB':>6}  target < {TARGET_MS} ms")
        for row in result["pages"]:
            flag = "ok" if row["p95"] < TARGET_MS else "SLOW"
            print(
                f"{row['page']:<28} {row['p50']:>8.1f} {row['p95']:>8.1f} {row['queries']:>8} "
                f"{row['bytes'] / 1024:>6.1f}  {flag}"
            )


if __name__ == "__main__":
    main()
