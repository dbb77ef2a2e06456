"""Settings for Switching SM, read from the environment.

Defaults run the whole system on one machine with no services: a SQLite file,
Celery over kombu's filesystem transport, mail written to files under var/.
Production sets DATABASE_URL, CELERY_BROKER_URL (or REDIS_URL), SECRET_KEY,
ALLOWED_HOSTS and EMAIL_* (see README.md and docker-compose.yml). A value that
cannot be parsed raises ImproperlyConfigured naming the variable and the fix.
"""

import importlib
import re
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("SSM_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def _strict_bool(name, default=False):
    """Return env var `name` as a bool; anything but true/false/1/0/yes/no/on/off is an error.

    django-environ's own bool() reads any unknown word as False, which would
    silently switch a security setting off.
    """
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} is invalid ({raw!r}). Use true or false.")


def _strict(name, cast, default, hint):
    """Return env var `name` cast by `cast`, or raise ImproperlyConfigured with `hint`."""
    try:
        return cast(name, default=default)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"{name} is invalid ({exc}). {hint}") from exc


DEBUG = _strict_bool("DEBUG", False)
_DEV_SECRET = "dev-only-insecure-secret-key-change-me-in-production-0123456789"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# The project's own apps, lowest layer first (docs/architecture.md). This is the one list:
# URLs, periodic sweeps, demo data and the layer check find the apps from it.
PROJECT_APPS = [
    "kernel",
    "accounts",
    "services",
    "notifications",
    "incidents",
    "changes",
    "servicerequests",
    "servicestatus",
    "demand",
    "knowledge",
    "continuity",
    "reporting",
    "portal",
]

INSTALLED_APPS = [
    "switching_sm.apps.SwitchingAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    # htmx, vendored by django-htmx and served as our own static file: the workspace
    # home's live queue counts poll with it (no inline script, so the CSP stays strict).
    "django_htmx",
    *PROJECT_APPS,
]

MIDDLEWARE = [
    # First: probes are answered before host checks, HTTPS redirects and sessions.
    "switching_sm.health.HealthCheckMiddleware",

    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response (see "Security" below).
    "switching_sm.security_headers.CSPMiddleware",
    "switching_sm.security_headers.PermissionsPolicyMiddleware",
    # Serves static files under gunicorn without a separate web server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.audit.AuditContextMiddleware",
    # A database error in a view answers 503 with Retry-After (switching_sm/errors.py).
    "switching_sm.errors.DatabaseUnavailableMiddleware",
    # 400 for a control character in the URL or query string, before any view sees it
    # (last, so the 400 carries every header the middleware above adds).
    "kernel.input_guard.InputGuardMiddleware",
    # Under DEBUG (`make run`) the friendly 404/500 pages instead of Django's technical ones;
    # innermost, so the page it puts in still passes every middleware above (headers).
    "switching_sm.error_pages.DebugErrorPagesMiddleware",
]

ROOT_URLCONF = "switching_sm.urls"
WSGI_APPLICATION = "switching_sm.wsgi.application"

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
                "portal.context_processors.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------
_DEFAULT_DB = f"sqlite:///{VAR_DIR / 'switching_sm.sqlite3'}"
_DB_HINT = "Use e.g. postgres://user:pass@host:5432/name or sqlite:////absolute/path.sqlite3"
try:
    DATABASES = {"default": env.db_url("DATABASE_URL", default=_DEFAULT_DB)}
except Exception as exc:  # django-environ raises several types for bad URLs
    raise ImproperlyConfigured(f"DATABASE_URL is invalid ({exc}). {_DB_HINT}") from exc
if DATABASES["default"]["ENGINE"] not in ("django.db.backends.sqlite3",
                                          "django.db.backends.postgresql"):
    raise ImproperlyConfigured(
        f"DATABASE_URL is invalid (unsupported engine {DATABASES['default']['ENGINE']!r}). "
        f"{_DB_HINT}"
    )
# PostgreSQL through Django's backend with a health check that asks the server only when
# the kept connection's socket has something to say (kernel/postgresql/base.py).
_ENGINES = {"django.db.backends.postgresql": "kernel.postgresql"}
DATABASES["default"]["ENGINE"] = _ENGINES.get(DATABASES["default"]["ENGINE"],
                                              DATABASES["default"]["ENGINE"])
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file (not memory) test database, so a real Celery worker and the
    # browser tests' live server see the rows the test wrote. One file per
    # test process so concurrent runs never share it.
    import os as _os

    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{_os.getpid()}.sqlite3")}
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # Take the write lock when a transaction starts, so concurrent writers (web, worker,
    # beat in `make run`) wait for each other instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
