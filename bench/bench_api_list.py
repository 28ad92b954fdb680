"""Server time of GET /api/v1/tickets (issue 19's "open list of one team" and "search by phone"), through
Django's test Client (full middleware, no network), with the statements per request.

Usage: .venv/bin/python bench/bench_api_list.py [--tickets 20000] [--requests 200] [--data-dir DIR] [--profile]
Loads `--tickets` tickets (bench_pages' loader) into a SQLite database in DIR the first time (kept, so a
before/after pair times the same rows), or into $HEATDESK_DATABASE_URL when it is set (loaded when empty).
`--profile` prints cProfile's top functions over the requests of each workload.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
OPEN = "received,dispatched,accepted,resolved,returned"


def _setup(tickets: int) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "heatdesk.settings"
    import django

    django.setup()
    from bench_pages import build
    from django.core.management import call_command
    from django.db import connection

    from heatdesk.demo import demo_seed
    from heatdesk.tickets.models import Ticket

    call_command("migrate", verbosity=0)
    if not Ticket.objects.filter(number__startswith="GR").exists():
        demo_seed()
        build(tickets)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")


def measure(requests: int, profile: bool) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from heatdesk.tickets.models import Ticket

    client = Client()
    client.force_login(get_user_model().objects.get(username="80725"))
    phone = Ticket.objects.order_by("-id").values_list("caller_phone", flat=True).first()
    workloads = {
        "open list, team": {"station": "cf-qiaokao", "status": OPEN, "page_size": 25},
        "phone search": {"phone": phone, "page_size": 25},
        "keyword q=<phone>": {"q": phone, "page_size": 25},
    }
    print(f"{connection.vendor}, {Ticket.objects.count()} tickets, {requests} requests each, load {os.getloadavg()}")
    for name, params in workloads.items():
        for _ in range(5):
            assert client.get("/api/v1/tickets", params).status_code == 200
        times = []
        profiler = cProfile.Profile() if profile else None
        statements: list[str] = []
        with connection.execute_wrapper(lambda run, sql, *rest, seen=statements: seen.append(sql) or run(sql, *rest)):
            response = client.get("/api/v1/tickets", params)
        for _ in range(requests):
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            response = client.get("/api/v1/tickets", params)
            if profiler:
                profiler.disable()
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        body = response.json()
        print(
            f"{name:20} p50 {statistics.median(times):6.2f} ms  p95 {times[int(len(times) * 0.95) - 1]:6.2f} ms"
            f"  statements {len(statements)}  count {body['count']}  items {len(body['items'])}"
        )
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        if os.environ.get("BENCH_SQL"):
            print(*statements, sep="\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--data-dir")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("HEATDESK_DATA_DIR", args.data_dir or tempfile.mkdtemp(prefix="heatdesk-bench-api-"))
    _setup(args.tickets)
    measure(args.requests, args.profile)


if __name__ == "__main__":
    main()
