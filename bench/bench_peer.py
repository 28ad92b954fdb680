"""Heatdesk against django-helpdesk 2.6.1, side by side on this machine: the ratios table of issue 19.

Usage: .venv/bin/python bench/bench_peer.py [--tickets 20000] [--clients 8] [--seconds 15] [--rounds 3]
                                            [--db sqlite|postgres] [--workers 2] [--threads 4] [--keep]

Everything is made at run time under one temp dir (kept with --keep): the peer is pip-installed from the
package index into a throwaway virtualenv with a generated Django project (peer_helpdesk.py); Heatdesk
runs from this tree in a fresh HEATDESK_DATA_DIR. On PostgreSQL each gets a scratch database that this
script drops and recreates (heatdesk_bench_peer_hd / heatdesk_bench_peer_dh on 127.0.0.1:5432).

Both hold the same tickets (same stations/queues, phones, times; ~10 % open). Heatdesk is loaded only
through its public doors (peer_load.py): `heatdesk demo --no-serve`, `heatdesk import-tickets` for the
history and the other teams' open tickets, and POST /api/v1/tickets (dispatched, some accepted by the
crew) for the open tickets of the team that is measured, so those carry their live SLA clocks and events.
The peer gets one queue per Heatdesk station and the same rows by bulk insert, each with its "Ticket
Opened" follow-up.
Both are served by gunicorn with the same workers/threads on 127.0.0.1 and driven in turn by N client
threads (keep-alive sessions, loopback only, bounded in time) in alternating rounds. CPU per request is
the gunicorn processes' utime+stime from /proc over the round, divided by the requests served.

What is compared (peer | Heatdesk):
  create            POST /api/tickets/ (session + CSRF)      | POST /api/v1/tickets (Bearer, Idempotency-Key)
  open list, team   datatables JSON, queue=team, Open        | GET /api/v1/tickets?station=…&status=<open>
  board             list page + its datatables JSON (reload) | GET /station/board/ (the full fragment)
  board_poll        (the same reload)                        | the poll after a change: the diff of the last 13 s
  board_idle        (the same reload)                        | the page's poll while nothing changed (204)
  phone search      keyword search datatables q=<phone>      | GET /api/v1/tickets?phone=…
  keyword search    (the same keyword search)                | GET /api/v1/tickets?q=<phone>
Pages are 25 rows on both sides. Ratio > 1 means Heatdesk is better.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peer_helpdesk as peer
from bench_create import _free_port
from bench_pages import _recreate
from peer_load import (
    CATEGORIES,
    DEMO_PASSWORD,
    HEATDESK,
    OPERATORS,
    gazetteer,
    heatdesk_import,
    heatdesk_open,
    login,
    make_specs,
    token,
)

ROOT = Path(__file__).resolve().parents[1]
OPEN = "received,dispatched,accepted,resolved,returned"
PG = "postgresql://postgres@127.0.0.1:5432/"
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---- Servers ----------------------------------------------------------------------------------------


def wait_up(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server for {url} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=5).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit(f"server for {url} did not come up")


def server_cpu(master: int) -> float:
    """utime+stime in seconds of a gunicorn master and its workers (live processes only)."""
    pids = [master]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / CLK_TCK


def stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


# ---- The workloads ----------------------------------------------------------------------------------

WORKLOADS = ("create", "open_list", "board", "board_poll", "board_idle", "phone", "keyword")


class Heatdesk:
    name = "Heatdesk"

    def __init__(self, base: str, process: subprocess.Popen, team: str, phone: str, compounds: list[dict]):
        self.base, self.process, self.team, self.phone, self.compounds = base, process, team, phone, compounds
        self.tokens = [token(base, u) for u in OPERATORS]
        self.board_cookies = login(base, f"station-{team}", DEMO_PASSWORD)
        self.run_id = f"{time.time_ns():x}"

    def session(self, workload: str, client: int) -> requests.Session:
        session = requests.Session()
        if workload in ("board", "board_poll", "board_idle"):
            session.cookies.update(self.board_cookies)
            if workload == "board_idle":  # the page's state after its first load
                first = session.get(f"{self.base}/station/board/", timeout=60)
                session.board = {"v": first.headers["X-Board-Version"], "since": first.headers["X-Board-Since"]}
        else:
            session.headers["Authorization"] = f"Bearer {self.tokens[client % len(self.tokens)]}"
        return session

    def call(self, workload: str, session: requests.Session, rng: random.Random, key: str) -> bool:
        base = self.base
        if workload == "create":
            compound = rng.choice(self.compounds)
            address = f"{compound['compound']}{rng.randint(1, 30)}号楼{rng.randint(1, 6)}单元{rng.randint(101, 1802)}"
            body = {"caller_phone": f"15{rng.randint(0, 999_999_999):09d}", "address": address}
            body.update({"category": rng.choice(list(CATEGORIES)), "description": "暖气不热"})
            headers = {"Idempotency-Key": f"{self.run_id}-{key}"}
            return session.post(f"{base}/api/v1/tickets", json=body, headers=headers, timeout=60).status_code == 201
        if workload == "board":
            return session.get(f"{base}/station/board/", timeout=60).status_code == 200
        if workload == "board_poll":  # what the page's 3 s poll costs when the board changed: the diff
            params = {"v": "changed", "since": f"{time.time() - 3:.6f}"}
            headers = {"X-Board-Diff": "1"}
            response = session.get(f"{base}/station/board/", params=params, headers=headers, timeout=60)
            return response.status_code == 200
        if workload == "board_idle":  # the page's 3 s poll as its script makes it: 204 while nothing changed
            state = session.board
            headers = {"X-Board-Diff": "1"}
            response = session.get(f"{base}/station/board/", params=state, headers=headers, timeout=60)
            if response.status_code == 200:
                state.update(v=response.headers["X-Board-Version"], since=response.headers["X-Board-Since"])
            return response.status_code in (200, 204)
        params = {
            "open_list": {"station": self.team, "status": OPEN},
            "phone": {"phone": self.phone},
            "keyword": {"q": self.phone},
        }[workload]
        response = session.get(f"{base}/api/v1/tickets", params={**params, "page_size": 25}, timeout=60)
        return response.status_code == 200 and response.json()["count"] > 0


class Peer:
    name = "django-helpdesk"

    def __init__(self, base: str, process: subprocess.Popen, queues: dict[str, int], team: str, phone: str):
        self.base, self.process, self.queues, self.team = base, process, queues, team
        self.cookies = login(base, peer.USER, peer.PASSWORD)
        self.list_page = f"/tickets/?queue={queues[team]}&status=1&status=2"
        self.open_data = self._datatables_url(self.list_page)
        self.search_data = self._datatables_url(f"/tickets/?q={phone}")

    def _datatables_url(self, page: str) -> str:
        """The JSON the list page's table loads, as the page itself names it."""
        session = self.session("", 0)
        html = session.get(self.base + page, timeout=60).text
        query = re.search(r"datatables_ticket_list/([A-Za-z0-9+/=]+)", html).group(1)
        json.loads(base64.b64decode(query))  # the page's own query, checked readable
        return f"/datatables_ticket_list/{query}?draw=1&start=0&length=25"

    def session(self, workload: str, client: int) -> requests.Session:
        session = requests.Session()
        session.cookies.update(self.cookies)
        session.headers.update({"X-CSRFToken": self.cookies["csrftoken"], "Referer": f"{self.base}/"})
        return session

    def call(self, workload: str, session: requests.Session, rng: random.Random, key: str) -> bool:
        base = self.base
        if workload == "create":
            code = rng.choice(list(self.queues))
            phone = f"15{rng.randint(0, 999_999_999):09d}"
            body = {"queue": self.queues[code], "title": f"暖气不热 {code} {key}", "priority": 3}
            body["description"] = f"来电 {phone}：暖气不热"
            return session.post(f"{base}/api/tickets/", json=body, timeout=60).status_code == 201
        if workload == "board":  # a reload of the team's list: the page, then the rows its table fetches
            page = session.get(base + self.list_page, timeout=60)
            return page.status_code == 200 and self._rows(session, self.open_data)
        return self._rows(session, self.open_data if workload == "open_list" else self.search_data)

    def _rows(self, session: requests.Session, path: str) -> bool:
        response = session.get(self.base + path, timeout=60)
        return response.status_code == 200 and response.json()["recordsFiltered"] > 0


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    cpu: float = 0.0

    def p(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000 if ordered else float("nan")


def drive(system, workload: str, clients: int, seconds: float, tally: Tally, max_requests: int = 100_000) -> None:
    """N client threads call the workload until the time is up (or the cap is hit); adds to the tally."""
    sessions = [system.session(workload, i) for i in range(clients)]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    tag = f"{workload}-{time.monotonic_ns():x}"

    def client(index: int) -> None:
        rng = random.Random(f"{tag}-{index}")
        latencies, errors, n = [], 0, 0
        while time.monotonic() < deadline and n < max_requests // clients:
            started = time.perf_counter()
            try:
                ok = system.call(workload, sessions[index], rng, f"{tag}-{index}-{n}")
            except (requests.RequestException, ValueError, KeyError):
                ok = False
            latencies.append(time.perf_counter() - started)
            errors += not ok
            n += 1
        with lock:
            tally.latencies += latencies
            tally.errors += errors

    cpu_before, started = server_cpu(system.process.pid), time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tally.seconds += time.perf_counter() - started
    tally.cpu += server_cpu(system.process.pid) - cpu_before
    for session in sessions:
        session.close()


def measure(systems: list, args) -> dict[tuple[str, str], Tally]:
    """A short warm-up of each workload, then rounds that alternate which system goes first."""
    chosen = set(args.workloads.split(","))
    if chosen & {"phone", "board_poll", "board_idle"}:  # the peer's side of these is its keyword search or list
        chosen |= {"keyword", "board"}
    workloads = [w for w in WORKLOADS if w in chosen]
    tallies = {(s.name, w): Tally() for s in systems for w in WORKLOADS}
    for system in systems:
        for workload in workloads:
            drive(system, workload, args.clients, 1.0, Tally())
    for round_index in range(args.rounds):
        order = systems if round_index % 2 == 0 else systems[::-1]
        for workload in workloads:
            for system in order:
                if isinstance(system, Peer) and workload in ("phone", "board_poll", "board_idle"):
                    continue  # no phone field: the peer's phone search is its keyword search; no poll: a reload
                drive(system, workload, args.clients, args.seconds, tallies[(system.name, workload)])
        print(f"round {round_index + 1}/{args.rounds} done", file=sys.stderr)
    tallies[(Peer.name, "phone")] = tallies[(Peer.name, "keyword")]
    tallies[(Peer.name, "board_poll")] = tallies[(Peer.name, "board")]
    tallies[(Peer.name, "board_idle")] = tallies[(Peer.name, "board")]
    return tallies


def table(tallies: dict, board_bytes: tuple[int, int]) -> list[str]:
    def get(name: str, workload: str) -> Tally:
        return tallies[(name, workload)]

    def rate(name):
        return len(get(name, "create").latencies) / max(get(name, "create").seconds, 1e-9)

    def cpu(name):
        return get(name, "create").cpu / max(len(get(name, "create").latencies), 1) * 1000

    rows = []
    if get(Heatdesk.name, "create").latencies:
        rows.append(("create over the API, tickets/s", rate(Peer.name), rate(Heatdesk.name), "{:.1f}", True))
        rows.append(("create, server CPU per request", cpu(Peer.name), cpu(Heatdesk.name), "{:.0f} ms", False))
    for label, workload, share in (
        ("create, p50", "create", 0.5),
        ("create, p99", "create", 0.99),
        ("open list of one team, p50", "open_list", 0.5),
        (f"station board fragment ({board_bytes[1] // 1024} KB), p50", "board", 0.5),
        ("station board poll after a change (diff), p50", "board_poll", 0.5),
        ("station board poll, nothing changed (204), p50", "board_idle", 0.5),
        ("search by phone, p50", "phone", 0.5),
        ("keyword search `q=<phone>`, p50", "keyword", 0.5),
    ):
        if get(Heatdesk.name, workload).latencies:  # measured (see --workloads)
            rows.append(
                (label, get(Peer.name, workload).p(share), get(Heatdesk.name, workload).p(share), "{:.0f} ms", 0)
            )
    lines = ["| workload | django-helpdesk | Heatdesk | ratio |", "|---|---|---|---|"]
    for label, theirs, ours, unit, higher_is_better in rows:
        ratio = ours / theirs if higher_is_better else theirs / ours
        peer_cell = unit.format(theirs) + (" (peer's list)" if "board" in label else "")
        lines.append(f"| {label} | {peer_cell} | {unit.format(ours)} | {ratio:.2f}× |")
    for (name, workload), tally in sorted(tallies.items()):
        if tally.errors:
            lines.append(f"\n{name} {workload}: {tally.errors} of {len(tally.latencies)} requests failed")
    return lines


# ---- The run ----------------------------------------------------------------------------------------


def _drop(url: str) -> None:
    import psycopg

    parsed = urllib.parse.urlparse(url)
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)')


