#!/usr/bin/env python3
"""README screenshots, one per role at the screen it uses, from a fresh demo with a simulated week and a
live morning. One command:

    scripts/screenshots.py                 # writes docs/screenshots/*.png
    scripts/screenshots.py --out /tmp/shots --keep

(or `.venv/bin/python scripts/screenshots.py`; with the shared venv: `PYTHONPATH=$PWD
/work/main/.venv/bin/python scripts/screenshots.py`). `HEATDESK_SCREENSHOT_DIR` also names the output
folder. It needs Debian's chromium (`/usr/bin/chromium`) and Playwright's Python package; it never
downloads a browser.

What it does: a new SQLite data dir (deleted afterwards unless --keep); migrate and the demo city
(`heatdesk demo --no-serve`); `simulate-season` over the last 7 days (the reports' history); then the
last hours of today through the real services on a moved clock — calls taken, guided, dispatched,
accepted, reached, resolved, called back, urged, some overdue — so the desk, board, crew view, wall and
callbacks show a working morning; then `heatdesk serve` on a free port and Playwright at each size:

    desk.png                  operator 80725, /desk/, 1366×768
    station-board-phone.png   station-cf-qiaokao, /station/, 390×844
    crew-phone.png            station-cf-qiaokao, a ticket in hand, 390×844
    wall.png                  lead, /wall/, 1920×1080
    lead-queue.png            lead, /queue/, 1920×1080
    reports.png               lead, /reports/ over the simulated week, 1366×768
    callbacks.png             operator 80725, /callbacks/, 1366×768
    groups.png                lead, /groups/, 1366×768
    community.png             a community's user, /community/, 1366×768
    citizen-status-phone.png  a citizen, /s/<number> with the phone's last four digits, 390×844
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
DESK, PHONE, WALL = {"width": 1366, "height": 768}, {"width": 390, "height": 844}, {"width": 1920, "height": 1080}
CITIZEN_PHONE = "13800005678"
SIM_DAYS = 7


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_out = os.environ.get("HEATDESK_SCREENSHOT_DIR") or str(ROOT / "docs" / "screenshots")
    parser.add_argument("--out", default=default_out, help="output folder [docs/screenshots]")
    parser.add_argument("--requests", type=int, default=1400, help="simulated week's requests [1400]")
    parser.add_argument("--keep", action="store_true", help="keep the data dir and print it")
    return parser.parse_args()


def _setup(data_dir: str) -> None:
    os.environ["HEATDESK_DATA_DIR"] = data_dir
    os.environ["HEATDESK_DEMO"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heatdesk.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _seed_history(requests: int) -> dt.date:
    """The demo city and a simulated week ending yesterday; returns the week's first day."""
    from django.core.management import call_command

    from heatdesk.reports.selectors import report_today

    call_command("demo", "--no-serve", verbosity=0)
    first = report_today() - dt.timedelta(days=SIM_DAYS)
    args = ["--requests", str(requests), "--days", str(SIM_DAYS), "--start", str(first)]
    print(f"simulating {SIM_DAYS} days from {first} …", flush=True)
    output = io.StringIO()
    call_command("simulate_season", *args, "--quiet", stdout=output)
    print("\n".join(output.getvalue().splitlines()[:1] + output.getvalue().splitlines()[-1:]), flush=True)
    return first


class _Morning:
    """Today's last hours through the real services; a refused step is reported and skipped."""

    def __init__(self) -> None:
        from django.contrib.auth import get_user_model

        self.users = {u.username: u for u in get_user_model().objects.all()}
        self.skipped = 0

    def at(self, when: dt.datetime, fn, *args, **kwargs):
        from heatdesk.core import clock
        from heatdesk.core.errors import DomainError

        try:
            with clock.moved_to(when):
                return fn(*args, **kwargs)
        except DomainError as error:
            self.skipped += 1
            print(f"  skipped: {error.message}", flush=True)
            return None

    def call(self, when, compound: str, building: int, phone: str, category: str, text: str):
        from heatdesk.tickets import services

        intake = services.TicketIntake(
            caller_phone=phone,
            category=category,
            compound=compound,
            building=str(building),
            unit=str(1 + building % 3),
            room=f"{1 + building % 6}0{1 + building % 2}",
            description=text,
        )
        result = self.at(when, services.ticket_intake, actor=self.users["80725"], call=intake, dispatch=False)
        return result.ticket if result else None

    def act(self, when, username: str, ticket, action: str, **payload):
        from heatdesk.tickets import services

        if ticket is not None:
            actor = self.users[username]
            self.at(when, services.ticket_act, actor=actor, number=ticket.number, action=action, payload=payload)


