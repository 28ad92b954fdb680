"""`heatdesk demo` on a fresh data dir, as a user runs it: a real process, real HTTP."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, **kwargs):
    with urllib.request.urlopen(urllib.request.Request(url, **kwargs), timeout=5) as response:
        return response.status, response.read().decode()


@pytest.fixture
def demo_server(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEATDESK_")}
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "heatdesk.cli", "demo", "--data-dir", str(tmp_path / "data"), "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = []
    url = f"http://127.0.0.1:{port}/"
    try:
        for line in process.stdout:
            output.append(line)
            if "Ctrl+C" in line or process.poll() is not None:
                break
        yield url, time.monotonic() - started, "".join(output)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def test_the_demo_starts_on_a_fresh_data_dir_in_under_30_seconds_and_serves(demo_server):
    url, seconds, output = demo_server
    assert "Heatdesk demo is running" in output, output
    assert seconds < 30
    assert "heatdesk-demo" in output
    assert "80725" in output
    status, body = _get(url + "api/v1/health")
    assert status == 200
    assert json.loads(body)["status"] == "ok"
    status, page = _get(url + "login/")
    assert "登录供热专席" in page
    token = json.loads(
        _get(
            url + "api/v1/auth/token",
            method="POST",
            headers={"Content-Type": "application/json"},
            data=json.dumps({"username": "station-ft-guanghua", "password": "heatdesk-demo"}).encode(),
        )[1]
    )
    _, me = _get(url + "api/v1/me", headers={"Authorization": f"Bearer {token['token']}"})
    assert json.loads(me)["scope"]["stations"] == ["ft-guanghua"]
