"""Benchmark of the SMS chore (`feedback.cursor.sms_from_events`): a backlog of ticket events → queued SMS.

    .venv/bin/python bench/bench_sms_cursor.py [--tickets 1000]     # SQLite in a fresh temporary data dir

Seeds the demo city, opens --tickets dispatched tickets through `tickets.services.ticket_intake` (two events
each: create and dispatch, no SMS queued by the intake), then times the worker's chore working the backlog
down in batches of 200, and one more pass over an empty backlog (the steady-state cost of a second's pass).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=1000)
    args = parser.parse_args()
    os.environ.setdefault("HEATDESK_DATA_DIR", tempfile.mkdtemp(prefix="heatdesk-bench-"))
    os.environ.setdefault("HEATDESK_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heatdesk.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from heatdesk.accounts.models import User
    from heatdesk.demo import demo_seed
    from heatdesk.feedback.cursor import sms_from_events
    from heatdesk.feedback.models import SmsMessage
    from heatdesk.tickets.services import TicketIntake, ticket_intake

    call_command("migrate", verbosity=0)
    demo_seed()
    operator = User.objects.get(username="80725")
    started = time.perf_counter()
    for i in range(args.tickets):
        call = TicketIntake(caller_phone=f"139{i:08d}", category="not_warm", compound="lanjuexiaoqu", room=str(i))
        ticket_intake(actor=operator, call=call, dispatch=True)
    print(f"intake: {args.tickets} tickets in {time.perf_counter() - started:.1f} s")
    passes, started = 0, time.perf_counter()
    while sms_from_events(limit=200):
        passes += 1
    backlog = time.perf_counter() - started
    started = time.perf_counter()
    sms_from_events(limit=200)
    idle = time.perf_counter() - started
    queued = SmsMessage.objects.count()
    print(
        f"chore: {2 * args.tickets} events → {queued} SMS in {passes} passes, {backlog:.2f} s "
        f"({backlog / max(1, 2 * args.tickets) * 1000:.2f} ms/event); an idle pass {idle * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
