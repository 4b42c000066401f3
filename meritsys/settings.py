"""meritsys settings: one module, read from the environment.

Two modes:
- embedded (no variables set): SQLite file, eager Celery tasks, local private media, console
  e-mail. Runs on a bare machine with only Python.
- production: DATABASE_URL (PostgreSQL via psycopg2), REDIS_URL (broker and cache), SECRET_KEY
  required, secure cookies, HSTS.
"""

import warnings
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from core.storage_url import s3_options

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Production is whatever runs with a real database or broker; it must bring its own secret.
PRODUCTION = env.bool("DJANGO_PRODUCTION", default=False)

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="embedded-mode-insecure-key-change-me-in-production")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # accounts first: its registration/ templates (password reset and change in the app's own
    # layout) must win over django.contrib.admin's, which carry the admin's header and breadcrumbs.
    "accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "auditlog",
    "core",
    "institutions",
    "assessments",
    "certificates",
    "surveys",
    "dashboards",
    "audit",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    "demo",
]

MIDDLEWARE = [
    # Outermost: retries a read whose database connection dropped, and knows what a write committed.
    "core.dbdrop.DatabaseDropMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After OTP and messages: a session past its idle or absolute lifetime ends before anything reads it.
    "accounts.middleware.SessionPolicyMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    # Every write below carries the actor, the address and the request id.
    "audit.middleware.AuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "core.middleware.DomainErrorMiddleware",
    # Axes must be last: it inspects the response of the login view.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "meritsys.urls"

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
                "django.template.context_processors.i18n",
                "accounts.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "meritsys.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections whenever PostgreSQL is used (not only with DJANGO_PRODUCTION): opening
    # a connection (backend fork, authentication, session setup) cost about 10 ms per request under
    # gunicorn, more than the whole cached dashboard view (bench/dashboard.py). Health checks
    # replace a connection the server dropped instead of failing the request. runserver's
    # per-request threads simply do not reuse them.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The same backends, noting each commit of a request (core/dbdrop.py).
DATABASES["default"]["ENGINE"] = {
    "django.db.backends.postgresql": "core.db.postgresql",
    "django.db.backends.sqlite3": "core.db.sqlite3",
}.get(DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"])

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Argon2id first (accounts.passwords: cheaper per sign-in than PBKDF2 at equal strength), PBKDF2
# so that hashes made before still verify and are upgraded at the next sign-in.
PASSWORD_HASHERS = PASSWORD_HASHERS_PRODUCTION = [
    "accounts.passwords.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    # Compares with the e-mail, its local part (editor.ciamis) and the full name.
    {"NAME": "accounts.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    # Django's list of 20,000 common passwords plus the product's own (merit2026, ...).
    {"NAME": "accounts.passwords.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling (django-axes): lock an e-mail + address pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Beyond axes' per account + address lock: failed logins counted per address across accounts
# (one address guessing many accounts) and per account across addresses (a botnet on one
# account), in the shared cache, each over a window of LOGIN_THROTTLE_WINDOW_MINUTES.
# An office behind one NAT shares an address: the per-address limit is several times axes' one.
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=15)
LOGIN_FAILURES_PER_ACCOUNT = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=10)
LOGIN_THROTTLE_WINDOW_MINUTES = env.int("LOGIN_THROTTLE_WINDOW_MINUTES", default=15)
# Password reset requests: per address and per e-mail, per hour.
PASSWORD_RESET_PER_ADDRESS = env.int("PASSWORD_RESET_PER_ADDRESS", default=10)
PASSWORD_RESET_PER_EMAIL = env.int("PASSWORD_RESET_PER_EMAIL", default=3)
# How many reverse proxies append to X-Forwarded-For in front of the app (0: the client is
# REMOTE_ADDR). Used by the login throttles, the audit log and the charter lookup limit.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=env.int("CERTIFICATE_VERIFY_TRUSTED_PROXIES", default=0))

# Two-factor sign-in (django-otp, TOTP + single-use recovery codes). Required for admins and
# verifiers whenever OTP_REQUIRED_FOR_STAFF is on (the default, also in production); institution
# users may enrol. Switching it off is for a local demo only and `check --deploy` refuses it.
OTP_REQUIRED_FOR_STAFF = env.bool("OTP_REQUIRED_FOR_STAFF", default=True)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="meritsys")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Session policy: an idle timeout per kind of user and an absolute lifetime for every session.
SESSION_IDLE_MINUTES_STAFF = env.int("SESSION_IDLE_MINUTES_STAFF", default=30)
SESSION_IDLE_MINUTES_INSTITUTION = env.int("SESSION_IDLE_MINUTES_INSTITUTION", default=120)
SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=12)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 3600

# Audit log (django-auditlog): actor, address, request id, before and after of every write.
AUDITLOG_CID_HEADER = "x-request-id"
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_DISABLE_REMOTE_ADDR = False

# Internationalisation: Indonesian first, English complete.
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True
# Dates and numbers: one format per language (core/formats), written only by core.formatting.
FORMAT_MODULE_PATH = ["core.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Evidence and documents: local disk by default; an S3-compatible bucket when STORAGE_URL is set
# (core/storage_url.py), so every web and worker machine reads what another one stored.
STORAGE_URL = env.str("STORAGE_URL", default="")
STORAGES = {
    "default": (
        {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_options(STORAGE_URL)}
        if STORAGE_URL
        else {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            # Private: never under STATIC_ROOT nor served by any URL; downloads go through views
            # that check permission.
            "OPTIONS": {"location": env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private_media")},
        }
    ),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
    },
}
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private_media")
# Nothing is served from a media URL: evidence and documents are private.
MEDIA_URL = "/_private_not_served/"
MEDIA_ROOT = BASE_DIR / "_private_not_served"
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    # Outside production static files come from the finders; STATIC_ROOT need not exist.
    warnings.filterwarnings("ignore", message="No directory at: ")
# Evidence upload limit per file, in bytes (default 10 MB).
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
# The REST API (api/): calls per key per minute (fixed window in the shared cache), and how long a
# new key lives unless its creator chooses otherwise.
API_CALLS_PER_MINUTE = env.int("API_CALLS_PER_MINUTE", default=120)
API_KEY_DEFAULT_DAYS = env.int("API_KEY_DEFAULT_DAYS", default=365)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasApiKey"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.KeyRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "meritsys API",
    "DESCRIPTION": "The merit-system assessment: institutions push answers and evidence; the oversight body and "
    "the public read results. Errors are RFC 9457 problem details.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.problem_responses"],
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Public charter verification: lookups per client per minute, and how many reverse proxies in
# front of the app append to X-Forwarded-For (0: the client is REMOTE_ADDR). Behind a proxy set
# the count, or every visitor shares the proxy's address and one limit.
CERTIFICATE_VERIFY_RATE_PER_MINUTE = env.int("CERTIFICATE_VERIFY_RATE_PER_MINUTE", default=20)
CERTIFICATE_VERIFY_TRUSTED_PROXIES = env.int("CERTIFICATE_VERIFY_TRUSTED_PROXIES", default=0)  # see TRUSTED_PROXIES
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: eager in the embedded mode, a real worker on Redis otherwise.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# The broker may live apart from the cache (CELERY_BROKER_URL); by default both are REDIS_URL.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# Task modules outside `tasks.py` that a worker must register.
CELERY_IMPORTS = ("core.outbox", "core.health", "core.tasks", "assessments.notifications", "assessments.scoring.tasks")
CELERY_TASK_ROUTES = {"certificates.tasks.*": {"queue": "pdf"}}
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# A message a worker took and never acknowledged (the worker was killed) goes back to the queue
# after this long. Celery's default is one hour; it must stay above the longest time limit (300 s),
# or a task still running would be handed to a second worker (the outbox claim would then skip it).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 60),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Results are never read; storing them would make Redis a dependency of every task's success.
CELERY_TASK_IGNORE_RESULT = True
# The outbox (core/outbox.py): entries sent but not started after this long are sent again.
OUTBOX_RESEND_AFTER_SECONDS = env.int("OUTBOX_RESEND_AFTER_SECONDS", default=300)
OUTBOX_SWEEP_SECONDS = env.int("OUTBOX_SWEEP_SECONDS", default=60)
# Documents queued or rendering this long with no pending outbox entry are queued again.
DOCUMENT_STUCK_SECONDS = env.int("DOCUMENT_STUCK_SECONDS", default=600)
# Each worker writes its heartbeat this often; readiness calls a worker silent for three beats dead.
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=30)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "sweep-stale-scores": {
        "task": "assessments.scoring.tasks.scores_sweep_stale",
        "schedule": crontab(minute="*/5"),
    },
    "outbox-resend": {"task": "core.outbox.resend", "schedule": float(OUTBOX_SWEEP_SECONDS)},
    "documents-requeue-stuck": {"task": "certificates.tasks.documents_requeue_stuck_task", "schedule": 300.0},
    "jobs-purge": {"task": "core.tasks.jobs_purge", "schedule": crontab(minute=17)},
    "surveys-close-due": {"task": "surveys.tasks.surveys_close_due_task", "schedule": crontab(minute=5, hour=0)},
    "surveys-remind": {"task": "surveys.tasks.surveys_remind_task", "schedule": crontab(minute=0, hour=8)},
    # Deadline reminders: one digest per person per day, early in the Jakarta morning.
    "deadline-reminders": {"task": "assessments.tasks.reminders_send_task", "schedule": crontab(hour=6, minute=30)},
}
# Background exports (core.jobs) and their files are kept this long, then deleted.
JOB_KEEP_HOURS = env.int("JOB_KEEP_HOURS", default=24)
# The survey's answer endpoint: submissions per client address per hour (an office behind one
# NAT address answers together, so the limit is generous; it stops a script, not a ministry).
SURVEY_SUBMISSIONS_PER_ADDRESS_HOUR = env.int("SURVEY_SUBMISSIONS_PER_ADDRESS_HOUR", default=600)
# Wrong single-use codes (strict mode) one address may send in an hour before it is refused.
SURVEY_CODE_GUESSES_PER_ADDRESS_HOUR = env.int("SURVEY_CODE_GUESSES_PER_ADDRESS_HOUR", default=30)