TEXTS = {
    "not_warm": "卧室暖气片上热下凉，室温15度左右",
    "below_standard": "家里只有16度，老人怕冷",
    "leak": "厨房暖气管接口漏水，地面已有积水",
    "billing": "咨询今年采暖费缴费方式",
}


def _seed_morning() -> tuple[str, str]:
    """A working morning: returns (a ticket in 桥靠's hands, the citizen's ticket)."""
    from heatdesk.core import clock
    from heatdesk.geo.models import Compound

    now = clock.now()
    compounds = list(
        Compound.objects.filter(station__isnull=False).order_by("code").values_list("code", "station__code")
    )
    qiaokao = [code for code, station in compounds if station == "cf-qiaokao"] or [compounds[0][0]]
    others = [code for code, station in compounds if station != "cf-qiaokao"]
    morning, station = _Morning(), "station-cf-qiaokao"
    categories = ["not_warm", "not_warm", "below_standard", "not_warm", "leak", "billing"]
    in_hand = citizen = None
    for i in range(34):
        start = now - dt.timedelta(hours=7) + dt.timedelta(minutes=12 * i)
        mine = i % 3 == 0
        code = qiaokao[i % len(qiaokao)] if mine else others[i % len(others)]
        category = categories[i % len(categories)]
        phone = CITIZEN_PHONE if i == 3 else f"139{i:04d}{(i * 7919) % 10000:04d}"
        ticket = morning.call(start, code, 1 + i % 12, phone, category, TEXTS[category])
        if ticket is None:
            continue
        citizen = ticket.number if i == 3 else citizen
        crew = station if mine else f"station-{ticket.station.code}" if ticket.station else None
        age = (now - start).total_seconds() / 3600
        if category == "billing" or i % 11 == 5:
            morning.act(start + dt.timedelta(minutes=3), "80725", ticket, "guide", solved=True, steps=["放气"])
            if age > 2:
                _callback(morning, start + dt.timedelta(hours=1), ticket)
            continue
        if i >= 31:
            continue  # just in: waiting for 派单 on the desk
        late = i % 7 == 2
        morning.act(start + dt.timedelta(minutes=25 if late else 4), "80725", ticket, "dispatch")
        if crew is None or i >= 27 or (i % 5 == 1 and age > 2):
            continue  # waiting on the board (the older ones overdue for response)
        morning.act(start + dt.timedelta(minutes=30), crew, ticket, "accept")
        if i >= 23:
            in_hand = ticket.number if mine else in_hand
            continue
        morning.act(start + dt.timedelta(minutes=40), crew, ticket, "depart")
        temperature = "15" if category != "leak" else None
        morning.act(
            start + dt.timedelta(minutes=70),
            crew,
            ticket,
            "arrive",
            **({"indoor_temp": temperature} if temperature else {}),
        )
        if category == "leak" or i % 4 == 2:
            in_hand = ticket.number if mine else in_hand
            if i % 8 == 2:  # a part to order: the station asks the lead for more time (督办队列)
                until = (start + dt.timedelta(days=2)).isoformat()
                morning.act(
                    start + dt.timedelta(minutes=80),
                    crew,
                    ticket,
                    "extend",
                    until=until,
                    reason="需更换阀门，配件明日到货",
                )
            continue
        morning.act(start + dt.timedelta(minutes=110), crew, ticket, "resolve", cause="air_lock", indoor_temp="19")
        if i % 3 != 1 and age > 3:
            _callback(morning, start + dt.timedelta(minutes=150), ticket)
    print(f"today: 34 calls ({morning.skipped} steps refused and skipped)", flush=True)
    return in_hand or "", citizen or ""


