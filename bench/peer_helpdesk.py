"""The peer for bench_peer.py: django-helpdesk 2.6.1 in a throwaway virtualenv, set up at run time.

Nothing of it lives in this repo: `install` makes a virtualenv under a temp dir and pip-installs the
pinned release from the package index; `write_project` generates a minimal Django project beside it
(the same database options Heatdesk uses: SQLite WAL + IMMEDIATE, or PostgreSQL with persistent
connections); `load` runs a generated loader in the peer's interpreter that creates a staff superuser, one
queue per Heatdesk station ("team") and the same tickets Heatdesk holds, each with the "Ticket Opened"
follow-up that a real create writes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

PEER = "django-helpdesk==2.6.1"
USER, PASSWORD = "bench", "bench-peer-password"

SETTINGS = """
import os
SECRET_KEY = "bench-peer-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles", "django.contrib.sites", "django.contrib.humanize",
    "rest_framework", "helpdesk",
]
SITE_ID = 1
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "peersite.urls"
WSGI_APPLICATION = "peersite.wsgi.application"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
URL = os.environ.get("PEER_DATABASE_URL", "")
if URL:
    from urllib.parse import urlparse
    _u = urlparse(URL)
    DATABASES = {"default": {
        "ENGINE": "django.db.backends.postgresql", "NAME": _u.path.lstrip("/"), "USER": _u.username or "",
        "PASSWORD": _u.password or "", "HOST": _u.hostname or "", "PORT": str(_u.port or ""),
        "CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True,
    }}
else:
    DATABASES = {"default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(os.path.dirname(os.path.dirname(__file__)), "peer.sqlite3"),
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        },
    }}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True
STATIC_URL = "/static/"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/tickets/"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
HELPDESK_TEAMS_MODE_ENABLED = False
HELPDESK_API_ENABLED = True
HELPDESK_ACTIVATE_API_ENDPOINT = True
"""

URLS = """
from django.contrib import admin
from django.urls import include, path
urlpatterns = [path("admin/", admin.site.urls), path("", include("helpdesk.urls", namespace="helpdesk"))]
"""

WSGI = """
import os
from django.core.wsgi import get_wsgi_application
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peersite.settings")
application = get_wsgi_application()
"""

LOADER = """
import datetime as dt, json, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from helpdesk.models import FollowUp, Queue, Ticket

call_command("migrate", verbosity=0)
user = get_user_model().objects.create_superuser(sys.argv[2], "bench@example.com", sys.argv[3])
teams = json.loads(sys.argv[4])
queues = {code: Queue.objects.create(title=name, slug=code) for code, name in teams.items()}
# The rows carry their own times: a real ticket got them from auto_now(_add) when it was written.
for model, name in ((Ticket, "created"), (Ticket, "modified")):
    field = model._meta.get_field(name)
    field.auto_now = field.auto_now_add = False
specs = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
with transaction.atomic():
    for start in range(0, len(specs), 2000):
        batch = []
        for s in specs[start:start + 2000]:
            created = dt.datetime.fromisoformat(s["created"])
            batch.append(Ticket(
                title=s["title"], queue=queues[s["station"]], created=created,
                modified=created if s["open"] else created + dt.timedelta(days=1),
                status=Ticket.OPEN_STATUS if s["open"] else Ticket.CLOSED_STATUS,
                description=s["description"], priority=3,
                resolution="" if s["open"] else "已处置",
            ))
        tickets = Ticket.objects.bulk_create(batch)
        FollowUp.objects.bulk_create([
            FollowUp(ticket=t, title="Ticket Opened", date=t.created, public=True, comment=t.description, user=user)
            for t in tickets
        ])
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
print(json.dumps({code: q.id for code, q in queues.items()}))
"""


def python(venv: Path) -> str:
    return str(venv / "bin" / "python")


def install(venv: Path, postgres: bool) -> str:
    """A fresh virtualenv with the peer, gunicorn (and psycopg for PostgreSQL) from the package index."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    packages = [PEER, "gunicorn"] + (["psycopg[binary]"] if postgres else [])
    done = subprocess.run(
        [python(venv), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *packages],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"pip install {' '.join(packages)} failed:\n{done.stderr[-2000:]}")
    version = subprocess.run(
        [python(venv), "-c", "import importlib.metadata as m; print(m.version('django-helpdesk'))"],
        check=True,
        capture_output=True,
        text=True,
    )
    return version.stdout.strip()


def write_project(root: Path) -> None:
    package = root / "peersite"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(textwrap.dedent(SETTINGS))
    (package / "urls.py").write_text(URLS)
    (package / "wsgi.py").write_text(WSGI)
    (root / "load_bench.py").write_text(LOADER)


def env(root: Path, database_url: str | None) -> dict:
    result = {k: v for k, v in os.environ.items() if not k.startswith(("HEATDESK_", "DJANGO_", "PYTHON"))}
    result.update({"DJANGO_SETTINGS_MODULE": "peersite.settings", "PYTHONPATH": str(root)})
    if database_url:
        result["PEER_DATABASE_URL"] = database_url
    return result


def load(venv: Path, root: Path, specs: Path, teams: dict[str, str], database_url: str | None) -> dict[str, int]:
    """Migrate, add the staff user and queues, bulk-load the tickets; returns queue ids by station code."""
    import json

    done = subprocess.run(
        [python(venv), str(root / "load_bench.py"), str(specs), USER, PASSWORD, json.dumps(teams)],
        cwd=root,
        env=env(root, database_url),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def serve(venv: Path, root: Path, port: int, workers: int, threads: int, database_url: str | None):
    command = [
        python(venv), "-m", "gunicorn", "peersite.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--threads", str(threads), "--no-control-socket",
        "--access-logfile", "-", "--timeout", "60",
    ]  # fmt: skip
    return subprocess.Popen(
        command, cwd=root, env=env(root, database_url), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
