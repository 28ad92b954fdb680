"""Django settings. Every knob comes from a HEATDESK_* environment variable (see heatdesk/config.py)."""

import os
from pathlib import Path

from heatdesk import config

BASE_DIR = Path(__file__).resolve().parent

# Where the SQLite database, uploaded photos and the generated secret key live.
DATA_DIR = config.data_dir(os.environ)
DATA_DIR.mkdir(parents=True, exist_ok=True)

# Debug pages and tracebacks; never on in production.
DEBUG = config.parse_bool("HEATDESK_DEBUG", os.environ.get("HEATDESK_DEBUG"), default=False)

# Demo mode: seeded city and the well-known demo passwords. Set by `heatdesk demo`.
DEMO_MODE = config.parse_bool("HEATDESK_DEMO", os.environ.get("HEATDESK_DEMO"), default=False)

SECRET_KEY = config.secret_key(os.environ, DATA_DIR)

# Host names this server answers to.
ALLOWED_HOSTS = config.parse_list(
    os.environ.get("HEATDESK_ALLOWED_HOSTS"), default=["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = config.parse_list(os.environ.get("HEATDESK_CSRF_TRUSTED_ORIGINS"), default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "heatdesk.core",
    "heatdesk.accounts",
    "heatdesk.geo",
    "heatdesk.notify",
    "heatdesk.guidance",
    "heatdesk.sla",
    "heatdesk.tickets",
    "heatdesk.supervision",
    "heatdesk.feedback",
    "heatdesk.community",
    "heatdesk.reports",
    "heatdesk.api",
    "heatdesk.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "heatdesk.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "heatdesk.urls"
WSGI_APPLICATION = "heatdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": config.database(os.environ, DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Chinese first, English second; times stored in UTC, shown in Hohhot's time.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 3600  # one shift
X_FRAME_OPTIONS = "DENY"

# Largest photo a crew may upload.
HEATDESK_MAX_UPLOAD_BYTES = int(os.environ.get("HEATDESK_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = HEATDESK_MAX_UPLOAD_BYTES + 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"heatdesk": {"handlers": ["console"], "level": os.environ.get("HEATDESK_LOG_LEVEL", "INFO")}},
}

# Callback answers that count as satisfied in the 满意率 KPI (comma list of satisfaction codes).
HEATDESK_SATISFIED_SET = config.parse_list(
    os.environ.get("HEATDESK_SATISFIED_SET"), default=["very_satisfied", "satisfied", "fairly_satisfied"]
)

# The address people open from a work-group message (absolute links to /tickets/<number>/); `heatdesk
# demo` sets it to its own address.
HEATDESK_BASE_URL = os.environ.get("HEATDESK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# ---- SLA monitor, worker and outbox delivery (issue 4) -----------------------------------------
# Each knob is set only when its environment variable is, so the defaults stay in the code that reads
# them (sla.policy.escalate_after, notify.services.outbox_options, supervision.worker).

# Seconds a stage may stay overdue before it escalates to the company and the city heating office [1800].
if os.environ.get("HEATDESK_SLA_ESCALATE_AFTER_SECONDS"):
    HEATDESK_SLA_ESCALATE_AFTER_SECONDS = float(os.environ["HEATDESK_SLA_ESCALATE_AFTER_SECONDS"])
# Longest sleep of the worker between passes, in seconds [1]; it wakes earlier for a due threshold.
if os.environ.get("HEATDESK_WORKER_POLL_SECONDS"):
    HEATDESK_WORKER_POLL_SECONDS = float(os.environ["HEATDESK_WORKER_POLL_SECONDS"])
# Outbox delivery (read by notify.services.outbox_options): MAX_ATTEMPTS [12], BACKOFF_BASE_SECONDS [2],
# BACKOFF_FACTOR [2], BACKOFF_CAP_SECONDS [600], TIMEOUT_SECONDS [10], LEASE_SECONDS [300], CONCURRENCY [8].
for _outbox_knob in (
    "MAX_ATTEMPTS",
    "BACKOFF_BASE_SECONDS",
    "BACKOFF_FACTOR",
    "BACKOFF_CAP_SECONDS",
    "TIMEOUT_SECONDS",
    "LEASE_SECONDS",
    "CONCURRENCY",
):
    if os.environ.get(f"HEATDESK_OUTBOX_{_outbox_knob}"):
        globals()[f"HEATDESK_OUTBOX_{_outbox_knob}"] = float(os.environ[f"HEATDESK_OUTBOX_{_outbox_knob}"])
del _outbox_knob
