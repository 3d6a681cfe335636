"""Settings, all from the environment (django-environ).

Nothing here needs a server on a fresh machine: with no DATABASE_URL the portal uses
SQLite, and with no CELERY_BROKER_URL Celery uses kombu's filesystem transport under
var/, which (unlike eager mode) honours retry countdowns. Production and CI set both.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from integration.version import __version__

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def secret(name: str, default: str = "") -> str:
    """A secret from the file named by NAME_FILE (a Docker or Kubernetes secret mounted as
    a file; surrounding whitespace such as the final newline dropped), else from NAME.
    Every key, password and token below is read through here (README "Deploying")."""
    path = env.str(f"{name}_FILE", default="")
    if not path:
        return env.str(name, default=default)
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ImproperlyConfigured(f"{name}_FILE: cannot read {path} ({exc.strerror})") from None


def secret_list(name: str) -> list[str]:
    """Several secrets in one (comma separated, or one per line in a file)."""
    return [item.strip() for item in secret(name).replace("\n", ",").split(",") if item.strip()]


DEBUG = env.bool("DJANGO_DEBUG", default=False)
# `make demo` and the tests set PORTAL_DEMO: public demo keys are then allowed. Anywhere
# else the portal refuses to start without its own keys, because the secrets it stores
# would be encrypted with a key everyone can read.
DEMO = env.bool("PORTAL_DEMO", default=False)
SECRET_KEY = secret("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
# Names the portal answers to inside the installation's network, besides its public name
# above: the country config keeps mosip-api's service name (http://mosip-api:2024),
# Prometheus scrapes portal:8000, Kubernetes services are <name>.<namespace>.svc[.cluster.local],
# health probes use loopback. Fixed names no outsider can point elsewhere, and the TLS
# proxy routes only the public name. A refused host is logged as one warning naming both.
INTERNAL_HOSTS = env.list(
    "PORTAL_INTERNAL_HOSTS",
    default=[
        "mosip-api",
        "portal",
        ".svc",
        ".svc.cluster.local",
        "localhost",
        "127.0.0.1",
        "[::1]",
    ],
)
ALLOWED_HOSTS += [host for host in INTERNAL_HOSTS if host not in ALLOWED_HOSTS]
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# A form refused for its CSRF token gets a written page, not Django's bare one.
CSRF_FAILURE_VIEW = "integration.console.views.access.csrf_failure"

# Key for secrets stored in the database (Fernet). Several keys, comma separated, allow
# rotation: the first encrypts, all decrypt. Derived from SECRET_KEY when unset.
FIELD_ENCRYPTION_KEYS = secret_list("PORTAL_FIELD_ENCRYPTION_KEYS")
if not DEMO and not DEBUG and not (SECRET_KEY and FIELD_ENCRYPTION_KEYS):
    raise ImproperlyConfigured(
        "Set DJANGO_SECRET_KEY and PORTAL_FIELD_ENCRYPTION_KEYS (see .env.example), or "
        "PORTAL_DEMO=true for a demo with public keys."
    )
SECRET_KEY = SECRET_KEY or "insecure-demo-key-change-me-in-production"

# Behind a TLS-terminating proxy in production; plain HTTP on loopback in the demo.
SECURE_COOKIES = env.bool("PORTAL_SECURE_COOKIES", default=not (DEMO or DEBUG))
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
# Roles come from the identity provider at sign-in: a session lasts a working day, so a
# role removed there is gone by the next sign-in at the latest.
SESSION_COOKIE_AGE = env.int("PORTAL_SESSION_SECONDS", default=8 * 3600)
BEHIND_TLS_PROXY = env.bool("PORTAL_BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Browsers only ever reach the portal over HTTPS: redirect plain HTTP and tell them to
# stay (HSTS). Machine callers inside the installation's network (OpenCRVS's country
# config, MOSIP's hub, health probes) may call plain HTTP as they did mosip-api, so
# their paths are exempt from the redirect (PORTAL_SSL_REDIRECT_EXEMPT, regexes).
SECURE_SSL_REDIRECT = env.bool("PORTAL_SSL_REDIRECT", default=SECURE_COOKIES)
SECURE_REDIRECT_EXEMPT = env.list(
    "PORTAL_SSL_REDIRECT_EXEMPT",
    default=[
        r"^healthz$",
        r"^metrics$",
        r"^events/",
        r"^trigger/",
        r"^webhooks/",
        r"^websub/",
        r"^verify$",
        r"^esignet/",
    ],
)
SECURE_HSTS_SECONDS = env.int(
    "PORTAL_HSTS_SECONDS", default=365 * 24 * 3600 if SECURE_COOKIES else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("PORTAL_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("PORTAL_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # the API docs' ReDoc, served from the package
    "axes",
    "integration",
]

MIDDLEWARE = [
    "integration.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "integration.api.middleware.BodySizeLimitMiddleware",
    "integration.api.errors.OutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language comes from the browser's Accept-Language, or the user's pick (set_language).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # answers a locked-out sign-in with 429
]

# Content-Security-Policy on every page: scripts, styles and everything else from the
# portal itself, no inline script or style (templates use static files only). The API
# docs page adds what ReDoc needs (integration.api.docs).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url_config(
        secret("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"
    ),
}
# The password apart from the URL (DATABASE_PASSWORD_FILE: the same secret PostgreSQL's
# image reads as POSTGRES_PASSWORD_FILE), so the URL itself holds none.
if _database_password := secret("DATABASE_PASSWORD"):
    DATABASES["default"]["PASSWORD"] = _database_password
_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if _POSTGRES and env.bool("DATABASE_POOL", default=True):
    # Every process keeps its connections in psycopg's pool: a request or task borrows
    # one and gives it back, instead of opening one (a PostgreSQL backend) each time.
    # Size per process: gunicorn threads (web) or worker threads (Celery), plus the
    # lease heartbeats; see README "Sizing". Idle connections above min_size close.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        # A worker thread holds its connection for its task: at least the worker
        # concurrency (32) plus the lease heartbeats; a web process its thread count.
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=40),
        # How long a request or task waits for a connection. With the database down,
        # OpenCRVS and MOSIP's hub get their 503 within this, well inside their own
        # timeouts (a 10 s wait ran into the hub's 10 s and read as a timeout).
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=3.0),
        "max_idle": 300.0,
        "max_lifetime": 3600.0,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them; Django must not
    # A connection the server dropped is noticed when taken from the pool, not used broken.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # PostgreSQL without the pool: persistent connections, checked on reuse. (SQLite's
    # are a file open: nothing to keep.)
    _age = env.int("DATABASE_CONN_MAX_AGE", default=60 if _POSTGRES else 0)
    DATABASES["default"].setdefault("CONN_MAX_AGE", _age)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if _POSTGRES and env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
    # Parameters bound by the server, and each statement prepared on a connection once it
    # has run five times there: PostgreSQL then skips parsing and planning it, about a
    # third of its CPU per record (README "Sizing and processes"). Turn it off behind a
    # PgBouncer in transaction mode, which cannot keep a statement prepared.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
if _POSTGRES:
    # A silent network (a partition: bytes held, nothing reset) must fail fast, not hang a
    # worker past its lease: TCP keepalives find a peer gone quiet on an idle socket,
    # tcp_user_timeout one that stops acknowledging what was sent, statement_timeout a
    # statement the server runs too long (0 turns each off). README "Leases and fencing".
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options.update(
        keepalives=1,
        keepalives_idle=env.int("DATABASE_KEEPALIVES_IDLE", default=10),
        keepalives_interval=env.int("DATABASE_KEEPALIVES_INTERVAL", default=5),
        keepalives_count=env.int("DATABASE_KEEPALIVES_COUNT", default=3),
        tcp_user_timeout=env.int("DATABASE_TCP_USER_TIMEOUT_MS", default=15000),
    )
    if _statement_ms := env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=60000):
        _db_options["options"] = (
            f"{_db_options.get('options', '')} -c statement_timeout={_statement_ms}".strip()
        )
# Settings rows, mapping profiles and trusted documents are kept per process and checked
# against a version in the shared cache (integration/config_cache.py). None: on when the
# cache is shared (Redis), off with the per-process locmem cache.
PORTAL_CONFIG_CACHE = env.bool("PORTAL_CONFIG_CACHE", default=None)
PORTAL_CONFIG_CACHE_SECONDS = env.float("PORTAL_CONFIG_CACHE_SECONDS", default=300.0)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several processes (web, worker, beat) share the file in the demo.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(VAR_DIR / "test.sqlite3")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url_config(secret("CACHE_URL") or "locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "portal.redis_cache.RedisCache"  # one client per pool
# Redis sockets (cache and broker) give up on a silent network instead of hanging: a
# read waits at most REDIS_SOCKET_TIMEOUT, a connection REDIS_SOCKET_CONNECT_TIMEOUT, an
# idle connection is checked before use after REDIS_HEALTH_CHECK_INTERVAL, with keepalives.
REDIS_SOCKET_OPTIONS = {
    "socket_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=5.0),
    "socket_connect_timeout": env.float("REDIS_SOCKET_CONNECT_TIMEOUT", default=3.0),
    "socket_keepalive": True,
    "health_check_interval": env.int("REDIS_HEALTH_CHECK_INTERVAL", default=15),
}
if CACHES["default"]["BACKEND"] == "portal.redis_cache.RedisCache":
    CACHES["default"].setdefault("OPTIONS", {}).update(REDIS_SOCKET_OPTIONS)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
# Adding a language: README "Adding a language".
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Times are stored in UTC and shown in this zone (an IANA name such as Africa/Kampala),
# in the formats of the reader's language (portal/formats/ over Django's own).
TIME_ZONE = env.str("PORTAL_TIME_ZONE", default="UTC")
FORMAT_MODULE_PATH = ["portal.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("PORTAL_STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

REST_FRAMEWORK = {
    "DEFAULT_PARSER_CLASSES": ["integration.api.parsing.StorableJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OpenCRVS–MOSIP integration portal",
    "VERSION": __version__,  # the portal's release, shown beside the title
    "SERVE_INCLUDE_SCHEMA": False,
    "REDOC_DIST": "SIDECAR",  # no CDN: the docs work offline
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "integration.api.openapi.add_plain_django_endpoints",
    ],
}

# Largest request body the API accepts; bigger ones get 413 before being read.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("PORTAL_MAX_BODY_BYTES", default=5 * 1024 * 1024)

# --- Celery -------------------------------------------------------------------------
CELERY_BROKER_URL = secret("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "polling_interval": 0.2,  # seconds; the folder is polled, not pushed
        "store_processed": False,
    }
else:
    # Retry countdowns stay far below this, so Redis never re-delivers a waiting message.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600, **REDIS_SOCKET_OPTIONS}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# The tasks wait on MOSIP and OpenCRVS, not on the CPU: run the worker as one process
# with a pool of threads, `celery -A portal worker -B --pool threads -c 32` (README
# "Sizing and processes"). Not made the settings' default: the in-process test workers
# then leave kombu bound to a stopped Redis for the tests after the Redis-restart test.
if env.str("CELERY_WORKER_POOL", default=""):
    CELERY_WORKER_POOL = env.str("CELERY_WORKER_POOL")
if env.str("CELERY_WORKER_CONCURRENCY", default=""):
    CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY")
# One message ahead per thread: with more, kombu 5.7 crashes acknowledging the messages
# taken ahead after a Redis restart (tests/test_worker_heartbeat.py fails).
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int("CELERY_WORKER_PREFETCH_MULTIPLIER", default=1)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker keeps trying to reach the broker for as long as it is down (the default
# gives up after 100 tries and the worker exits).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Each worker writes a heartbeat this often; /healthz reports the workers silent when
# none has written for PORTAL_WORKER_SILENT_SECONDS.
PORTAL_WORKER_HEARTBEAT_SECONDS = env.float("PORTAL_WORKER_HEARTBEAT_SECONDS", default=15.0)
PORTAL_WORKER_SILENT_SECONDS = env.float("PORTAL_WORKER_SILENT_SECONDS", default=60.0)

# --- Delivery policy ----------------------------------------------------------------
PORTAL_RETRY_BASE_SECONDS = env.float("PORTAL_RETRY_BASE_SECONDS", default=30.0)
PORTAL_RETRY_MAX_SECONDS = env.float("PORTAL_RETRY_MAX_SECONDS", default=1800.0)
PORTAL_MAX_ATTEMPTS = env.int("PORTAL_MAX_ATTEMPTS", default=12)
# A bulk job untouched this long belonged to a worker that died: the sweep frees it.
PORTAL_STALE_CLAIM_SECONDS = env.int("PORTAL_STALE_CLAIM_SECONDS", default=600)
# A worker holds a record by a lease it renews every third of this while it works; a
# lease run out (its worker was killed) is handed back by the next sweep.
PORTAL_LEASE_SECONDS = env.float("PORTAL_LEASE_SECONDS", default=30.0)
# No remote call starts with less of the lease left than this, and every call's connect and
# read timeouts end this much before the lease does (integration.services.fence).
PORTAL_LEASE_MARGIN_SECONDS = env.float("PORTAL_LEASE_MARGIN_SECONDS", default=3.0)
# A row still "received" this long after commit lost its message: the sweep re-enqueues.
PORTAL_SWEEP_GRACE_SECONDS = env.int("PORTAL_SWEEP_GRACE_SECONDS", default=60)
PORTAL_SWEEP_INTERVAL_SECONDS = env.float("PORTAL_SWEEP_INTERVAL_SECONDS", default=15.0)
PORTAL_WEBSUB_RESUBSCRIBE_SECONDS = env.float("PORTAL_WEBSUB_RESUBSCRIBE_SECONDS", default=6 * 3600)
# After an admin saves a new WebSub secret, deliveries signed with the previous one are
# still accepted this long (integration/services/key_rotation.py).
PORTAL_WEBSUB_SECRET_OVERLAP_HOURS = env.float("PORTAL_WEBSUB_SECRET_OVERLAP_HOURS", default=24.0)
# How often beat applies the retention policy (the days are set in the admin).
PORTAL_RETENTION_INTERVAL_SECONDS = env.float("PORTAL_RETENTION_INTERVAL_SECONDS", default=3600.0)
# Reconciliation with OpenCRVS (integration/services/reconciliation.py): how often beat
# compares OpenCRVS's events with the portal's records (0: never), how far back it looks,
# how long an event may wait before it counts as a difference (the country config's call
# or our own confirmation may still be on its way), and what happens to an event the
# portal never received: "take_in" (taken in at once) or "list" (a person takes it in).
PORTAL_RECONCILIATION_INTERVAL_SECONDS = env.float(
    "PORTAL_RECONCILIATION_INTERVAL_SECONDS", default=900.0
)
PORTAL_RECONCILIATION_WINDOW_HOURS = env.float("PORTAL_RECONCILIATION_WINDOW_HOURS", default=72.0)
PORTAL_RECONCILIATION_GRACE_SECONDS = env.float(
    "PORTAL_RECONCILIATION_GRACE_SECONDS", default=900.0
)
PORTAL_RECONCILIATION_MISSING = env.str("PORTAL_RECONCILIATION_MISSING", default="take_in")
# Records erased per run at most, oldest first (a large first backlog drains over runs).
PORTAL_RETENTION_MAX_RECORDS_PER_RUN = env.int(
    "PORTAL_RETENTION_MAX_RECORDS_PER_RUN", default=20_000
)
# --- MOSIP's own status and credential recovery (integration.services.mosip_status) ---
# A record waiting for its credential this long after the workflow start is looked up in
# MOSIP's registration processor, again at most every interval, 100 a call.
PORTAL_MOSIP_STATUS_AFTER_SECONDS = env.float("PORTAL_MOSIP_STATUS_AFTER_SECONDS", default=240.0)
PORTAL_MOSIP_STATUS_INTERVAL_SECONDS = env.float(
    "PORTAL_MOSIP_STATUS_INTERVAL_SECONDS", default=120.0
)
PORTAL_MOSIP_STATUS_CHECK_SECONDS = env.float("PORTAL_MOSIP_STATUS_CHECK_SECONDS", default=60.0)
# A packet MOSIP still does not know this long after its workflow start was never
# written: it is sent again under the same transaction id.
PORTAL_MOSIP_UNKNOWN_GRACE_SECONDS = env.float("PORTAL_MOSIP_UNKNOWN_GRACE_SECONDS", default=900.0)
# MOSIP processed the packet but no credential came this long after the workflow start:
# it is asked for again, at most this many times (backoff doubling from the wait); then
# the record needs a person. The defaults ask at 4 and 12 minutes and give up at 28, so
# PortalRecordsNeedAPerson (30 minutes) fires within the hour.
PORTAL_CREDENTIAL_WAIT_SECONDS = env.float("PORTAL_CREDENTIAL_WAIT_SECONDS", default=240.0)
PORTAL_CREDENTIAL_REQUESTS_MAX = env.int("PORTAL_CREDENTIAL_REQUESTS_MAX", default=2)
PORTAL_MOSIP_CREDENTIAL_TYPE = env.str("PORTAL_MOSIP_CREDENTIAL_TYPE", default="vercred")
PORTAL_MOSIP_CREDENTIAL_PARTNER = env.str(
    "PORTAL_MOSIP_CREDENTIAL_PARTNER", default="opencrvs-partner"
)
# MOSIP's internal API gateway (registration processor, ID repository, credential
# requests); empty: the workflow URL's host.
PORTAL_MOSIP_GATEWAY_URL = env.str("PORTAL_MOSIP_GATEWAY_URL", default="")
# A record MOSIP rejected is rejected in OpenCRVS at once with MOSIP's reason (off: staff
# decide from the record page).
PORTAL_MOSIP_REJECTED_REJECT_IN_OPENCRVS = env.bool(
    "PORTAL_MOSIP_REJECTED_REJECT_IN_OPENCRVS", default=False
)
PORTAL_HTTP_CONNECT_TIMEOUT = env.float("PORTAL_HTTP_CONNECT_TIMEOUT", default=5.0)
PORTAL_HTTP_READ_TIMEOUT = env.float("PORTAL_HTTP_READ_TIMEOUT", default=30.0)
# Hosts the portal may call (host, host:port or *.domain), set by the operator: the
# admin cannot widen it. Empty: any host except link-local and unspecified addresses.
PORTAL_OUTBOUND_HOSTS = env.list("PORTAL_OUTBOUND_HOSTS", default=[])
# Sent with every 503 answered while our database, cache or broker is down.
PORTAL_RETRY_AFTER_SECONDS = env.int("PORTAL_RETRY_AFTER_SECONDS", default=30)

# --- Monitoring -----------------------------------------------------------------------
# /healthz turns "degraded" when calls to MOSIP or OpenCRVS have failed this long without
# a good answer, or when a record has waited on one of them past its threshold.
PORTAL_HEALTH_FAILING_SECONDS = env.float("PORTAL_HEALTH_FAILING_SECONDS", default=600.0)
PORTAL_HEALTH_MOSIP_WAIT_SECONDS = env.float("PORTAL_HEALTH_MOSIP_WAIT_SECONDS", default=6 * 3600)
PORTAL_HEALTH_OPENCRVS_WAIT_SECONDS = env.float(
    "PORTAL_HEALTH_OPENCRVS_WAIT_SECONDS", default=3600.0
)
# /metrics is closed until one of these is set (both set: both must match).
PORTAL_METRICS_TOKEN = secret("PORTAL_METRICS_TOKEN")
# While Prometheus moves to a new token, the old one is accepted too (remove it after).
PORTAL_METRICS_PREVIOUS_TOKEN = secret("PORTAL_METRICS_PREVIOUS_TOKEN")
PORTAL_METRICS_ALLOWED_NETWORKS = env.list("PORTAL_METRICS_ALLOWED_NETWORKS", default=[])
# Call counts and latencies cover this sliding window (see integration/monitoring/metrics.py).
PORTAL_METRICS_WINDOW_SECONDS = env.float("PORTAL_METRICS_WINDOW_SECONDS", default=900.0)

# One JSON object per line (PORTAL_LOG_FORMAT=plain for a terminal), each with the request
# id and the submission it concerns; see integration/logs.py.
LOG_FORMAT = env.str("PORTAL_LOG_FORMAT", default="json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "integration.logs.ContextFilter"},
        "refused_host": {"()": "integration.logs.RefusedHostFilter"},
    },
    "formatters": {
        "json": {"()": "integration.logs.JsonFormatter"},
        "plain": {
            "()": "integration.logs.PlainFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("PORTAL_LOG_LEVEL", default="INFO")},
    # Celery's own line as each task is received and as it succeeds: four lines per
    # record that say less than the record's own lines and its timeline, at about 1 ms of
    # worker CPU. Failures are logged at ERROR whatever this says.
    "loggers": {
        **{
            name: {"level": env.str("PORTAL_TASK_LOG_LEVEL", default="WARNING")}
            for name in ("celery.worker.strategy", "celery.app.trace")
        },
        # A request for a host the settings do not list: one warning line, no traceback.
        "django.security.DisallowedHost": {"filters": ["refused_host"]},
    },
}

# --- Staff console and OIDC ---------------------------------------------------------
# Staff sign in with the country's identity provider (OIDC). Set every endpoint: the
# provider's discovery document (/.well-known/openid-configuration) lists them.
# Username and password remain only as break-glass for local superusers.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses sign-ins while locked out
    "integration.auth.ProviderBackend",
    "integration.auth.BreakGlassBackend",
]
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:dashboard"
LOGOUT_REDIRECT_URL = "console:login"
LOGIN_REDIRECT_URL_FAILURE = "/console/login/?sso=failed"

OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = secret("OIDC_RP_CLIENT_SECRET")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile groups")
OIDC_USE_PKCE = env.bool("OIDC_USE_PKCE", default=True)
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=10.0)
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="the identity provider")
# The claim that carries the person's groups or roles (a dotted path for nested claims,
# e.g. realm_access.roles), and which of its values make which portal role.
OIDC_ROLES_CLAIM = env.str("OIDC_ROLES_CLAIM", default="groups")
OIDC_ADMIN_ROLES = env.list("OIDC_ADMIN_ROLES", default=["integration-admin"])
OIDC_SUPPORT_ROLES = env.list("OIDC_SUPPORT_ROLES", default=["support"])
OIDC_AUDITOR_ROLES = env.list("OIDC_AUDITOR_ROLES", default=["auditor"])

TEMPLATES[0]["OPTIONS"].setdefault("libraries", {})["console"] = (
    "integration.console.templatetags.console"
)
# The admin's empty lists (templates/admin/change_list.html), kept in the admin's package.
TEMPLATES[0]["OPTIONS"]["libraries"]["admin_empty"] = "integration.admin.empty"
CELERY_IMPORTS = ["integration.console.tasks"]  # bulk jobs
CONSOLE_PAGE_SIZE = env.int("CONSOLE_PAGE_SIZE", default=50)
CONSOLE_BULK_LIMIT = env.int("CONSOLE_BULK_LIMIT", default=100_000)
CONSOLE_DASHBOARD_CACHE_SECONDS = env.int("CONSOLE_DASHBOARD_CACHE_SECONDS", default=30)

# --- Error reporting ----------------------------------------------------------------
# Sentry (or any Sentry-compatible service) when SENTRY_DSN is set: web and Celery errors,
# without personal data (see integration/monitoring/errors.py).
SENTRY_DSN = secret("SENTRY_DSN")
if SENTRY_DSN:
    from integration.monitoring.errors import init_sentry

    init_sentry(
        SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# Password sign-in (break-glass) is throttled: after PORTAL_LOGIN_FAILURE_LIMIT wrong
# passwords for one username from one address, that pair is locked for the cool-off.
AXES_FAILURE_LIMIT = env.int("PORTAL_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("PORTAL_LOGIN_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "integration.auth.client_ip"
AXES_VERBOSE = False
