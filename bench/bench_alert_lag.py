"""Alert lag under web load (issue 11): 16 clients create and act on tickets over HTTP against `heatdesk serve`
while a real `heatdesk worker` runs; the SLA worker's raise lag is raised_at - threshold_at of every alert
whose threshold fell inside the run, printed as p50 / p95 / max.

    .venv/bin/python bench/bench_alert_lag.py                   # SQLite in a fresh temporary data dir
    .venv/bin/python bench/bench_alert_lag.py --clients 16 --seconds 60
    createdb -h 127.0.0.1 -U postgres heatdesk_bench
    HEATDESK_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/heatdesk_bench .venv/bin/python bench/bench_alert_lag.py

The SLA windows are shortened for the run (dispatch 20 s, response 30 s, resolution 60 s; warnings at half),
so thresholds fall due while the clients are busy. The PostgreSQL database must be a scratch one (its
name must contain "bench"): the bench seeds it with the demo city.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from heatdesk.demo import demo_seed
demo_seed()
"""
OPERATORS = ["80725", "80720", "80734"]
COMPOUNDS = {"lanjuexiaoqu": "station-cf-qiaokao", "chunyuxiaoqu": "station-cf-jinqiao"}
WINDOWS = {"dispatch": 20, "response": 30, "resolution": 60}


def percentiles(values: list[float]) -> tuple[float, float, float]:
    if not values:
        return (float("nan"),) * 3
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Http:
    def __init__(self, base_url: str, token: str = "") -> None:
        self.base_url, self.token = base_url, token

    def call(self, method: str, path: str, body: object | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + "/api/v1/" + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, {}


def sign_in(base_url: str, username: str) -> Http:
    status, body = Http(base_url).call("POST", "auth/token", {"username": username, "password": "heatdesk-demo"})
    if status != 200:
        sys.exit(f"sign-in as {username} failed: {status}")
    return Http(base_url, body["token"])


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen([sys.executable, "-m", "heatdesk.cli", *args], env=env, stdout=handle, stderr=handle)


def wait_healthy(base_url: str, process: subprocess.Popen) -> None:
    for _ in range(200):
        if process.poll() is not None:
            sys.exit("heatdesk serve exited early")
        try:
            if Http(base_url).call("GET", "health")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit("heatdesk serve did not become healthy")


class Load:
    """One client: an operator opening tickets (half dispatched at once) and the station acting on them."""

    def __init__(self, sessions: dict[str, Http], index: int) -> None:
        self.desk = sessions[OPERATORS[index % len(OPERATORS)]]
        self.compound = list(COMPOUNDS)[index % len(COMPOUNDS)]
        self.station = sessions[COMPOUNDS[self.compound]]
        self.stop_at, self.latencies, self.errors = 0.0, [], 0
        self.rng = random.Random(index)

    def timed(self, client: Http, method: str, path: str, body: object | None = None) -> dict:
        started = time.monotonic()
        status, reply = client.call(method, path, body)
        self.latencies.append(time.monotonic() - started)
        if status >= 500:
            self.errors += 1
        return reply if status < 400 else {}

    def run(self) -> None:
        while time.monotonic() < self.stop_at:
            dispatch = self.rng.random() < 0.5
            phone = f"139{self.rng.randrange(10**8):08d}"
            ticket = self.timed(
                self.desk,
                "POST",
                "tickets",
                {"caller_phone": phone, "compound": self.compound, "building": "3", "dispatch": dispatch},
            )
            number = ticket.get("number")
            if not number:
                continue
            self.timed(self.desk, "GET", "tickets?status=received&page_size=20")
            if dispatch and self.rng.random() < 0.5:
                self.timed(self.station, "POST", f"tickets/{number}/accept")
                self.timed(self.station, "POST", f"tickets/{number}/note", {"note": "已联系住户"})
            self.timed(self.desk, "GET", f"tickets/{number}")


def alert_lags(env: dict[str, str], since: float, until: float) -> list[float]:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heatdesk.settings")
    sys.path.insert(0, str(ROOT))
    import datetime as dt

    import django

    django.setup()
    from heatdesk.supervision.models import Alert

    start_at = dt.datetime.fromtimestamp(since, tz=dt.UTC)
    end_at = dt.datetime.fromtimestamp(until, tz=dt.UTC)
    rows = Alert.objects.filter(threshold_at__gte=start_at, threshold_at__lt=end_at).values_list(
        "raised_at", "threshold_at"
    )
    return [(raised - threshold).total_seconds() for raised, threshold in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=45)
    parser.add_argument("--web-workers", type=int, default=2)
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items()}
    if not env.get("HEATDESK_DATABASE_URL"):
        env["HEATDESK_DATA_DIR"] = env.get("HEATDESK_DATA_DIR") or tempfile.mkdtemp(prefix="heatdesk-bench-lag-")
    elif "bench" not in env["HEATDESK_DATABASE_URL"].rsplit("/", 1)[-1]:
        sys.exit("point HEATDESK_DATABASE_URL at a scratch database named *bench*")
    env.setdefault("HEATDESK_LOG_LEVEL", "WARNING")
    env["DJANGO_SETTINGS_MODULE"] = "heatdesk.settings"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    logs = Path(tempfile.mkdtemp(prefix="heatdesk-bench-lag-logs-"))
    subprocess.run([sys.executable, "-c", SEED], env=env, check=True)

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    web = start(
        ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.web_workers)],
        env,
        logs / "serve.log",
    )
    worker = None
    try:
        wait_healthy(base_url, web)
        lead = sign_in(base_url, "lead")
        rules = [
            {"urgency": urgency, "stage": stage, "seconds": seconds, "warn_at": 0.5}
            for urgency in ("normal", "urgent")
            for stage, seconds in WINDOWS.items()
        ]
        status, _ = lead.call("PUT", "sla/policy", rules)
        assert status == 200, status
        worker = start(["worker"], env, logs / "worker.log")
        sessions = {name: sign_in(base_url, name) for name in [*OPERATORS, *COMPOUNDS.values()]}
        clients = [Load(sessions, index) for index in range(args.clients)]
        started = time.time()
        for client in clients:
            client.stop_at = time.monotonic() + args.seconds
        threads = [threading.Thread(target=client.run) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        ended = time.time()
        time.sleep(5)  # thresholds that fell due at the very end get their chance to be raised
    finally:
        for process in (worker, web):
            if process is not None:
                process.terminate()
                process.wait(timeout=20)

    latencies = [value for client in clients for value in client.latencies]
    errors = sum(client.errors for client in clients)
    lags = alert_lags(env, started, ended)
    p50, p95, worst = percentiles(lags)
    r50, r95, rmax = percentiles(latencies)
    print(f"clients {args.clients}, {args.seconds:.0f} s of load, web workers {args.web_workers}, logs in {logs}")
    print(f"requests {len(latencies)} ({len(latencies) / (ended - started):.1f}/s), 5xx {errors}")
    print(f"request latency  p50 {r50 * 1000:.0f} ms  p95 {r95 * 1000:.0f} ms  max {rmax * 1000:.0f} ms")
    print(f"alerts raised {len(lags)}")
    print(f"SLA raise lag (raised_at - threshold_at)  p50 {p50:.2f} s  p95 {p95:.2f} s  max {worst:.2f} s")


if __name__ == "__main__":
    main()