else:
    if env.str("DATABASE_TEST_NAME", default=""):  # a second test run beside the first
        DATABASES["default"]["TEST"] = {"NAME": env.str("DATABASE_TEST_NAME")}
    DATABASES["default"]["CONN_MAX_AGE"] = _strict(
        "CONN_MAX_AGE", env.int, 60, "Use a number of seconds, e.g. 60."
    )
    # A persistent connection that PostgreSQL dropped (a restart, a failover) is
    # noticed and replaced at the start of the next request instead of failing it
    # (without a round trip unless the server sent something: kernel/postgresql/base.py).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Fail fast when the server is unreachable: the request answers 503 (see
    # switching_sm/errors.py) instead of hanging a web worker.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", _strict(
        "DATABASE_CONNECT_TIMEOUT", env.int, 5, "Use a number of seconds, e.g. 5."))
    # No JIT compilation: PostgreSQL compiles a query it estimates as large (the KPI
    # aggregations of a report over a month of a million incidents) for 0.4-0.7 s, more
    # than the query then runs for; nothing here runs long enough to win it back.
    # (bench/RESULTS.md: the monthly report at 1M, with and without.)
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
# Optional read replica (kernel/db_router.py): reporting and dashboard reads go there.
_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if _REPLICA_URL:
    try:
        _replica = env.db_url_config(_REPLICA_URL)
    except Exception as exc:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URL is invalid ({exc}). {_DB_HINT}") from exc
    _replica["ENGINE"] = _ENGINES.get(_replica["ENGINE"], _replica["ENGINE"])
    if _replica["ENGINE"] != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must use the same engine as DATABASE_URL.")
    DATABASES["replica"] = {
        **{k: v for k, v in DATABASES["default"].items() if k not in ("NAME", "TEST")},
        **_replica,
        "TEST": {"MIRROR": "default"},  # tests read the primary's test database through it
    }
DATABASE_ROUTERS = ["kernel.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# fields.W161 fires for a fixed time default (e.g. working day ends 18:00) whenever the
# check runs within seconds of that wall-clock time: our defaults are deliberate office
# hours, and a check that fails CI at 18:00 only would be noise.
SILENCED_SYSTEM_CHECKS = ["fields.W161"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # models.W047: SQLite cannot build a unique constraint with NULLS NOT DISTINCT (the KPI
    # return figure's). Production runs PostgreSQL, which has it; on the local SQLite file a
    # repeated figure is still refused before anything is written (reporting.returns
    # clean_figures). Silenced here so `make run` starts without a warning on every start.
    SILENCED_SYSTEM_CHECKS.append("models.W047")

# --- Auth -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Username and password; refuses deactivated users and organisations on every request.
    "accounts.backends.AccessBackend",
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Locale: stored in UTC, shown in UK time --------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
                    if not DEBUG and env.bool("STATIC_MANIFEST", default=False)
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

# --- Security (production values via environment) ---------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Off by default so the local http:// run works; production sets true (docker-compose.yml).
SESSION_COOKIE_SECURE = _strict_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = _strict_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = _strict("SECURE_HSTS_SECONDS", env.int, 0, "Use a number of seconds.")
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Our pages open no cross-origin windows that need a handle back to us.
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No page uses these browser features; a script injected despite the CSP cannot either.
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), "
                      "magnetometer=(), microphone=(), payment=(), usb=()")
# Content-Security-Policy (django-csp): our own origin only, no inline script or style.
# A page that must run inline code stamps it with the request's nonce
# (`request.csp_nonce`); the nonce is sent only on responses that used it. Redoc needs it
# for the styles it injects; images may be data: URIs (the docs' and admin's icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Email ------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = str(VAR_DIR / "sent-mail")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = _strict("EMAIL_PORT", env.int, 25, "Use a port number, e.g. 587.")
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = _strict_bool("EMAIL_USE_TLS", False)
# Seconds any one SMTP operation (connect, greeting, each command) may take: a mail
# server that accepts the connection and never answers costs one attempt, not a worker.
EMAIL_TIMEOUT = _strict("EMAIL_TIMEOUT", env.float, 10.0, "Use a number of seconds, e.g. 10.")
# Outbound webhooks: seconds to connect, and to wait for each read of the answer.
WEBHOOK_CONNECT_TIMEOUT = _strict("WEBHOOK_CONNECT_TIMEOUT", env.float, 3.05,
                                  "Use a number of seconds, e.g. 3.")
WEBHOOK_READ_TIMEOUT = _strict("WEBHOOK_READ_TIMEOUT", env.float, 5.0,
                               "Use a number of seconds, e.g. 5.")
