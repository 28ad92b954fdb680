"""Django settings. Every knob comes from a HEATDESK_* environment variable, parsed once into
`heatdesk.config.HeatdeskSettings` (defaults and a comment for each live there); a bad value stops the
start naming its variable. Domain code reads `django.conf.settings.HEATDESK_<FIELD>` at call time."""

import os
from pathlib import Path

from heatdesk import config

BASE_DIR = Path(__file__).resolve().parent

# Lower case, so not a Django setting itself: tests override the HEATDESK_* settings below.
parsed = config.HeatdeskSettings.from_env(os.environ)

# Where the SQLite database, uploaded photos and the generated secret key live.
DATA_DIR = parsed.data_dir
DATA_DIR.mkdir(parents=True, exist_ok=True)
DEBUG = parsed.debug
DEMO_MODE = parsed.demo
SECRET_KEY = parsed.secret_key
ALLOWED_HOSTS = list(parsed.allowed_hosts)
CSRF_TRUSTED_ORIGINS = list(parsed.csrf_trusted_origins)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = parsed.secure_cookies

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
    "heatdesk.audit",
    "heatdesk.geo",
    "heatdesk.notify",
    "heatdesk.guidance",
    "heatdesk.sla",
    "heatdesk.tickets",
    "heatdesk.supervision",
    "heatdesk.incidents",
    "heatdesk.community",
    "heatdesk.feedback",
    "heatdesk.reports",
    "heatdesk.operations",
    "heatdesk.api",
    "heatdesk.web",
    "heatdesk.open311",
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

DATABASES = {"default": parsed.database(os.environ)}
if parsed.replica_database_url:  # reports read here (heatdesk.core.databases); tests mirror the primary
    replica_env = {**os.environ, "HEATDESK_DATABASE_URL": parsed.replica_database_url}
    DATABASES["replica"] = config.database(replica_env, parsed.data_dir)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["heatdesk.core.databases.ReplicaRouter"]
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
LOCALE_PATHS = [BASE_DIR / "web" / "locale"]
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

DATA_UPLOAD_MAX_MEMORY_SIZE = parsed.max_upload_bytes + 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"heatdesk": {"handlers": ["console"], "level": parsed.log_level}},
}

# ---- HEATDESK_* knobs as Django settings (meaning and default of each: heatdesk/config.py) ------
HEATDESK_REPLICA_DATABASE_URL = parsed.replica_database_url
HEATDESK_MAX_UPLOAD_BYTES = parsed.max_upload_bytes
HEATDESK_SATISFIED_SET = list(parsed.satisfied_set)
HEATDESK_SLA_ESCALATE_AFTER_SECONDS = parsed.sla_escalate_after_seconds
HEATDESK_WORKER_POLL_SECONDS = parsed.worker_poll_seconds
HEATDESK_OUTBOX_MAX_ATTEMPTS = parsed.outbox_max_attempts
HEATDESK_OUTBOX_BACKOFF_BASE_SECONDS = parsed.outbox_backoff_base_seconds
HEATDESK_OUTBOX_BACKOFF_FACTOR = parsed.outbox_backoff_factor
HEATDESK_OUTBOX_BACKOFF_CAP_SECONDS = parsed.outbox_backoff_cap_seconds
HEATDESK_OUTBOX_TIMEOUT_SECONDS = parsed.outbox_timeout_seconds
HEATDESK_OUTBOX_LEASE_SECONDS = parsed.outbox_lease_seconds
HEATDESK_OUTBOX_CONCURRENCY = parsed.outbox_concurrency
HEATDESK_BASE_URL = parsed.base_url
HEATDESK_TRUSTED_PROXIES = list(parsed.trusted_proxies)
HEATDESK_SECURE_COOKIES = parsed.secure_cookies
HEATDESK_SMS_BACKEND = parsed.sms_backend
HEATDESK_SMS_URL = parsed.sms_url
HEATDESK_SMS_KEY = parsed.sms_key
HEATDESK_SMS_SECRET = parsed.sms_secret
HEATDESK_SMS_SIGN_NAME = parsed.sms_sign_name
HEATDESK_SMS_APP_ID = parsed.sms_app_id
HEATDESK_SMS_REGION = parsed.sms_region
HEATDESK_DIGEST_AT = parsed.digest_at
HEATDESK_BURST_CALLS = parsed.burst_calls
HEATDESK_BURST_MINUTES = parsed.burst_minutes
HEATDESK_OPEN311_JURISDICTION = parsed.open311_jurisdiction
HEATDESK_OPEN311_INTAKE_USER = parsed.open311_intake_user
HEATDESK_OPEN311_POST_LIMIT = parsed.open311_post_limit
HEATDESK_OPEN311_READ_LIMIT = parsed.open311_read_limit
HEATDESK_OPEN311_WINDOW_SECONDS = parsed.open311_window_seconds
HEATDESK_OPEN311_NEAREST_METERS = parsed.open311_nearest_meters
HEATDESK_PROACTIVE_INTAKE_USER = parsed.proactive_intake_user

# ---- Hardening: sign-in, tokens, request ids, logs, CSP, TLS (issue 11, `auth`) -------------------
# One block so it merges as a unit; it extends MIDDLEWARE and LOGGING defined above.
from csp.constants import NONCE  # noqa: E402 - kept inside the block it serves

# Every authenticate() (the admin's login included) runs the one throttled credential check.
AUTHENTICATION_BACKENDS = ["heatdesk.accounts.backends.ThrottledModelBackend"]

MIDDLEWARE.insert(0, "heatdesk.core.middleware.RequestIdMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("csp.middleware.CSPMiddleware") + 1, "heatdesk.core.middleware.InputEdgeMiddleware")

# The pages run only our own scripts (static files, or an inline block carrying the request's nonce).
# Styles may be inline: ECharts and the wall set style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

if HEATDESK_SECURE_COOKIES:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Every record carries the request id; URLs in Django's request and server logs lose phones in queries.
LOGGING["filters"] = {
    "request_id": {"()": "heatdesk.core.logging.RequestIdFilter"},
    "mask_query_strings": {"()": "heatdesk.core.logging.MaskQueryStrings"},
}
LOGGING["formatters"]["plain"]["format"] = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
LOGGING["handlers"]["console"]["filters"] = ["request_id", "mask_query_strings"]
LOGGING["loggers"]["django.request"] = {"handlers": ["console"], "level": "ERROR", "propagate": False}
LOGGING["loggers"]["django.server"] = {"handlers": ["console"], "level": "INFO", "propagate": False}
# ---- end of the hardening block ---------------------------------------------------------------------
