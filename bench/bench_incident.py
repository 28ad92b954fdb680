"""Benchmark of an incident's restore (停热事件恢复): N attached calls moved to 待回访 in one transaction.

    .venv/bin/python bench/bench_incident.py                     # SQLite in a fresh temporary data dir
    createdb -h 127.0.0.1 -U postgres heatdesk_bench
    HEATDESK_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/heatdesk_bench .venv/bin/python bench/bench_incident.py

Seeds the demo city, declares an incident on one compound, attaches --calls calls through the real
intake service (`incidents.services.incident_call_take`, the path POST /api/v1/tickets takes), then times
`incident_restore`: the row locks, the bulk status change, 2N clock rows met/started and N events, and the
commit. Prints the restore time against the 2 s target. The PostgreSQL database must be a scratch one
(its name must contain "bench"): the bench empties its tickets and incidents.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 2.0


def setup_django() -> str:
    if not os.environ.get("HEATDESK_DATABASE_URL") and not os.environ.get("HEATDESK_DATA_DIR"):
        os.environ["HEATDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="heatdesk-bench-")
    os.environ.setdefault("HEATDESK_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heatdesk.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "postgresql" and "bench" not in name:
        sys.exit(f"refusing to empty {name!r}: point HEATDESK_DATABASE_URL at a scratch database named *bench*")
    call_command("migrate", verbosity=0)
    return f"{connection.vendor} ({name})"


def empty_database() -> None:
    from heatdesk.incidents.models import BurstSuggestion, Incident, IncidentArea, IncidentEvent
    from heatdesk.notify.models import OutboxMessage
    from heatdesk.supervision.models import Alert
    from heatdesk.tickets.models import SlaClock, Ticket, TicketCallback, TicketEvent

    for model in (BurstSuggestion, IncidentEvent, IncidentArea):
        model.objects.all().delete()
    Incident.objects.all().delete()
    for model in (OutboxMessage, Alert, SlaClock, TicketEvent, TicketCallback):
        model.objects.all().delete()
    Ticket.objects.update(related_to=None, parent=None)
    Ticket.objects.all().delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--queries", action="store_true", help="list the restore's slowest statements")
    parser.add_argument("--profile", action="store_true", help="profile the restore (Python side)")
    args = parser.parse_args()
    database = setup_django()

    from heatdesk.accounts.models import User
    from heatdesk.core import clock
    from heatdesk.demo import demo_seed
    from heatdesk.incidents import services
    from heatdesk.tickets.models import Ticket
    from heatdesk.tickets.services import TicketIntake

    demo_seed()
    empty_database()
    operators = list(User.objects.filter(username__in=["80725", "80720", "80734"]))
    lead = User.objects.get(username="lead")
    declaration = services.IncidentDeclaration(
        compounds=("lanjuexiaoqu",), cause="换热站循环泵故障", expected_restore_at=clock.now() + dt.timedelta(hours=4)
    )
    incident = services.incident_declare(actor=lead, declaration=declaration)
    started = time.perf_counter()
    for i in range(args.calls):
        call = TicketIntake(
            caller_phone=f"135{i:08d}",
            category="no_heat",
            compound="lanjuexiaoqu",
            building=str(1 + i % 12),
            unit=str(1 + i % 4),
            room=str(101 + i % 600),
        )
        services.incident_call_take(actor=operators[i % len(operators)], code=incident.code, call=call)
    attach_seconds = time.perf_counter() - started

    queries: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        begun = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append((time.perf_counter() - begun, sql[:100]))

    import cProfile
    import pstats

    from django.db import connection

    profile = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    with connection.execute_wrapper(timed):
        if profile:
            profile.enable()
        services.incident_restore(actor=lead, code=incident.code, note="已恢复供热")
        if profile:
            profile.disable()
    restore_seconds = time.perf_counter() - started
    if profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(15)
    if args.queries:
        for seconds, sql in sorted(queries, reverse=True)[:12]:
            print(f"{seconds * 1000:9.1f} ms  {sql}")
        print(f"{len(queries)} statements, {sum(s for s, _ in queries):.3f} s in the database")

    moved = Ticket.objects.filter(incident_code=incident.code, status="resolved").count()
    print(f"\nincident restore bench · {database}")
    print(
        f"calls attached              {args.calls:>10}   ({attach_seconds:.1f} s, {args.calls / attach_seconds:.0f}/s)"
    )
    print(f"calls moved to 待回访       {moved:>10}")
    verdict = "OK" if restore_seconds < TARGET_SECONDS else "TOO SLOW"
    print(f"restore (one transaction)   {restore_seconds:>10.3f} s   target < {TARGET_SECONDS:.0f} s: {verdict}")
    if moved != args.calls:
        sys.exit("not every call was moved")


if __name__ == "__main__":
    main()
