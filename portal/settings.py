"""Settings, all from the environment (django-environ).

Each environment variable is declared once, with its type, default and what it does, in
integration/app_settings.py; this module reads them through `read()` there and builds
Django's and the libraries' settings from them. Code reads the portal's own settings
from `integration.app_settings`, not from here.

Nothing here needs a server on a fresh machine: with no DATABASE_URL the portal uses
SQLite, and with no CELERY_BROKER_URL Celery uses kombu's filesystem transport under
var/, which (unlike eager mode) honours retry countdowns. Production and CI set both.
"""

import importlib.util
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from integration.app_settings import own_named, read
from integration.version import __version__

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(read("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# The settings named as their variable: the portal's PORTAL_* and CONSOLE_* (code reads
# them through integration.app_settings) and mozilla-django-oidc's OIDC_*. Keys, passwords
# and tokens among them, as below, may come from a NAME_FILE (README "Deploying").
globals().update(own_named())

DEBUG = read("DJANGO_DEBUG")
# `make demo` and the tests set PORTAL_DEMO: public demo keys are then allowed. Anywhere
# else the portal refuses to start without its own keys, because the secrets it stores
# would be encrypted with a key everyone can read.
DEMO = read("PORTAL_DEMO")
SECRET_KEY = read("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = read("DJANGO_ALLOWED_HOSTS")
# Names the portal answers to inside the installation's network, besides its public name
# above: the country config keeps mosip-api's service name (http://mosip-api:2024),
# Prometheus scrapes portal:8000, Kubernetes services are <name>.<namespace>.svc[.cluster.local],
# health probes use loopback. Fixed names no outsider can point elsewhere, and the TLS
# proxy routes only the public name. A refused host is logged as one warning naming both.
INTERNAL_HOSTS = read("PORTAL_INTERNAL_HOSTS")
ALLOWED_HOSTS += [host for host in INTERNAL_HOSTS if host not in ALLOWED_HOSTS]
CSRF_TRUSTED_ORIGINS = read("DJANGO_CSRF_TRUSTED_ORIGINS")
# A form refused for its CSRF token gets a written page, not Django's bare one.
CSRF_FAILURE_VIEW = "integration.console.views.access.csrf_failure"

# Key for secrets stored in the database (Fernet). Several keys, comma separated, allow
# rotation: the first encrypts, all decrypt. Derived from SECRET_KEY when unset.
FIELD_ENCRYPTION_KEYS = read("PORTAL_FIELD_ENCRYPTION_KEYS")
if not DEMO and not DEBUG and not (SECRET_KEY and FIELD_ENCRYPTION_KEYS):
    raise ImproperlyConfigured(
        "Set DJANGO_SECRET_KEY and PORTAL_FIELD_ENCRYPTION_KEYS (see .env.example), or "
        "PORTAL_DEMO=true for a demo with public keys."
    )
SECRET_KEY = SECRET_KEY or "insecure-demo-key-change-me-in-production"

# Behind a TLS-terminating proxy in production; plain HTTP on loopback in the demo.
SECURE_COOKIES = read("PORTAL_SECURE_COOKIES", default=not (DEMO or DEBUG))
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
# Roles come from the identity provider at sign-in: a session lasts a working day, so a
# role removed there is gone by the next sign-in at the latest.
SESSION_COOKIE_AGE = read("PORTAL_SESSION_SECONDS")
BEHIND_TLS_PROXY = read("PORTAL_BEHIND_TLS_PROXY")
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Browsers only ever reach the portal over HTTPS: redirect plain HTTP and tell them to
# stay (HSTS). Machine callers inside the installation's network (OpenCRVS's country
# config, MOSIP's hub, health probes) may call plain HTTP as they did mosip-api, so
# their paths are exempt from the redirect (PORTAL_SSL_REDIRECT_EXEMPT, regexes).
SECURE_SSL_REDIRECT = read("PORTAL_SSL_REDIRECT", default=SECURE_COOKIES)
SECURE_REDIRECT_EXEMPT = read("PORTAL_SSL_REDIRECT_EXEMPT")
SECURE_HSTS_SECONDS = read("PORTAL_HSTS_SECONDS", default=365 * 24 * 3600 if SECURE_COOKIES else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = read("PORTAL_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = read("PORTAL_HSTS_PRELOAD")
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
# `manage.py demo` (the portal with every stand-in) lives in the `demo` app beside `mocks/`:
# installed with PORTAL_DEMO=true where the source tree has it, never shipped (the wheel and
# the image leave both out).
if DEMO and importlib.util.find_spec("demo"):
    INSTALLED_APPS.append("demo")

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
    "default": env.db_url_config(read("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
# The password apart from the URL (DATABASE_PASSWORD_FILE: the same secret PostgreSQL's
# image reads as POSTGRES_PASSWORD_FILE), so the URL itself holds none.
if _database_password := read("DATABASE_PASSWORD"):
    DATABASES["default"]["PASSWORD"] = _database_password
_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if _POSTGRES and read("DATABASE_POOL"):
    # Every process keeps its connections in psycopg's pool: a request or task borrows
    # one and gives it back, instead of opening one (a PostgreSQL backend) each time.
    # Size per process: gunicorn threads (web) or worker threads (Celery), plus the
    # lease heartbeats; see README "Sizing". Idle connections above min_size close.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": read("DATABASE_POOL_MIN_SIZE"),
        # A worker thread holds its connection for its task: at least the worker
        # concurrency (32) plus the lease heartbeats; a web process its thread count.
        "max_size": read("DATABASE_POOL_MAX_SIZE"),
        # How long a request or task waits for a connection. With the database down,
        # OpenCRVS and MOSIP's hub get their 503 within this, well inside their own
        # timeouts (a 10 s wait ran into the hub's 10 s and read as a timeout).
        "timeout": read("DATABASE_POOL_TIMEOUT"),
        "max_idle": 300.0,
        "max_lifetime": 3600.0,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them; Django must not
    # A connection the server dropped is noticed when taken from the pool, not used broken.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # PostgreSQL without the pool: persistent connections, checked on reuse. (SQLite's
    # are a file open: nothing to keep.)
    _age = read("DATABASE_CONN_MAX_AGE", default=60 if _POSTGRES else 0)
    DATABASES["default"].setdefault("CONN_MAX_AGE", _age)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if _POSTGRES and read("DATABASE_PREPARED_STATEMENTS"):
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
        keepalives_idle=read("DATABASE_KEEPALIVES_IDLE"),
        keepalives_interval=read("DATABASE_KEEPALIVES_INTERVAL"),
        keepalives_count=read("DATABASE_KEEPALIVES_COUNT"),
        tcp_user_timeout=read("DATABASE_TCP_USER_TIMEOUT_MS"),
    )
    if _statement_ms := read("DATABASE_STATEMENT_TIMEOUT_MS"):
        _db_options["options"] = (
            f"{_db_options.get('options', '')} -c statement_timeout={_statement_ms}".strip()
        )
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several processes (web, worker, beat) share the file in the demo. A transaction
    # takes the write lock when it begins (IMMEDIATE), waiting up to `timeout` for it:
    # SQLite's default (DEFERRED) upgrades a reading transaction to a writing one, and
    # when another process writes meanwhile it answers "database is locked" at once,
    # without waiting (a mapping import beside a running worker did).
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(VAR_DIR / "test.sqlite3")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url_config(read("CACHE_URL") or "locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "portal.redis_cache.RedisCache"  # one client per pool
# Redis sockets (cache and broker) give up on a silent network instead of hanging: a
# read waits at most REDIS_SOCKET_TIMEOUT, a connection REDIS_SOCKET_CONNECT_TIMEOUT, an
# idle connection is checked before use after REDIS_HEALTH_CHECK_INTERVAL, with keepalives.
REDIS_SOCKET_OPTIONS = {
    "socket_timeout": read("REDIS_SOCKET_TIMEOUT"),
    "socket_connect_timeout": read("REDIS_SOCKET_CONNECT_TIMEOUT"),
    "socket_keepalive": True,
    "health_check_interval": read("REDIS_HEALTH_CHECK_INTERVAL"),
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
TIME_ZONE = read("PORTAL_TIME_ZONE")
FORMAT_MODULE_PATH = ["portal.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(read("PORTAL_STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
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
DATA_UPLOAD_MAX_MEMORY_SIZE = read("PORTAL_MAX_BODY_BYTES")

# --- Celery -------------------------------------------------------------------------
CELERY_BROKER_URL = read("CELERY_BROKER_URL")
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
if read("CELERY_WORKER_POOL"):
    CELERY_WORKER_POOL = read("CELERY_WORKER_POOL")
if read("CELERY_WORKER_CONCURRENCY"):
    CELERY_WORKER_CONCURRENCY = int(read("CELERY_WORKER_CONCURRENCY"))
# CELERY_WORKER_PREFETCH_MULTIPLIER (set above, 1): one message ahead per thread; with
# more, kombu 5.7 crashes acknowledging the messages taken ahead after a Redis restart
# (tests/worker/test_worker_heartbeat.py fails).
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker keeps trying to reach the broker for as long as it is down (the default
# gives up after 100 tries and the worker exits).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# PORTAL_WORKER_*, the delivery policy, MOSIP status, outbound calls and monitoring:
# integration/app_settings.py (set above with the others named as their variable).

# One JSON object per line (PORTAL_LOG_FORMAT=plain for a terminal), each with the request
# id and the submission it concerns; see integration/logs.py.
LOG_FORMAT = read("PORTAL_LOG_FORMAT")
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
    "root": {"handlers": ["console"], "level": read("PORTAL_LOG_LEVEL")},
    # Celery's own line as each task is received and as it succeeds: four lines per
    # record that say less than the record's own lines and its timeline, at about 1 ms of
    # worker CPU. Failures are logged at ERROR whatever this says.
    "loggers": {
        **{
            name: {"level": read("PORTAL_TASK_LOG_LEVEL")}
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

# OIDC_OP_*, OIDC_RP_*, OIDC_USE_PKCE, OIDC_TIMEOUT, OIDC_PROVIDER_NAME and the roles
# claim with the values that make each portal role: integration/app_settings.py.

TEMPLATES[0]["OPTIONS"].setdefault("libraries", {})["console"] = (
    "integration.console.templatetags.console"
)
# The admin's empty lists (templates/admin/change_list.html), kept in the admin's package.
TEMPLATES[0]["OPTIONS"]["libraries"]["admin_empty"] = "integration.admin.empty"
CELERY_IMPORTS = ["integration.console.tasks"]  # bulk jobs
# CONSOLE_PAGE_SIZE, CONSOLE_BULK_LIMIT, CONSOLE_DASHBOARD_CACHE_SECONDS: app_settings.

# --- Error reporting ----------------------------------------------------------------
# Sentry (or any Sentry-compatible service) when SENTRY_DSN is set: web and Celery errors,
# without personal data (see integration/monitoring/errors.py).
SENTRY_DSN = read("SENTRY_DSN")
if SENTRY_DSN:
    from integration.monitoring.errors import init_sentry

    init_sentry(
        SENTRY_DSN,
        environment=read("SENTRY_ENVIRONMENT"),
        traces_sample_rate=read("SENTRY_TRACES_SAMPLE_RATE"),
    )

# Password sign-in (break-glass) is throttled: after PORTAL_LOGIN_FAILURE_LIMIT wrong
# passwords for one username from one address, that pair is locked for the cool-off.
AXES_FAILURE_LIMIT = read("PORTAL_LOGIN_FAILURE_LIMIT")
AXES_COOLOFF_TIME = read("PORTAL_LOGIN_COOLOFF_HOURS")
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "integration.auth.client_ip"
AXES_VERBOSE = False
