"""The full first month of a heating season through the real services: `heatdesk simulate-season`.

Usage: .venv/bin/python bench/bench_season.py [--requests 8213] [--days 31] [--seed 12345] [--profile 300]
                                             [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
Runs on SQLite in a fresh data dir (seeding the demo city) — or, with --postgres SERVER_URL, in a fresh
PostgreSQL database created on that server and dropped afterwards — and prints the run time, the CPU
time it used, the machine's load before and after (absolute times are pessimistic under load), how the
created tickets cluster by building beside public heat-complaint records (`--report-shape`), the
ground-truth table (simulator vs reports, and the callbacks by channel: phone or SMS rating link) and,
with --profile N, the SQL queries each kind of service call costs, measured on an N-request season.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
HEATDESK = [sys.executable, "-m", "heatdesk.cli"]
TARGET_SECONDS = 60  # issue 19: 8,213 requests in under a minute


def _env(directory: str, database_url: str = "") -> dict:
    env = {**os.environ, "HEATDESK_DATA_DIR": directory}
    env.pop("HEATDESK_DATABASE_URL", None)
    if database_url:
        env["HEATDESK_DATABASE_URL"] = database_url
    return env


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the server for one run ("" = SQLite); dropped afterwards."""
    if not server_url:
        yield ""
        return
    import psycopg

    name = f"heatdesk_season_bench_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def run_season(requests: int, days: int, seed: int, database_url: str = "") -> tuple[float, float, int, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    command = [
        *HEATDESK,
        "simulate-season",
        "--report-shape",
        f"--requests={requests}",
        f"--days={days}",
        f"--seed={seed}",
        "--quiet",
    ]
    with tempfile.TemporaryDirectory(prefix="heatdesk-season-") as directory:
        done = subprocess.run(command, env=_env(directory, database_url), cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode, done.stdout + done.stderr


PROFILE = r"""
import collections, datetime as dt, os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heatdesk.settings")
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
from heatdesk.demo import demo_seed
demo_seed()
from heatdesk.reports.season import SeasonSimulator
queries, cpu, calls = collections.Counter(), collections.Counter(), collections.Counter()
current = []
connection.execute_wrappers.append(lambda execute, *a: (current and queries.update([current[-1]]), execute(*a))[1])
simulator = SeasonSimulator(requests=int(sys.argv[1]), days=2, seed=1, start=dt.date(2026, 11, 1))
for name in [n for n in dir(simulator) if n.startswith("on_")]:
    original = getattr(simulator, name)
    def timed(*args, _name=name[3:], _original=original, **kwargs):
        current.append(_name); began = time.process_time()
        try:
            return _original(*args, **kwargs)
        finally:
            cpu[_name] += time.process_time() - began; calls[_name] += 1; current.pop()
    setattr(simulator, name, timed)
simulator.run()
print(f"{'step':<20} {'calls':>6} {'SQL/call':>9} {'CPU ms/call':>12}")
for name, n in calls.most_common():
    print(f"{name:<20} {n:>6} {queries[name] / n:>9.1f} {cpu[name] / n * 1000:>12.2f}")
"""


def profile(requests: int) -> str:
    with tempfile.TemporaryDirectory(prefix="heatdesk-season-") as directory:
        done = subprocess.run(
            [sys.executable, "-c", PROFILE, str(requests)],
            env=_env(directory),
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    return done.stdout + done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=8213)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--profile", type=int, default=0, help="also profile SQL per step on N requests")
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL: run in a fresh database there")
    args = parser.parse_args()
    before = load()
    with fresh_database(args.postgres) as database_url:
        wall, cpu, code, output = run_season(args.requests, args.days, args.seed, database_url)
    print(output.rstrip())
    print()
    print(f"{'database':<10} {'requests':>8} {'days':>5} {'wall s':>8} {'CPU s':>8} {'target s':>9}  result")
    verdict = "PASS" if wall < TARGET_SECONDS and code == 0 else ("FAIL (slow)" if code == 0 else "FAIL")
    vendor = "postgresql" if args.postgres else "sqlite"
    print(f"{vendor:<10} {args.requests:>8} {args.days:>5} {wall:>8.1f} {cpu:>8.1f} {TARGET_SECONDS:>9}  {verdict}")
    print(f"machine before: {before}; after: {load()} (wall time is pessimistic under load, CPU s less so)")
    if args.profile:
        print()
        print(profile(args.profile).rstrip())
    sys.exit(code)


if __name__ == "__main__":
    main()