# How long a worker's claim on an outbox email lasts before the sweep may try it again
# (it died mid-send): longer than a slow SMTP conversation of several EMAIL_TIMEOUTs.
NOTIFICATIONS_SEND_LEASE_SECONDS = _strict("NOTIFICATIONS_SEND_LEASE_SECONDS", env.float, 300.0,
                                           "Use a number of seconds, e.g. 300.")
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Switching Service Desk <desk@switching-sm.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Cache ------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Fail-soft: while Redis is unreachable every read is a miss and the pages are built
    # from the database (kernel/cache.py); short socket timeouts keep a dead server cheap.
    CACHES = {"default": {"BACKEND": "kernel.cache.ResilientRedisCache",
                          "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -----------------------------------------------------------------
# Embedded default: kombu's filesystem transport needs no server. It ignores the host, but
# names one so kombu does not warn "No hostname was supplied" on every start.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery-queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "store_processed": False,
        "control_folder": str(VAR_DIR / "celery-control"),
        "polling_interval": 0.2,  # seconds between looks at the folder (default 1 s per message)
    }
    for _folder in (_queue_dir, VAR_DIR / "celery-processed", VAR_DIR / "celery-control"):
        _folder.mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A task not acknowledged within this time (its worker died) is delivered again.
        # Longer than the longest hard time limit (reports, below), so a running task is
        # never handed to a second worker.
        "visibility_timeout": 3600,
        "socket_connect_timeout": 2,
        "socket_keepalive": True,
        # Ping idle connections so a half-open one (Redis restarted behind a proxy) is
        # noticed within seconds rather than at the next command.
        "health_check_interval": 10,
        "retry_on_timeout": True,
    }
CELERY_TASK_ALWAYS_EAGER = _strict_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# The worker and beat keep trying to reach the broker for as long as it is down (the
# default gives up after 100 attempts and exits), and a task published while it is down
# fails fast (the after-commit helper logs it and the sweeps do the work).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = 4
CELERY_BROKER_POOL_LIMIT = 10
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0,
                                    "interval_step": 0.2, "interval_max": 0.5}
# A task running when the broker connection drops finishes; its acknowledgement is lost
# with the connection, so the broker delivers it again after the visibility timeout and
# the task's own claim (every task here is idempotent) makes the repeat a no-op.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Every task has a soft limit (SoftTimeLimitExceeded: the task records the failure) and a
# hard limit (the pool kills the process). Long jobs set their own (reporting/tasks.py).
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 150
CELERY_WORKER_SEND_TASK_EVENTS = False
# Celery's Django fixup closes the database connection before and after every task unless
# this is set, so each task paid a new PostgreSQL connection (a backend process, the
# handshake: about a fifth of the worker's time under a burst of creates). With it set the
# fixup only recycles the connection every 2 x 500 task starts and ends; between them
# switching_sm/celery.py applies Django's per-request rule to each task (CONN_MAX_AGE, and
# a health check before reuse, so a restarted database is noticed and reconnected).
CELERY_DB_REUSE_MAX = 500
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULER = "kernel.heartbeats:HeartbeatScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 15  # beat wakes at least this often (its heartbeat)
# Queues by kind (CELERY_TASK_ROUTES sends every task to one of them), so a long
# report never waits in front of an SLA escalation or a notice: production runs a worker
# per group (docker-compose.yml); `make run` runs one worker for reports, one for the rest.
CELERY_TASK_DEFAULT_QUEUE = "default"
SSM_QUEUES = ("sla", "status", "notifications", "reports", "default")
CELERY_TASK_ROUTES = {
    # SLA warnings, breaches, escalations and auto-close: never behind anything slow.
    "incidents.tasks.sla_*": {"queue": "sla"},
    "incidents.tasks.auto_close": {"queue": "sla"},
    "incidents.tasks.escalat*": {"queue": "sla"},
    "servicerequests.tasks.sla_*": {"queue": "sla"},
    # Derived service status and the status page.
    "servicestatus.tasks.recompute*": {"queue": "status"},
    "servicestatus.tasks.status_*": {"queue": "status"},
    # Outbound notices: email and webhooks (network I/O to other parties' servers).
    "notifications.tasks.*": {"queue": "notifications"},
    "servicestatus.tasks.deliver_*": {"queue": "notifications"},
    # Long computations: service reports and bulk forecast evaluation.
    "reporting.tasks.generate_*": {"queue": "reports"},
    "reporting.tasks.schedule_*": {"queue": "reports"},
    "demand.tasks.evaluate_forecasts": {"queue": "reports"},
    # Everything else (sweeps, inbound mail, knowledge, change warnings): "default".
}
# Periodic sweeps: each app lists its own in `<app>/beat.py` as SCHEDULE (a
# plain dict, no Django imports). Every sweep is idempotent, so a missed or
# doubled beat costs a delay, never a duplicate.
CELERY_BEAT_SCHEDULE = {}
for _app in PROJECT_APPS:
    try:
        CELERY_BEAT_SCHEDULE.update(importlib.import_module(f"{_app}.beat").SCHEDULE)
    except ModuleNotFoundError as _exc:
        if _exc.name != f"{_app}.beat":
            raise
