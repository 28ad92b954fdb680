"""Loading Heatdesk for bench_peer.py through its public doors only, and the tickets both systems hold.

`make_specs` draws the tickets (stations, phones, times, ~10 % open); `heatdesk_import` writes them as the
desk's spreadsheet and runs `heatdesk import-tickets` (imported tickets carry no SLA clocks); the open
tickets of the team that is measured are filed live instead by `heatdesk_open` over POST /api/v1/tickets
(most dispatched, a third of those accepted by the station's crew), so they have their clocks and events.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import subprocess
import sys
import threading
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
HEATDESK = [sys.executable, "-m", "heatdesk.cli"]
DEMO_PASSWORD = "heatdesk-demo"
OPERATORS = ("80725", "80720", "80734")
CATEGORIES = {"not_warm": "暖气不热", "below_standard": "室温不达标", "no_heat": "不供暖", "leak": "漏水"}


# ---- The tickets both systems hold ------------------------------------------------------------------


def make_specs(count: int, open_share: float, compounds: list[dict], now: dt.datetime, seed: int = 19) -> list[dict]:
    """Closed history over the last 30 days (older than 2 days), then the open tickets of the last day."""
    rng = random.Random(seed)
    opened = round(count * open_share)
    specs = []
    for index in range(count):
        is_open = index >= count - opened
        if is_open:  # the last day (an hour ago at the latest, so every milestone is in the past)
            created = now - dt.timedelta(hours=1) - dt.timedelta(hours=21) * rng.random()
        else:  # 2 to 30 days ago
            created = now - dt.timedelta(days=2) - dt.timedelta(days=28) * rng.random()
        compound = rng.choice(compounds)
        building, unit, room = rng.randint(1, 30), rng.randint(1, 6), rng.randint(101, 1802)
        address = f"{compound['district']}{compound['compound']}{building}号楼{unit}单元{room}"
        category = rng.choice(["not_warm"] * 7 + ["below_standard", "no_heat", "leak"])
        phone = f"13{rng.randint(0, 999_999_999):09d}"
        specs.append(
            {
                "number": f"P{index:08d}",
                "station": compound["station_code"],
                "district": compound["district"],
                "compound": compound["compound"],
                "building": building,
                "unit": unit,
                "room": room,
                "address": address,
                "category": category,
                "phone": phone,
                "open": is_open,
                "created": created.isoformat(),
                "title": f"{CATEGORIES[category]} {address}",
                "description": f"来电 {phone}：{CATEGORIES[category]}，{address}",
            }
        )
    specs.sort(key=lambda s: s["created"])
    return specs


def gazetteer(env: dict, directory: Path) -> list[dict]:
    path = directory / "gazetteer.csv"
    subprocess.run([*HEATDESK, "export-gazetteer", str(path)], env=env, cwd=ROOT, check=True, capture_output=True)
    with path.open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


# ---- Heatdesk: demo city, history by `import-tickets`, the team's open tickets over the API -----------


def heatdesk_import(env: dict, specs: list[dict], directory: Path) -> None:
    """Tickets as the desk's own spreadsheet, through `heatdesk import-tickets`: closed ones with their
    whole loop; open ones received (10 %), dispatched (60 %) or accepted (30 %)."""
    path = directory / "import.csv"
    columns = ["number", "created_at", "category", "caller_phone", "description", "address", "district", "compound"]
    columns += ["building", "unit", "room", "station_code", "owner", "dispatched_at", "accepted_at", "arrived_at"]
    columns += ["resolved_at", "closed_at", "satisfaction"]
    rng = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for index, s in enumerate(specs):
            created = dt.datetime.fromisoformat(s["created"])
            times = [(created + dt.timedelta(minutes=m)).isoformat() for m in (6, 35, 80, 260, 1500)]
            if s["open"]:
                roll = rng.random()
                times = [*times[: 0 if roll < 0.1 else 1 if roll < 0.7 else 2], "", "", "", "", ""][:5]
            what = [s["number"], s["created"], s["category"], s["phone"], CATEGORIES[s["category"]], s["address"]]
            where = [s["district"], s["compound"], s["building"], s["unit"], s["room"], s["station"]]
            writer.writerow([*what, *where, OPERATORS[index % 3], *times, "" if s["open"] else "satisfied"])
    subprocess.run([*HEATDESK, "import-tickets", str(path)], env=env, cwd=ROOT, check=True, capture_output=True)


def heatdesk_open(base: str, todo: list[dict], workers: int = 4) -> None:
    """Open tickets through POST /api/v1/tickets: 90 % dispatched at once, a third of those accepted."""
    tokens = {u: token(base, u) for u in OPERATORS}
    stations = {s["station"] for s in todo}
    tokens.update({f"station-{code}": token(base, f"station-{code}") for code in stations})
    failures: list[str] = []

    def work(part: list[dict], index: int) -> None:
        session = requests.Session()
        rng = random.Random(index)
        for s in part:
            dispatch = rng.random() < 0.9
            body = {"caller_phone": s["phone"], "address": s["address"], "station": s["station"]}
            body.update({"category": s["category"], "description": s["description"], "dispatch": dispatch})
            operator = {"Authorization": f"Bearer {tokens[OPERATORS[index % 3]]}"}
            created = session.post(f"{base}/api/v1/tickets", json=body, headers=operator, timeout=60)
            if created.status_code != 201:
                failures.append(f"create {created.status_code} {created.text[:200]}")
                continue
            if dispatch and rng.random() < 0.33:
                crew = {"Authorization": f"Bearer {tokens['station-' + created.json()['station']['code']]}"}
                number = created.json()["number"]
                accepted = session.post(f"{base}/api/v1/tickets/{number}/accept", json={}, headers=crew, timeout=60)
                if accepted.status_code != 200:
                    failures.append(f"accept {accepted.status_code} {accepted.text[:200]}")

    threads = [threading.Thread(target=work, args=(todo[i::workers], i)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"loading Heatdesk's open tickets failed ({len(failures)}×): {failures[0]}")


def token(base: str, username: str) -> str:
    response = requests.post(
        f"{base}/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD}, timeout=30
    )
    response.raise_for_status()
    return response.json()["token"]


def login(base: str, username: str, password: str) -> requests.cookies.RequestsCookieJar:
    """A browser session: the login form with its CSRF token; returns the cookies (session + csrftoken)."""
    session = requests.Session()
    session.get(f"{base}/login/", timeout=30)
    data = {"username": username, "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]}
    response = session.post(
        f"{base}/login/", data=data, headers={"Referer": f"{base}/login/"}, allow_redirects=False, timeout=30
    )
    if response.status_code != 302 or "sessionid" not in session.cookies:
        raise SystemExit(f"login as {username} on {base} failed: {response.status_code}")
    return session.cookies
