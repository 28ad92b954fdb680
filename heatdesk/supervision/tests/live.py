"""Support for the live tests: a webhook receiver, a database other processes can open, real processes.

The live tests run `heatdesk serve` and `heatdesk worker` as real subprocesses against the test's own
database. On PostgreSQL that is simply the test database (the tests are transactional, so their rows
are committed). pytest-django keeps a SQLite test database in this process's memory, where no
subprocess can see it; for those tests the default connection moves to a freshly migrated file and
moves back afterwards (the memory database is held open meanwhile, so nothing of it is lost).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from heatdesk.demo import DEMO_PASSWORD

# ---- Webhook receiver ---------------------------------------------------------------------------


@dataclass
class Hit:
    path: str
    key: str
    body: dict[str, Any]
    at: float  # time.time() when the request arrived

    @property
    def topic(self) -> str:
        return self.body.get("topic", "")


@dataclass
class Route:
    status: int = 200
    first_delay: float = 0.0  # seconds the first request waits before it is answered (a hung receiver)


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1:0 that records every POST; `routes` says how each path answers."""

    base_url: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str, route: Route | None = None) -> str:
        self.routes[path] = route or Route()
        return self.base_url + path

    def on(self, path: str) -> list[Hit]:
        with self.lock:
            return [hit for hit in self.hits if hit.path == path]

    def keys(self, path: str) -> list[str]:
        return [hit.key for hit in self.on(path)]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a worker killed mid-request leaves a broken pipe; that is the point of the test


def receiver_start() -> tuple[Receiver, Callable[[], None]]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = self.path.split("?")[0]
            with receiver.lock:
                first = not any(hit.path == path for hit in receiver.hits)
                receiver.hits.append(Hit(path, self.headers.get("Idempotency-Key", ""), json.loads(body), time.time()))
            route = receiver.routes.get(path, Route())
            if first and route.first_delay:
                time.sleep(route.first_delay)
            reply = b'{"ok":true}' if route.status < 400 else b'{"error":"boom"}'
            try:
                self.send_response(route.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
            except OSError:
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = _QuietServer(("127.0.0.1", 0), Handler)
    receiver.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return receiver, stop


# ---- A database other processes can open --------------------------------------------------------


@dataclass
class SharedDatabase:
    env: dict[str, str]  # what points a subprocess at this database
    data_dir: Path
    restore: Callable[[], None] = lambda: None


def shared_database_open(data_dir: Path) -> SharedDatabase:
    """Point the default connection at a database subprocesses can open too (see the module docstring)."""
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        user = quote(settings_dict.get("USER") or "", safe="")
        password = quote(settings_dict.get("PASSWORD") or "", safe="")
        credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        url = f"postgresql://{credentials}{host}:{port}/{settings_dict['NAME']}"
        return SharedDatabase(env={"HEATDESK_DATABASE_URL": url, "HEATDESK_DATA_DIR": str(data_dir)}, data_dir=data_dir)
    if connection.vendor != "sqlite":
        raise RuntimeError(f"live tests support SQLite and PostgreSQL, not {connection.vendor}")
    original = settings_dict["NAME"]
    keeper = sqlite3.connect(str(original), uri=True) if connection.is_in_memory_db() else None
    settings_dict["NAME"] = str(data_dir / "heatdesk.sqlite3")  # where `heatdesk` finds it in HEATDESK_DATA_DIR
    connection.close()  # now a real close: the memory database lives on in `keeper`
    call_command("migrate", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()

    def restore() -> None:
        connection.close()
        settings_dict["NAME"] = original
        ContentType.objects.clear_cache()
        if keeper is not None:
            connection.ensure_connection()
            keeper.close()

    env = {"HEATDESK_DATA_DIR": str(data_dir)}
    return SharedDatabase(env=env, data_dir=data_dir, restore=restore)


# ---- Real processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Process:
    """A `heatdesk …` subprocess in its own process group, its output in a log file."""

    name: str
    popen: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no cleanup, no finishing the step — a crash."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, timeout: float = 15) -> int:
        """SIGTERM and wait for a graceful exit; returns the exit code."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def ensure_stopped(self) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.stop(timeout=5)


def heatdesk_start(args: list[str], *, env: dict[str, str], log_path: Path, name: str) -> Process:
    base = {key: value for key, value in os.environ.items() if key not in ("HEATDESK_DATABASE_URL", "HEATDESK_DEMO")}
    full_env = {**base, "PYTHONUNBUFFERED": "1", "HEATDESK_LOG_LEVEL": "INFO", **env}
    log = log_path.open("wb")
    popen = subprocess.Popen(
        [sys.executable, "-m", "heatdesk.cli", *args],
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so gunicorn's workers go with it
    )
    log.close()
    return Process(name=name, popen=popen, log_path=log_path)


@dataclass
class Http:
    """A tiny JSON client for the real server."""

    base_url: str
    token: str = ""

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def signed_in(self, username: str) -> Http:
        status, body = self.call("POST", "/api/v1/auth/token", {"username": username, "password": DEMO_PASSWORD})
        assert status == 200, body
        return Http(self.base_url, body["token"])


def wait_until(condition: Callable[[], Any], *, timeout: float, interval: float = 0.05, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        time.sleep(interval)


def server_wait_healthy(base_url: str, process: Process, timeout: float = 25) -> None:
    def healthy() -> bool:
        assert process.popen.poll() is None, f"server exited:\n{process.log()}"
        try:
            return Http(base_url).call("GET", "/api/v1/health")[0] == 200
        except OSError:
            return False

    wait_until(healthy, timeout=timeout, interval=0.1, what="the server's health check")