if REDIS_URL:
    # Redis errors are a cache miss (logged once), so pages and saves keep working on the database.
    CACHES = {
        "default": {
            "BACKEND": "core.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions are read from the cache and written through to the database: a logged-in page no longer
# pays a session query (bench/dashboard.py). With Redis the cache is shared by every process, so a
# logout or a flushed session is seen everywhere at once. Without Redis each process has its own
# memory cache: fine for the embedded single-process mode; if several processes serve without
# Redis, another process may still accept a logged-out session for up to SESSION_CACHE_SECONDS.
# When Redis is down the session cache answers "miss" and swallows writes (core.cache), so every
# session is read from and written to the database alone. Entries are capped at
# SESSION_CACHE_SECONDS in Redis too: a logout during an outage cannot delete the cached copy, and
# the cap bounds how long that copy could outlive it once Redis is back.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "sessions"
SESSION_CACHE_SECONDS = 60
CACHES["sessions"] = (
    {
        **CACHES["default"],
        "BACKEND": "core.cache.CappedTolerantRedisCache",
        "KEY_PREFIX": "session",
        "TIMEOUT": SESSION_CACHE_SECONDS,
    }
    if REDIS_URL
    else {"BACKEND": "core.cache.CappedLocMemCache", "LOCATION": "sessions", "TIMEOUT": SESSION_CACHE_SECONDS}
)
# Rendered template fragments that depend only on the role, the language and whether the second
# factor is still pending (the navigation):
# per-process memory, so a deploy that changes a template never serves an old fragment.
CACHES["fragments"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fragments"}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "sent_mail"))  # for the file backend
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="meritsys <noreply@meritsys.local>")

# The oversight body is configurable (KASN historically, BKN today).
OVERSIGHT_BODY_NAME = env.str("OVERSIGHT_BODY_NAME", default="Komisi Aparatur Sipil Negara")
OVERSIGHT_BODY_SHORT = env.str("OVERSIGHT_BODY_SHORT", default="KASN")
# A person's name (and NIP) pre-fills a new draft; empty means the admin types it.
OVERSIGHT_SIGNATORY_NAME = env.str("OVERSIGHT_SIGNATORY_NAME", default="")
OVERSIGHT_SIGNATORY_NIP = env.str("OVERSIGHT_SIGNATORY_NIP", default="")
OVERSIGHT_SIGNATORY_TITLE = env.str("OVERSIGHT_SIGNATORY_TITLE", default="Ketua")
# The letterhead (kop): address line and emblem (a PNG, JPEG or SVG file the operator uploads;
# empty: the neutral emblem the project ships). Copied onto each decision when it is issued.
OVERSIGHT_BODY_ADDRESS = env.str("OVERSIGHT_BODY_ADDRESS", default="Jakarta")
OVERSIGHT_EMBLEM_PATH = env.str("OVERSIGHT_EMBLEM_PATH", default="")
# Default tembusan of a new draft, one addressee per line ("|" separates them in the variable).
OVERSIGHT_COPIES_TO = env.str(
    "OVERSIGHT_COPIES_TO",
    default="Presiden Republik Indonesia|Menteri Pendayagunaan Aparatur Negara dan Reformasi Birokrasi",
).replace("|", "\n")
# Every public link (QR codes, e-mails) starts with this. Production must say where it is served;
# `make run` passes the address it serves on.
if PRODUCTION:
    PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL")
else:
    PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
# Electronic signature (PAdES, pyHanko): the operator's PKCS#12 file and its password. Without
# it, documents are issued unsigned and say so on the page.
DOCUMENT_SIGNING_PKCS12 = env.str("DOCUMENT_SIGNING_PKCS12", default="")
DOCUMENT_SIGNING_PASSWORD = env.str("DOCUMENT_SIGNING_PASSWORD", default="")

# Where import_register reads the official codes (npm package idn-area-data, ODbL).
IDN_AREA_DATA_DIR = env.path("IDN_AREA_DATA_DIR", default=BASE_DIR / "node_modules" / "idn-area-data" / "data")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
# Only evidence previews may be framed (same origin), by their own view.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'"
)

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
