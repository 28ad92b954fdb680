import os
import signal
import subprocess
import sys
import time
import urllib.request

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from heatdesk.demo import DEMO_PASSWORD, demo_accounts, demo_care_seed, demo_seed


class Command(BaseCommand):
    help = "创建演示数据并启动 Web 与后台任务 / seed the demo city and serve web + worker on 127.0.0.1"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--data-dir", help="数据目录 / data directory (read by the heatdesk command)")
        parser.add_argument("--no-serve", action="store_true", help="只建库与种子数据 / seed only")

    def handle(self, *args, port, no_serve, **options):
        started = time.monotonic()
        self.stdout.write(f"数据目录 / data dir: {settings.DATA_DIR}")
        call_command("migrate", interactive=False, verbosity=0)
        report = demo_seed()
        self.stdout.write(
            f"演示城市 / demo city: {report.gazetteer.created} 新建 created, "
            f"{report.gazetteer.updated} 更新 updated, {report.gazetteer.unchanged} 未变 unchanged; "
            f"accounts changed: {report.users_changed}"
        )
        registered = demo_care_seed()
        self.stdout.write(
            f"双管家与重点关爱 / stewards and the vulnerable register: {registered} 户新登记 newly registered"
        )
        if no_serve:
            return
        self._serve(port, started)

    def _serve(self, port: int, started: float) -> None:
        env = {
            **os.environ,
            "HEATDESK_DEMO": "1",
            "HEATDESK_DATA_DIR": str(settings.DATA_DIR),
            "HEATDESK_BASE_URL": f"http://127.0.0.1:{port}",  # links in work-group messages open this demo
        }
        heatdesk = [sys.executable, "-m", "heatdesk.cli"]
        processes = [
            subprocess.Popen(
                [
                    *heatdesk,
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    "2",
                ],
                env=env,
            ),
        ]
        if self._has_worker():
            processes.append(subprocess.Popen([*heatdesk, "worker"], env=env))
        url = f"http://127.0.0.1:{port}/"
        if not self._wait_healthy(url + "api/v1/health", processes[0]):
            for process in processes:
                process.terminate()
            raise CommandError(f"Web 服务未能启动 / the web server did not start on {url}")
        self._print_welcome(url, time.monotonic() - started)
        stop = {"now": False}

        def _stop(signum, frame):
            stop["now"] = True

        signal.signal(signal.SIGTERM, _stop)
        try:
            while not stop["now"] and all(p.poll() is None for p in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes:
                if process.poll() is None:
                    process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()

    @staticmethod
    def _has_worker() -> bool:
        from django.core.management import get_commands

        return "worker" in get_commands()

    @staticmethod
    def _wait_healthy(url: str, process: subprocess.Popen) -> bool:
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own loopback URL
                    if response.status == 200:
                        return True
            except OSError:
                time.sleep(0.3)
        return False

    def _print_welcome(self, url: str, seconds: float) -> None:
        accounts = demo_accounts()
        stations = [a["username"] for a in accounts if a["role"] == "station"]
        companies = [a["username"] for a in accounts if a["role"] == "company"]
        communities = [a["username"] for a in accounts if a["role"] == "community"]
        self.stdout.write(
            self.style.SUCCESS(f"\n供热专席演示系统已启动 / Heatdesk demo is running ({seconds:.1f} s): {url}")
        )
        self.stdout.write(f"API 文档 / API docs: {url}api/v1/docs")
        self.stdout.write(f"演示账号密码 / demo password: {DEMO_PASSWORD}")
        self.stdout.write("  话务员 operators: 80725, 80720, 80734   专席负责人 desk lead: lead")
        self.stdout.write("  供热办 regulator: regulator   管理员 admin: admin")
        self.stdout.write(f"  供暖所 stations: {', '.join(stations)}")
        self.stdout.write(f"  供热企业 companies: {', '.join(companies)}")
        self.stdout.write(f"  社区 communities: {', '.join(communities[:5])} … ({len(communities)} in all)")
        self.stdout.write("按 Ctrl+C 停止 / press Ctrl+C to stop\n")
        self.stdout.flush()