def _callback(morning: _Morning, when: dt.datetime, ticket) -> None:
    morning.act(when, "80725", ticket, "callback", reached=True, contacted=True, fixed=True, satisfaction="satisfied")


# ---- the server and the browser ----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(data_dir: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "HEATDESK_DATA_DIR": data_dir, "HEATDESK_DEMO": "1", "HEATDESK_BASE_URL": url}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-m", "heatdesk.cli", "serve", "--port", str(port), "--workers", "1"]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"{url}/api/v1/health", timeout=2):  # noqa: S310 - our own http URL
                return process, url
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit("the web server did not start")


def _busiest_community_user():
    """The user of the community with the most open tickets (its page has the most to show)."""
    from django.db.models import Count

    from heatdesk.accounts.models import Role, User
    from heatdesk.tickets.models import Ticket
    from heatdesk.tickets.states import OPEN_STATUSES

    busiest = (
        Ticket.objects.filter(status__in=OPEN_STATUSES, compound__community__isnull=False)
        .values("compound__community")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    users = User.objects.filter(role=Role.COMMUNITY).order_by("username")
    if busiest is not None:
        users = users.filter(community_id=busiest["compound__community"]) or users
    return users.first()


def _shots(url: str, out: Path, first: dt.date, in_hand: str, citizen: str) -> None:
    from playwright.sync_api import sync_playwright

    from heatdesk.demo import DEMO_PASSWORD
    from heatdesk.reports.selectors import report_today

    community_user = _busiest_community_user()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])

        def page_as(username: str | None, viewport: dict):
            phone = viewport == PHONE
            context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone, locale="zh-CN")
            page = context.new_page()
            page.set_default_timeout(15000)
            if username:
                page.goto(f"{url}/login/")
                page.locator("input[name=username]").fill(username)
                page.locator("input[name=password]").fill(DEMO_PASSWORD)
                page.locator("button.primary[type=submit]").click()
                page.wait_for_load_state("networkidle")
            return page

        def shot(page, path: str, name: str, settle: float = 1.0) -> None:
            page.goto(f"{url}{path}")
            page.wait_for_load_state("networkidle")
            time.sleep(settle)  # charts draw, clocks tick once
            page.screenshot(path=str(out / f"{name}.png"))
            print(f"  {name}.png  {path}", flush=True)

        desk = page_as("80725", DESK)
        shot(desk, "/desk/", "desk")
        shot(desk, "/callbacks/", "callbacks")
        crew = page_as("station-cf-qiaokao", PHONE)
        shot(crew, "/station/", "station-board-phone")
        if in_hand:
            shot(crew, f"/station/tickets/{in_hand}/", "crew-phone")
        lead = page_as("lead", WALL)
        shot(lead, "/wall/", "wall", settle=2)
        shot(lead, "/queue/", "lead-queue")
        lead_desk = page_as("lead", DESK)
        shot(lead_desk, f"/reports/?from={first}&to={report_today()}", "reports", settle=2)
        shot(lead_desk, "/groups/", "groups")
        if community_user is not None:
            shot(page_as(community_user.username, DESK), "/community/", "community")
        if citizen:
            page = page_as(None, PHONE)
            page.goto(f"{url}/s/{citizen}")
            page.locator("input[name=digits]").fill(CITIZEN_PHONE[-4:])
            page.locator("form button[type=submit]").last.click()
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(out / "citizen-status-phone.png"))
            print(f"  citizen-status-phone.png  /s/{citizen}", flush=True)
        browser.close()


def main() -> None:
    options = _arguments()
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"needs Debian chromium at {CHROMIUM} (apt-get install chromium)")
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix="heatdesk-shots-")
    started = time.monotonic()
    _setup(data_dir)
    first = _seed_history(options.requests)
    in_hand, citizen = _seed_morning()
    server, url = _serve(data_dir)
    try:
        _shots(url, out, first, in_hand, citizen)
    finally:
        server.terminate()
        server.wait(timeout=20)
        if options.keep:
            print(f"data dir kept: {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(f"screenshots in {out} ({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
