"""The KPI API over a season of 1,000,000 tickets on PostgreSQL.

Usage: .venv/bin/python bench/bench_kpis.py [--tickets 1000000] [--repeat 7] [--reuse] [--explain]
Creates (drops and recreates) the scratch database heatdesk_kpi_bench on 127.0.0.1:5432, migrates it,
seeds the demo city, loads the tickets with COPY — plus their callbacks and repeat-call events — then
times GET /api/v1/reports/kpis for the whole season and for one station, and the rankings and hotspots.
It times them twice: computing every ticket live, then after sealing the KPI day book (reports.models).
The day book is sealed by the worker's own chore (operations `worker`), run after run as the worker
does with a backlog. Target: < 300 ms. `--reuse` keeps an already loaded database and times the day
book only; `HEATDESK_KPI_BENCH_DB` names another scratch database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = os.environ.get("HEATDESK_KPI_BENCH_DB", "heatdesk_kpi_bench")
URL = f"postgresql://postgres@127.0.0.1:5432/{DATABASE}"
TARGET_MS = 300
SEASON_START = dt.datetime(2025, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=8)))
SEASON_DAYS = 182
HOURLY = (0.25, 0.15, 0.1, 0.1, 0.1, 0.2, 0.6, 1.3, 1.6, 1.5, 1.2, 1.0, 0.9, 0.9, 0.9, 0.9, 1.0, 1.3, 1.8, 2.1, 2.0)
HOURLY += (1.6, 1.0, 0.5)
CATEGORIES = (("not_warm", 70), ("below_standard", 7), ("no_heat", 6), ("billing", 6), ("leak", 4))
CATEGORIES += (("service_change", 4), ("other", 3))
SATISFACTION = (("very_satisfied", 55), ("satisfied", 37), ("fairly_satisfied", 6.5), ("not_satisfied", 1.5))
MINUTE = dt.timedelta(minutes=1)

os.environ["HEATDESK_DATABASE_URL"] = URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heatdesk.settings")
sys.path.insert(0, str(ROOT))


def recreate_database() -> None:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", DATABASE], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE], check=True)
    # SSD storage, as docs/deployment.md recommends: else a day's callbacks are found by scanning them all.
    setting = f"ALTER DATABASE {DATABASE} SET random_page_cost = 1.1"
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", setting], check=True)


def _ts(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat(sep=" ")


def _pick(rng: random.Random, weighted) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _arrivals(rng, count):
    """Creation times in time order, as a live system inserts them (so a day's rows sit together)."""
    per_day = [count // SEASON_DAYS + (1 if n < count % SEASON_DAYS else 0) for n in range(SEASON_DAYS)]
    for day, n in enumerate(per_day):
        hours = rng.choices(range(24), weights=HOURLY, k=n)
        yield from sorted(SEASON_START + dt.timedelta(days=day, hours=h, seconds=rng.randrange(3600)) for h in hours)


def _ticket(rng, ticket_id, created, compounds, operators, snapshot):
    """One ticket row (a plausible closed-loop history), its callbacks and its repeat-call events."""
    category = _pick(rng, CATEGORIES)
    urgent = category == "leak"
    compound = compounds[rng.randrange(len(compounds))]
    owner = operators[rng.randrange(len(operators))]
    m = dict.fromkeys(("first", "dispatched", "accepted", "arrived", "resolved", "closed"))
    deadline = {"dispatch": created + 10 * MINUTE, "response": None, "resolution": None, "callback": None}
    phone = category == "not_warm" and rng.random() < 0.2
    reopen = 1 if rng.random() < 0.015 else 0
    returned = 1 if not phone and rng.random() < 0.02 else 0
    temp = None
    if phone:
        m["resolved"] = created + 3 * MINUTE
    else:
        m["first"] = m["dispatched"] = created + MINUTE * math.exp(rng.gauss(0.8, 0.7))
        if returned or reopen:
            m["dispatched"] = m["first"] + MINUTE * rng.uniform(30, 300)
        m["accepted"] = m["dispatched"] + MINUTE * math.exp(rng.gauss(3.2, 0.7))
        if category in ("not_warm", "below_standard", "no_heat", "leak"):
            m["arrived"] = m["accepted"] + MINUTE * math.exp(rng.gauss(3.5, 0.45))
            if rng.random() < 0.9:
                temp = round(min(24, max(8, rng.gauss(16.6, 1.8))), 1)
        m["resolved"] = (m["arrived"] or m["accepted"]) + MINUTE * math.exp(rng.gauss(4.4, 1.1))
        deadline["response"] = m["dispatched"] + dt.timedelta(minutes=30 if urgent else 60)
        deadline["resolution"] = m["dispatched"] + dt.timedelta(hours=2 if urgent else 24)
    deadline["callback"] = m["resolved"] + dt.timedelta(hours=24)
    status, satisfaction, attempts, unreached = "resolved", "", 0, False
    callbacks = []
    callback_at = m["resolved"] + MINUTE * math.exp(rng.gauss(5.0, 0.9))
    if created > SEASON_START + dt.timedelta(days=SEASON_DAYS - 1) and rng.random() < 0.5:
        status = ("dispatched", "accepted", "resolved")[rng.randrange(3)]
        if status != "resolved":
            m["resolved"] = None
            deadline["callback"] = None
        if status == "dispatched":
            m["accepted"] = m["arrived"] = None
            temp = None
    elif rng.random() < 0.01:
        status, unreached, attempts, m["closed"] = "closed", True, 3, callback_at + dt.timedelta(hours=5)
        callbacks += [(callback_at + dt.timedelta(hours=h), False, None, "", "retry") for h in (0, 2, 4)]
    else:
        status, m["closed"], satisfaction = "closed", callback_at, _pick(rng, SATISFACTION)
        if rng.random() < 0.05:
            attempts = 1
            callbacks.append((callback_at - dt.timedelta(hours=1), False, None, "", "retry"))
        callbacks.append((callback_at, True, True, satisfaction, "closed"))
    if status == "dispatched" and returned:
        status = "returned"
    repeat_at = created + MINUTE * math.exp(rng.gauss(4.5, 1.0)) if rng.random() < 0.04 else None
    district_id, compound_id, station_id = compound
    row = (
        ticket_id, f"B{ticket_id:011d}", status, "help", category, "urgent" if urgent else "normal", "phone",
        f"13{rng.randrange(10**9):09d}", "", "", "", district_id, compound_id, str(rng.randint(1, 12)),
        str(rng.randint(1, 4)), str(rng.randint(101, 1804)), station_id, 1.0, owner, owner, snapshot,
        _ts(deadline["dispatch"]), _ts(deadline["response"]), _ts(deadline["resolution"]), _ts(deadline["callback"]),
        _ts(created), _ts(m["first"]), _ts(m["dispatched"]), _ts(m["accepted"]), None, _ts(m["arrived"]),
        _ts(m["resolved"]), _ts(m["closed"]), _ts(max(v for v in (created, *m.values()) if v)),
        phone, "[]", "phone_guidance" if phone else "valve", "", temp, None, None, "", 0, satisfaction, attempts,
        None, unreached, reopen, returned, 1 if repeat_at else 0, 1 if repeat_at else 0, _ts(repeat_at), "", "",
        "", False,
    )  # fmt: skip
    events = [(ticket_id, "urge", _ts(repeat_at), owner, json.dumps({"repeat_call": True}))] if repeat_at else []
    return row, [(ticket_id, _ts(a), owner, r, r, f, s, "", o, "phone") for a, r, f, s, o in callbacks], events


TICKET_COLUMNS = (
    "id, number, status, kind, category, urgency, channel, caller_phone, caller_name, description, address, "
    "district_id, compound_id, building, unit, room, station_id, routing_confidence, owner_id, created_by_id, sla, "
    "dispatch_deadline, response_deadline, resolution_deadline, callback_deadline, created_at, first_dispatched_at, "
    "dispatched_at, accepted_at, departed_at, arrived_at, resolved_at, closed_at, updated_at, phone_resolved, "
    "guidance_steps, resolution_cause, resolution_note, arrival_indoor_temp, resolved_indoor_temp, "
    "extension_requested_until, extension_reason, extension_count, satisfaction, callback_attempts, "
    "last_callback_attempt_at, closed_unreached, reopen_count, return_count, urge_count, repeat_call_count, "
    "last_repeat_call_at, idempotency_key, idempotency_fingerprint, incident_code, incident_open"
)


def load(count: int) -> float:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from heatdesk.accounts.models import User
    from heatdesk.demo import demo_seed
    from heatdesk.geo.models import Compound
    from heatdesk.sla import policy

    call_command("migrate", verbosity=0)
    demo_seed()
    compounds = list(Compound.objects.values_list("district_id", "id", "station_id"))
    operators = list(User.objects.filter(role="operator").values_list("id", flat=True))
    snapshot = json.dumps(policy.policy_snapshot(urgency="normal"))
    rng = random.Random(2025)
    began = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        events, callbacks = [], []  # one COPY at a time on a connection: these go in after the tickets
        with raw.copy(f"COPY tickets_ticket ({TICKET_COLUMNS}) FROM STDIN") as copy:
            for ticket_id, created in enumerate(_arrivals(rng, count), start=1):
                row, callback_rows, event_rows = _ticket(rng, ticket_id, created, compounds, operators, snapshot)
                copy.write_row(row)
                callbacks += callback_rows
                events += event_rows
                if ticket_id % 100_000 == 0:
                    print(f"  … {ticket_id:,} tickets ({time.perf_counter() - began:.0f} s)", flush=True)
        columns = "ticket_id, at, actor_id, reached, contacted, fixed, satisfaction, comment, outcome, channel"
        with raw.copy(f"COPY tickets_ticketcallback ({columns}) FROM STDIN") as copy:
            for callback in callbacks:
                copy.write_row(callback)
        with raw.copy("COPY tickets_ticketevent (ticket_id, kind, at, actor_id, data) FROM STDIN") as copy:
            for event in events:
                copy.write_row(event)
        cursor.execute("SELECT setval('tickets_ticket_id_seq', %s)", [count])
        cursor.execute("ANALYZE")
    return time.perf_counter() - began


def time_requests(repeat: int, explain: bool) -> list[tuple[str, list[float], int]]:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from heatdesk.accounts.models import User
    from heatdesk.reports import kpis, selectors

    client = Client()
    client.force_login(User.objects.get(username="lead"))
    season = "from=2025-10-15&to=2026-04-15"
    cases = [
        ("kpis, whole season", f"/api/v1/reports/kpis?{season}"),
        ("kpis, one station", f"/api/v1/reports/kpis?{season}&station=cf-qiaokao"),
        ("kpis, one day", "/api/v1/reports/kpis?from=2026-01-10&to=2026-01-10"),
        ("kpis, one month, one company", "/api/v1/reports/kpis?from=2025-12-01&to=2025-12-31&company=futai"),
        ("kpis, one district, season", f"/api/v1/reports/kpis?{season}&district=150105"),
        ("kpis, one operator, season", f"/api/v1/reports/kpis?{season}&operator=80725"),
        ("kpis, one operator, one month", "/api/v1/reports/kpis?from=2025-12-01&to=2025-12-31&operator=80725"),
        ("rankings by station, season", f"/api/v1/reports/rankings?{season}&by=station"),
        ("rankings by company, season", f"/api/v1/reports/rankings?{season}&by=company"),
        ("hotspots, season", f"/api/v1/reports/hotspots?{season}"),
        ("hotspots, one station, season", f"/api/v1/reports/hotspots?{season}&station=cf-qiaokao"),
    ]
    results = []
    for name, path in cases:
        timings = []
        body = None
        for _ in range(repeat + 1):  # the first run warms the cache and is not counted
            began = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, response.content[:300]
            body = response.json()
        received = body["kpis"]["received"]["value"] if "kpis" in body else len(body["items"])
        results.append((name, timings[1:], received))
    if explain:
        from django.test.utils import CaptureQueriesContext

        period = selectors.period_parse(date_from="2025-10-15", date_to="2026-04-15")
        tickets = selectors.report_tickets(user=None, period=period, scope=selectors.ReportScope())
        with CaptureQueriesContext(connection) as captured:
            kpis.kpis_compute(tickets=tickets, as_of=SEASON_START + dt.timedelta(days=SEASON_DAYS))
        with connection.cursor() as cursor:
            for query in captured.captured_queries:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                print("\n".join(row[0] for row in cursor.fetchall()), end="\n\n")
    return results


def seal() -> float:
    """Seal the day book the way `heatdesk worker` does, with its own chore (no `seal-kpi-days`): run
    after run until a run finds nothing (the worker waits SEAL_BACKLOG_EVERY_SECONDS between them)."""
    import django

    django.setup()
    from django.db import connection

    from heatdesk.operations.management.commands.worker import worker_chores
    from heatdesk.reports.models import KpiSealedDay

    chore = next(chore for chore in worker_chores(deliver_batch=50) if chore.name == "kpi_days_seal")
    began, runs = time.perf_counter(), []
    while True:
        started = time.perf_counter()
        done = chore.run()
        runs.append(time.perf_counter() - started)
        if done < chore.busy_at:
            break
    seconds = time.perf_counter() - began
    print(
        f"the worker's chore sealed {KpiSealedDay.objects.count()} days in {len(runs)} runs; longest run "
        f"(the monitor's stall) {max(runs):.2f} s, median {statistics.median(runs):.2f} s"
    )
    with connection.cursor() as cursor:  # what autovacuum would do soon after: stats and visibility map
        cursor.execute("VACUUM ANALYZE reports_kpiresponsetime, reports_kpiday, reports_kpisealedday")
    return seconds


def migrate() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def table(title: str, results) -> None:
    print()
    print(title)
    print(f"{'request':<32} {'rows':>9} {'min ms':>8} {'median ms':>10} {'max ms':>8} {'target':>7}  result")
    for name, timings, rows in results:
        verdict = "PASS" if statistics.median(timings) < TARGET_MS else "FAIL"
        print(
            f"{name:<32} {rows:>9,} {min(timings):>8.0f} {statistics.median(timings):>10.0f} {max(timings):>8.0f} "
            f"{TARGET_MS:>7}  {verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded database (time the day book only)")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    if not args.reuse:
        recreate_database()
        seconds = load(args.tickets)
        print(f"loaded {args.tickets:,} tickets (+ callbacks and repeat-call events) in {seconds:.0f} s")
        table("Live (no day book): every ticket aggregated per request", time_requests(args.repeat, args.explain))
    migrate()
    print(f"day book sealed in {seal():.1f} s")
    table("With the KPI day book (sealed days + live open days)", time_requests(args.repeat, args.explain))


if __name__ == "__main__":
    main()