# Service reports (reporting/generation.py): a running report's heartbeat interval, when
# it counts as dead, and when a queued report's task counts as lost and is sent again.
REPORT_HEARTBEAT_SECONDS = _strict("REPORT_HEARTBEAT_SECONDS", env.float, 15.0,
                                   "Use a number of seconds.")
REPORT_STALE_SECONDS = _strict("REPORT_STALE_SECONDS", env.float, 120.0, "Use a number of seconds.")
REPORT_REQUEUE_SECONDS = _strict("REPORT_REQUEUE_SECONDS", env.float, 120.0,
                                 "Use a number of seconds.")
# Liveness heartbeats (kernel/heartbeats.py) written by every worker and by beat; /readyz
# reports them stale after this many seconds.
HEARTBEAT_SECONDS = _strict("HEARTBEAT_SECONDS", env.float, 15.0, "Use a number of seconds.")
HEARTBEAT_STALE_SECONDS = _strict("HEARTBEAT_STALE_SECONDS", env.float, 90.0,
                                  "Use a number of seconds.")

# --- Rate limits (accounts/rate_limits.py): "<count>/<second|minute|hour|day>" ------
_RATE = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")


def _rate(name, default):
    value = env.str(name, default=default).strip()
    if not _RATE.match(value):
        raise ImproperlyConfigured(f"{name} is invalid ({value!r}). Use e.g. 30/minute or 5/hour.")
    return value


RATE_LIMITS = {
    "sign_in": _rate("RATE_LIMIT_SIGN_IN", "30/minute"),  # per client address
    "password_reset": _rate("RATE_LIMIT_PASSWORD_RESET", "20/hour"),  # per client address
    "password_reset_address": _rate("RATE_LIMIT_PASSWORD_RESET_ADDRESS", "3/hour"),  # per email
    "api_writes": _rate("RATE_LIMIT_API_WRITES", "120/minute"),  # per API token
}

# --- REST API ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its header decides that an unauthenticated call is 401.
        "accounts.api_auth.OrganisationTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "kernel.api_schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "kernel.api_pagination.LimitOffsetPagination",
    # DRF's parsers, refusing control characters anywhere in a body (kernel/input_guard.py).
    "DEFAULT_PARSER_CLASSES": [
        "kernel.input_guard.GuardedJSONParser",
        "kernel.input_guard.GuardedFormParser",
        "kernel.input_guard.GuardedMultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "kernel.api_errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["accounts.rate_limits.ApiTokenWrites"],
    # Proxies in front of us whose X-Forwarded-For we trust (0: use the peer's address).
    "NUM_PROXIES": _strict("NUM_PROXIES", env.int, 0, "Use the number of proxies, e.g. 1."),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Switching SM API",
    "DESCRIPTION": "REST interface for CDS providers and Market Participants.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc served from our own static files (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per status/audience choice set (see switching_sm/api_enums.py).
    "ENUM_NAME_OVERRIDES": {
        name: f"switching_sm.api_enums.{name}" for name in (
            "OutboundEmailStatusEnum", "IncidentStatusEnum", "PostIncidentReviewStatusEnum",
            "RequestItemAudienceEnum", "ServiceRequestStatusEnum", "FulfilmentTaskStatusEnum",
            "ChangeNotificationStatusEnum", "CoordinationMeetingStatusEnum", "ServiceStatusEnum",
            "AudienceEnum", "BulletinStateEnum", "WebhookDeliveryStateEnum", "ForecastStatusEnum",
            "ExcessiveDemandAlertStatusEnum", "RiskStatusEnum", "ArticleStatusEnum",
            "ArticleTaskStatusEnum", "ProblemStatusEnum", "ProviderInvestigationStatusEnum",
            "KnowledgeContributionKindEnum", "KnowledgeContributionStatusEnum",
            "ServiceReportStatusEnum", "ImprovementOpportunityStatusEnum",
            "ParticipantOutageStatusEnum", "ParticipantOutageKindEnum",
            "ParticipantOutageAudienceEnum",
        )
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

VAR_DIR.mkdir(parents=True, exist_ok=True)
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