def _analyze(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def prepare(args, tmp: Path, urls: dict, processes: list) -> tuple[list, tuple[int, int], str]:
    """Install and load both systems, start both servers; returns the systems, board sizes and a summary."""
    installed: dict = {}
    venv = tmp / "peer-venv"
    installer = threading.Thread(target=lambda: installed.update(v=peer.install(venv, bool(urls))))
    installer.start()  # pip works while Heatdesk loads
    env = {**os.environ, "HEATDESK_DATA_DIR": str(tmp / "heatdesk"), "HEATDESK_DEMO": "1", "PYTHONPATH": str(ROOT)}
    env.pop("HEATDESK_DATABASE_URL", None)
    if urls:
        env["HEATDESK_DATABASE_URL"] = urls["heatdesk"]
    began = time.perf_counter()
    subprocess.run([*HEATDESK, "demo", "--no-serve"], env=env, cwd=ROOT, check=True, capture_output=True)
    compounds = gazetteer(env, tmp)
    specs = make_specs(args.tickets, args.open_share, compounds, dt.datetime.now(dt.UTC))
    opened = [s for s in specs if s["open"]]
    teams = {c["station_code"]: c["station_name"] for c in compounds}
    team = args.team or max(teams, key=lambda code: sum(s["station"] == code for s in opened))
    live = [s for s in opened if s["station"] == team]
    live_numbers = {s["number"] for s in live}
    heatdesk_import(env, [s for s in specs if s["number"] not in live_numbers], tmp)
    print(f"Heatdesk: demo city and {len(specs) - len(live):,} imported tickets", file=sys.stderr)
    port = _free_port()
    serve = [*HEATDESK, "serve", "--port", str(port), "--workers", str(args.workers), "--threads", str(args.threads)]
    processes.append(subprocess.Popen(serve, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    hd_base = f"http://127.0.0.1:{port}"
    wait_up(f"{hd_base}/api/v1/health", processes[-1])
    heatdesk_open(hd_base, live)
    print(f"Heatdesk: {len(live)} open tickets of {team} filed over the API", file=sys.stderr)
    if urls:
        _analyze(urls["heatdesk"])
    hd_load = time.perf_counter() - began

    installer.join()
    if "v" not in installed:
        raise SystemExit("installing the peer failed")
    began = time.perf_counter()
    root = tmp / "peer"
    peer.write_project(root)
    with (root / "specs.jsonl").open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(s, ensure_ascii=False) + "\n" for s in specs)
    queues = peer.load(venv, root, root / "specs.jsonl", teams, urls.get("peer"))
    port = _free_port()
    processes.append(peer.serve(venv, root, port, args.workers, args.threads, urls.get("peer")))
    peer_base = f"http://127.0.0.1:{port}"
    wait_up(f"{peer_base}/login/", processes[-1])
    peer_load = time.perf_counter() - began

    phone = live[len(live) // 2]["phone"]
    systems = [
        Peer(peer_base, processes[-1], queues, team, phone),
        Heatdesk(hd_base, processes[-2], team, phone, compounds),
    ]
    sizes = (
        sum(len(systems[0].session("board", 0).get(peer_base + p, timeout=60).content)
            for p in (systems[0].list_page, systems[0].open_data)),
        len(systems[1].session("board", 0).get(f"{hd_base}/station/board/", timeout=60).content),
    )  # fmt: skip
    api = systems[1].session("open_list", 0)
    counts = [api.get(f"{hd_base}/api/v1/tickets", params=p, timeout=60).json()["count"] for p in ({}, {"open": 1})]
    summary = (
        f"{'PostgreSQL' if urls else 'SQLite (WAL)'}; Heatdesk {counts[0]:,} tickets ({counts[1]:,} open, loaded in "
        f"{hd_load:.0f} s); django-helpdesk {installed['v']} {len(specs):,} tickets ({len(opened):,} open, "
        f"loaded in {peer_load:.0f} s); team {team} ({len(live)} open, filed live on Heatdesk); "
        f"gunicorn {args.workers} workers × {args.threads} threads each; {args.clients} clients; "
        f"{args.rounds} alternating rounds of {args.seconds:g} s per workload"
    )
    return systems, sizes, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--open-share", type=float, default=0.10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--team", help="station code of the team whose open list is read (default: the busiest)")
    parser.add_argument("--workloads", default=",".join(WORKLOADS), help="a comma list of: " + ", ".join(WORKLOADS))
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (and scratch databases)")
    args = parser.parse_args()
    if not (0 < args.clients <= 64 and 0 < args.seconds <= 120 and 0 < args.rounds <= 10):
        parser.error("keep it bounded: 1–64 clients, at most 120 s per round and 10 rounds")
    tmp = Path(tempfile.mkdtemp(prefix="bench-peer-"))
    urls = {}
    if args.db == "postgres":
        urls = {"heatdesk": _recreate(PG + "heatdesk_bench_peer_hd"), "peer": _recreate(PG + "heatdesk_bench_peer_dh")}
    processes: list[subprocess.Popen] = []
    try:
        systems, sizes, summary = prepare(args, tmp, urls, processes)
        print(summary, file=sys.stderr)
        tallies = measure(systems, args)
        print(f"\n{summary}.\n")
        print("\n".join(table(tallies, sizes)))
        print(f"\nboard bytes: peer list page + rows {sizes[0]:,}, Heatdesk board fragment {sizes[1]:,}")
    finally:
        for process in processes:
            stop(process)
        if args.keep:
            print(f"kept {tmp}" + (" and databases " + ", ".join(urls.values()) if urls else ""), file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
            for url in urls.values():
                _drop(url)


if __name__ == "__main__":
    main()
