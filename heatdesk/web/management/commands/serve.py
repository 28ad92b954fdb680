import os
import sys

from django.core.management.base import BaseCommand

# gunicorn's combined format plus the request id our middleware put in the response.
ACCESS_LOG_FORMAT = '%(h)s - %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms id=%({x-request-id}o)s'


class Command(BaseCommand):
    help = "生产环境 Web 服务（gunicorn + whitenoise） / production web server"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=max(2, (os.cpu_count() or 1) + 1))
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args, host, port, workers, threads, **options):
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "heatdesk.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--no-control-socket",  # several servers (demo, tests, benches) share one user's home
            "--access-logfile",
            "-",
            # Query strings lose their phone numbers (the desk's lookup types one per keystroke).
            "--logger-class",
            "heatdesk.core.logging.MaskingGunicornLogger",
            "--access-logformat",
            ACCESS_LOG_FORMAT,
            "--graceful-timeout",
            "10",
            "--timeout",
            "60",
        ]
        sys.stdout.flush()
        os.execv(sys.executable, command)  # noqa: S606 - replace this process with gunicorn
