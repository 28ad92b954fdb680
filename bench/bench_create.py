"""POST /api/v1/tickets over real HTTP against `heatdesk serve`: creates/s and latency percentiles.

Usage: .venv/bin/python bench/bench_create.py [--requests 2000] [--concurrency 8] [--postgres URL]
Runs on SQLite in a fresh data dir, and on PostgreSQL too when --postgres is given (a scratch database
that this script drops and recreates). Prints one table.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEATDESK = [sys.executable, "-m", "heatdesk.cli"]
ADDRESSES = [
    "回民区蓝爵小区{b}号楼{u}单元{r}",
    "赛罕区万达二期{b}号楼{u}单元{r}",
    "ljxq {b}-{u}-{r}",
    "玉泉区友谊小区{b}栋{u}单元{r}室",
    "新城区中山东路小区{b}号楼{u}-{r}",
    "翡翠梦溪苑二期{b}#{u}单元{r}",
]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(conn, method, path, body=None, headers=None):
    conn.request(
        method,
        path,
        body=json.dumps(body) if body is not None else None,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"null")


def run(database_url: str | None, requests: int, concurrency: int) -> dict:
    env = {**os.environ, "HEATDESK_DATA_DIR": tempfile.mkdtemp(prefix="heatdesk-bench-"), "HEATDESK_DEMO": "1"}
    env.pop("HEATDESK_DATABASE_URL", None)
    if database_url:
        env["HEATDESK_DATABASE_URL"] = database_url
    subprocess.run([*HEATDESK, "demo", "--no-serve"], env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [*HEATDESK, "serve", "--port", str(port), "--workers", "3", "--threads", "4"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                if _request(conn, "GET", "/api/v1/health")[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        tokens = [
            _request(conn, "POST", "/api/v1/auth/token", {"username": u, "password": "heatdesk-demo"})[1]["token"]
            for u in ("80725", "80720", "80734")
        ]
        latencies: list[float] = []
        errors: list[int] = []
        lock = threading.Lock()
        per_thread = requests // concurrency

        def worker(index: int) -> None:
            rng = random.Random(index)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {"Authorization": f"Bearer {tokens[index % len(tokens)]}"}
            for n in range(per_thread):
                address = rng.choice(ADDRESSES).format(
                    b=rng.randint(1, 20), u=rng.randint(1, 6), r=rng.randint(101, 1802)
                )
                body = {
                    "caller_phone": f"139{index:02d}{n:06d}",
                    "address": address,
                    "category": rng.choice(["not_warm"] * 8 + ["leak", "no_heat"]),
                    "description": "bench",
                }
                started = time.perf_counter()
                status, _ = _request(
                    conn, "POST", "/api/v1/tickets", body, {**headers, "Idempotency-Key": f"bench-{index}-{n}"}
                )
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if status != 201:
                        errors.append(status)

        started = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(10)
    latencies.sort()
    return {
        "database": "PostgreSQL" if database_url else "SQLite (WAL)",
        "requests": len(latencies),
        "errors": len(errors),
        "creates/s": len(latencies) / wall,
        "p50 ms": statistics.median(latencies) * 1000,
        "p99 ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "max ms": latencies[-1] * 1000,
    }


def _recreate(url: str) -> str:
    parsed = urllib.parse.urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--postgres", help="e.g. postgresql://postgres@127.0.0.1:5432/heatdesk_bench_create")
    args = parser.parse_args()
    rows = [run(None, args.requests, args.concurrency)]
    if args.postgres:
        rows.append(run(_recreate(args.postgres), args.requests, args.concurrency))
    columns = list(rows[0])
    print(f"POST /api/v1/tickets, {args.concurrency} concurrent clients, gunicorn 3 workers × 4 threads, 2 cores")
    print(" | ".join(f"{c:>14}" for c in columns))
    for row in rows:
        print(" | ".join(f"{row[c]:>14.1f}" if isinstance(row[c], float) else f"{row[c]!s:>14}" for c in columns))


if __name__ == "__main__":
    main()
