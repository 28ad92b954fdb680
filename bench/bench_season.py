"""The full first month of a heating season through the real services: `heatdesk simulate-season`.

Usage: .venv/bin/python bench/bench_season.py [--requests 8213] [--days 31] [--seed 12345] [--profile 300]
Runs on SQLite in a fresh data dir (seeding the demo city), prints the run time, the CPU time it used,
how the created tickets cluster by building beside public heat-complaint records (`--report-shape`),
the ground-truth table (simulator vs reports) and, with --profile N, the SQL queries each kind of
service call costs, measured on an N-request season in another fresh data dir.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEATDESK = [sys.executable, "-m", "heatdesk.cli"]
TARGET_SECONDS = 120


def _env(directory: str) -> dict:
    env = {**os.environ, "HEATDESK_DATA_DIR": directory}
    env.pop("HEATDESK_DATABASE_URL", None)
    return env


def run_season(requests: int, days: int, seed: int) -> tuple[float, float, int, str]:
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
        done = subprocess.run(command, env=_env(directory), cwd=ROOT, capture_output=True, text=True)
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
    args = parser.parse_args()
    wall, cpu, code, output = run_season(args.requests, args.days, args.seed)
    print(output.rstrip())
    print()
    print(f"{'requests':<10} {'days':>5} {'wall s':>8} {'CPU s':>8} {'target s':>9}  result")
    verdict = "PASS" if wall < TARGET_SECONDS and code == 0 else ("FAIL (slow)" if code == 0 else "FAIL")
    print(f"{args.requests:<10} {args.days:>5} {wall:>8.1f} {cpu:>8.1f} {TARGET_SECONDS:>9}  {verdict}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    if args.profile:
        print()
        print(profile(args.profile).rstrip())
    sys.exit(code)


if __name__ == "__main__":
    main()
