"""Every deployment setting of the portal, declared once: its environment variable, type,
default and a line saying what it does (in the style of django-allauth's `app_settings`).

Here rather than in `portal/`: the code that reads these settings lives in `integration/`,
which must not import the project package above it (`portal` loads Celery and the whole
project), while `portal/settings.py` may import this module, which needs nothing but
django-environ and, when an attribute is read, `django.conf.settings`.

- `portal/settings.py` reads the environment through `read()`, so each variable's type and
  default are the ones declared here; the variables that are Django settings under their
  own name (the portal's `PORTAL_*`, `CONSOLE_*`, mozilla-django-oidc's `OIDC_*`) are set
  there in one loop.
- Code reads them here, `app_settings.LEASE_SECONDS` for `PORTAL_LEASE_SECONDS`, never
  `settings.PORTAL_...`. Each read goes to `django.conf.settings` at that moment, so
  `override_settings` and pytest-django's `settings` fixture still change them.
- The README's table and `.env.example` are written from these declarations
  (`manage.py settings_doc --write`); tests/project/test_settings_home.py keeps them equal.

Settings an admin edits (MOSIP, OpenCRVS, IDA, E-Signet, mappings) are database rows, not
these.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

import environ

T = TypeVar("T")
_env = environ.Env()
_DECLARED: Any = object()  # read()'s default: the declared one


class Setting(Generic[T]):
    """One environment variable. As a class attribute of a group below it reads, at each
    use, the Django setting it became (`setting`, by default its own name)."""

    def __init__(
        self,
        name: str,
        kind: type[T],
        default: T | None,
        doc: str,
        *,
        secret: bool = False,
        shown: str | None = None,
        example: str | None = None,
        commented: bool = False,
        setting: str | None = "",
    ) -> None:
        self.name = name
        self.kind = kind
        self.default = default
        self.doc = doc
        # Also readable from the file NAME_FILE names (a Docker or Kubernetes secret).
        self.secret = secret
        # The default as the docs say it, when it depends on other settings.
        self.shown = shown
        # The value .env.example gives: set (a value to fill in or change), or with
        # `commented` shown commented out (for a default that depends on others).
        self.example = example
        self.commented = commented
        # The Django setting it becomes; None: only portal/settings.py or gunicorn reads it.
        self.setting = name if setting == "" else setting

    def __set_name__(self, owner: type, attribute: str) -> None:
        assert attribute == self.name.removeprefix("PORTAL_"), (attribute, self.name)
        self.attribute = attribute

    def __get__(self, instance: object, owner: type) -> T:
        if instance is None:
            return self  # type: ignore[return-value]  # the declaration, for the docs
        if self.setting is None:
            raise AttributeError(f"{self.name} is read by portal/settings.py only")
        from django.conf import settings

        # The declared default when the settings module lacks it, as allauth does.
        return getattr(settings, self.setting, self.default)

    def read(self, default: Any = _DECLARED) -> Any:
        """The value from the environment (or NAME_FILE), else `default` (the declared one
        unless portal/settings.py computes it)."""
        default = self.default if default is _DECLARED else default
        if isinstance(default, list):
            default = list(default)  # settings.py extends some lists: never the declared one
        if self.secret:
            value = secret(self.name, default=env_text(default))
            if self.kind is list:
                return [
                    item.strip() for item in value.replace("\n", ",").split(",") if item.strip()
                ]
            return value
        return getattr(_env, self.kind.__name__)(self.name, default=default)

    @property
    def default_text(self) -> str:
        """The default as README and .env.example write it."""
        if self.shown is not None:
            return self.shown
        return env_text(self.default)


def env_text(value: Any) -> str:
    """A value as it is written in the environment."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


def secret(name: str, default: str = "") -> str:
    """A secret from the file named by NAME_FILE (a Docker or Kubernetes secret mounted as
    a file; surrounding whitespace such as the final newline dropped), else from NAME."""
    path = _env.str(f"{name}_FILE", default="")
    if not path:
        return _env.str(name, default=default)
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"{name}_FILE: cannot read {path} ({exc.strerror})") from None


HOUR = 3600.0


class Process:
    """Process, hosts and secrets"""

    DEMO = Setting(
        "PORTAL_DEMO",
        bool,
        False,
        "Demo and tests only: public demo keys are then allowed (`make demo` sets it).",
        example="false",
        setting="DEMO",
    )
    DJANGO_SECRET_KEY = Setting(
        "DJANGO_SECRET_KEY",
        str,
        "",
        "Django's secret key.",
        secret=True,
        shown="required unless PORTAL_DEMO or DJANGO_DEBUG",
        example="change-me",
        setting="SECRET_KEY",
    )
    FIELD_ENCRYPTION_KEYS = Setting(
        "PORTAL_FIELD_ENCRYPTION_KEYS",
        list,
        [],
        "Fernet keys for secrets stored in the database, comma separated: the first "
        "encrypts, all decrypt.",
        secret=True,
        shown="required unless PORTAL_DEMO or DJANGO_DEBUG",
        example="",
        setting="FIELD_ENCRYPTION_KEYS",
    )
    DJANGO_DEBUG = Setting(
        "DJANGO_DEBUG",
        bool,
        False,
        "Django's debug pages; never in production.",
        example="false",
        setting="DEBUG",
    )
    DJANGO_ALLOWED_HOSTS = Setting(
        "DJANGO_ALLOWED_HOSTS",
        list,
        ["127.0.0.1", "localhost", "[::1]"],
        "The portal's public name(s), comma separated.",
        example="portal.example.org",
        setting=None,
    )
    INTERNAL_HOSTS = Setting(
        "PORTAL_INTERNAL_HOSTS",
        list,
        ["mosip-api", "portal", ".svc", ".svc.cluster.local", "localhost", "127.0.0.1", "[::1]"],
        "Names callers inside the installation's network use besides the public one (a "
        "leading dot admits a domain).",
        setting="INTERNAL_HOSTS",
    )
    DJANGO_CSRF_TRUSTED_ORIGINS = Setting(
        "DJANGO_CSRF_TRUSTED_ORIGINS",
        list,
        [],
        "Origins trusted for the console's forms (the public https:// URL).",
        example="https://portal.example.org",
        setting="CSRF_TRUSTED_ORIGINS",
    )
    VAR_DIR = Setting(
        "PORTAL_VAR_DIR",
        str,
        "",
        "Folder for the demo's SQLite, the folder broker and beat's schedule.",
        shown="var/ beside the code",
        example="/var/lib/portal",
        commented=True,
        setting=None,
    )
    STATIC_ROOT = Setting(
        "PORTAL_STATIC_ROOT",
        str,
        "",
        "Where collectstatic puts the console's CSS and JS.",
        shown="PORTAL_VAR_DIR/staticfiles",
        example="/var/lib/portal/staticfiles",
        commented=True,
        setting=None,
    )
    TIME_ZONE = Setting(
        "PORTAL_TIME_ZONE",
        str,
        "UTC",
        "Zone times are shown in (an IANA name such as Africa/Kampala).",
        setting="TIME_ZONE",
    )
    MAX_BODY_BYTES = Setting(
        "PORTAL_MAX_BODY_BYTES",
        int,
        5 * 1024 * 1024,
        "Largest request body accepted; bigger ones get 413 before being read.",
        setting="DATA_UPLOAD_MAX_MEMORY_SIZE",
    )


class Security:
    """HTTPS, cookies and sign-in throttling"""

    BEHIND_TLS_PROXY = Setting(
        "PORTAL_BEHIND_TLS_PROXY",
        bool,
        False,
        "Trust the proxy's X-Forwarded-Proto and X-Forwarded-For.",
        example="true",
        setting="BEHIND_TLS_PROXY",
    )
    SECURE_COOKIES = Setting(
        "PORTAL_SECURE_COOKIES",
        bool,
        None,
        "Session and CSRF cookies sent over HTTPS only.",
        shown="true unless PORTAL_DEMO or DJANGO_DEBUG",
        example="true",
        commented=True,
        setting="SECURE_COOKIES",
    )
    SESSION_SECONDS = Setting(
        "PORTAL_SESSION_SECONDS",
        int,
        8 * 3600,
        "How long a console session lasts (roles are read again at the next sign-in).",
        setting="SESSION_COOKIE_AGE",
    )
    SSL_REDIRECT = Setting(
        "PORTAL_SSL_REDIRECT",
        bool,
        None,
        "Redirect plain HTTP to HTTPS.",
        shown="PORTAL_SECURE_COOKIES",
        example="true",
        commented=True,
        setting="SECURE_SSL_REDIRECT",
    )
    SSL_REDIRECT_EXEMPT = Setting(
        "PORTAL_SSL_REDIRECT_EXEMPT",
        list,
        [
            r"^healthz$",
            r"^metrics$",
            r"^events/",
            r"^trigger/",
            r"^webhooks/",
            r"^websub/",
            r"^verify$",
            r"^esignet/",
        ],
        "Paths (regexes) machine callers may still call over plain HTTP.",
        setting="SECURE_REDIRECT_EXEMPT",
    )
    HSTS_SECONDS = Setting(
        "PORTAL_HSTS_SECONDS",
        int,
        None,
        "HSTS max-age.",
        shown="31536000 with PORTAL_SECURE_COOKIES, else 0",
        example="31536000",
        commented=True,
        setting="SECURE_HSTS_SECONDS",
    )
    HSTS_INCLUDE_SUBDOMAINS = Setting(
        "PORTAL_HSTS_INCLUDE_SUBDOMAINS",
        bool,
        True,
        "HSTS covers subdomains.",
        setting="SECURE_HSTS_INCLUDE_SUBDOMAINS",
    )
    HSTS_PRELOAD = Setting(
        "PORTAL_HSTS_PRELOAD",
        bool,
        True,
        "HSTS asks for browsers' preload lists.",
        setting="SECURE_HSTS_PRELOAD",
    )
    LOGIN_FAILURE_LIMIT = Setting(
        "PORTAL_LOGIN_FAILURE_LIMIT",
        int,
        5,
        "Wrong break-glass passwords for one username from one address before a lock.",
        setting="AXES_FAILURE_LIMIT",
    )
    LOGIN_COOLOFF_HOURS = Setting(
        "PORTAL_LOGIN_COOLOFF_HOURS",
        float,
        0.25,
        "How long such a lock lasts.",
        setting="AXES_COOLOFF_TIME",
    )


class WebServer:
    """Web server (gunicorn: bin/portal web, portal/gunicorn_conf.py)"""

    BIND = Setting(
        "PORTAL_BIND",
        str,
        "127.0.0.1:8000",
        "Address gunicorn listens on (the container image sets 0.0.0.0:8000).",
        setting=None,
    )
    WEB_CONCURRENCY = Setting(
        "WEB_CONCURRENCY", int, 2, "gunicorn processes (one per core).", setting=None
    )
    WEB_THREADS = Setting("PORTAL_WEB_THREADS", int, 4, "Threads per process.", setting=None)
    FORWARDED_ALLOW_IPS = Setting(
        "PORTAL_FORWARDED_ALLOW_IPS",
        str,
        "127.0.0.1",
        "Addresses of the TLS proxy, whose X-Forwarded-* gunicorn trusts.",
        setting=None,
    )
    ACCESS_LOG = Setting(
        "PORTAL_ACCESS_LOG",
        str,
        "-",
        "Access log: - for standard output, empty for none, or a file.",
        setting=None,
    )
    REQUEST_READ_TIMEOUT = Setting(
        "PORTAL_REQUEST_READ_TIMEOUT",
        float,
        20.0,
        "Seconds a request may take to arrive whole before it is answered 408.",
        setting=None,
    )


class Database:
    """Database (README "Sizing and processes", "Leases and fencing")"""

    DATABASE_URL = Setting(
        "DATABASE_URL",
        str,
        "",
        "The database: PostgreSQL in production.",
        secret=True,
        shown="SQLite under PORTAL_VAR_DIR",
        example="postgres://portal:password@127.0.0.1:5432/portal",
        setting=None,
    )
    DATABASE_PASSWORD = Setting(
        "DATABASE_PASSWORD",
        str,
        "",
        "The database password apart from the URL.",
        secret=True,
        setting=None,
    )
    DATABASE_POOL = Setting(
        "DATABASE_POOL",
        bool,
        True,
        "PostgreSQL connections kept in psycopg's pool (false: persistent connections).",
        setting=None,
    )
    DATABASE_POOL_MIN_SIZE = Setting(
        "DATABASE_POOL_MIN_SIZE", int, 2, "Connections the pool keeps open.", setting=None
    )
    DATABASE_POOL_MAX_SIZE = Setting(
        "DATABASE_POOL_MAX_SIZE",
        int,
        40,
        "Connections per process at most: at least the worker concurrency.",
        setting=None,
    )
    DATABASE_POOL_TIMEOUT = Setting(
        "DATABASE_POOL_TIMEOUT",
        float,
        3.0,
        "Seconds a request or task waits for a connection.",
        setting=None,
    )
    DATABASE_CONN_MAX_AGE = Setting(
        "DATABASE_CONN_MAX_AGE",
        int,
        None,
        "Without the pool: seconds a connection is kept.",
        shown="60 on PostgreSQL, else 0",
        example="60",
        commented=True,
        setting=None,
    )
    DATABASE_PREPARED_STATEMENTS = Setting(
        "DATABASE_PREPARED_STATEMENTS",
        bool,
        True,
        "Server-side binding and prepared statements (false behind PgBouncer in transaction mode).",
        setting=None,
    )
    DATABASE_KEEPALIVES_IDLE = Setting(
        "DATABASE_KEEPALIVES_IDLE",
        int,
        10,
        "TCP keepalive: idle seconds before probing.",
        setting=None,
    )
    DATABASE_KEEPALIVES_INTERVAL = Setting(
        "DATABASE_KEEPALIVES_INTERVAL",
        int,
        5,
        "TCP keepalive: seconds between probes.",
        setting=None,
    )
    DATABASE_KEEPALIVES_COUNT = Setting(
        "DATABASE_KEEPALIVES_COUNT",
        int,
        3,
        "TCP keepalive: probes lost before giving up.",
        setting=None,
    )
    DATABASE_TCP_USER_TIMEOUT_MS = Setting(
        "DATABASE_TCP_USER_TIMEOUT_MS",
        int,
        15000,
        "Milliseconds sent data may stay unacknowledged (0: off).",
        setting=None,
    )
    DATABASE_STATEMENT_TIMEOUT_MS = Setting(
        "DATABASE_STATEMENT_TIMEOUT_MS",
        int,
        60000,
        "Longest statement in milliseconds (0: off; a long migration may need it).",
        setting=None,
    )


class Cache:
    """Cache and Redis"""

    CACHE_URL = Setting(
        "CACHE_URL",
        str,
        "locmemcache://",
        "The shared cache: Redis in production.",
        secret=True,
        example="redis://127.0.0.1:6379/1",
        setting=None,
    )
    CONFIG_CACHE = Setting(
        "PORTAL_CONFIG_CACHE",
        bool,
        None,
        "Keep settings rows, mappings and trusted documents per process, checked against "
        "the shared cache.",
        shown="true with a shared cache such as Redis",
        example="true",
        commented=True,
    )
    CONFIG_CACHE_SECONDS = Setting(
        "PORTAL_CONFIG_CACHE_SECONDS",
        float,
        300.0,
        "How long a process keeps them between checks at most.",
    )
    REDIS_SOCKET_TIMEOUT = Setting(
        "REDIS_SOCKET_TIMEOUT", float, 5.0, "Seconds a Redis read waits.", setting=None
    )
    REDIS_SOCKET_CONNECT_TIMEOUT = Setting(
        "REDIS_SOCKET_CONNECT_TIMEOUT",
        float,
        3.0,
        "Seconds a Redis connect waits.",
        setting=None,
    )
    REDIS_HEALTH_CHECK_INTERVAL = Setting(
        "REDIS_HEALTH_CHECK_INTERVAL",
        int,
        15,
        "An idle Redis connection is checked before use after this many seconds.",
        setting=None,
    )


class Worker:
    """Celery workers"""

    CELERY_BROKER_URL = Setting(
        "CELERY_BROKER_URL",
        str,
        "filesystem://",
        "The broker: Redis in production, by default a folder under PORTAL_VAR_DIR.",
        secret=True,
        example="redis://127.0.0.1:6379/0",
        setting=None,
    )
    CELERY_WORKER_POOL = Setting(
        "CELERY_WORKER_POOL",
        str,
        "",
        "Worker pool, e.g. threads (empty: Celery's default).",
        setting=None,
    )
    CELERY_WORKER_CONCURRENCY = Setting(
        "CELERY_WORKER_CONCURRENCY",
        str,
        "",
        "Worker threads or processes, e.g. 32 (empty: Celery's default).",
        setting=None,
    )
    CELERY_WORKER_PREFETCH_MULTIPLIER = Setting(
        "CELERY_WORKER_PREFETCH_MULTIPLIER",
        int,
        1,
        "Messages taken ahead per thread (more crashes kombu 5.7 after a Redis restart).",
        setting="CELERY_WORKER_PREFETCH_MULTIPLIER",
    )
    WORKER_HEARTBEAT_SECONDS = Setting(
        "PORTAL_WORKER_HEARTBEAT_SECONDS",
        float,
        15.0,
        "Each worker writes a heartbeat this often.",
    )
    WORKER_SILENT_SECONDS = Setting(
        "PORTAL_WORKER_SILENT_SECONDS",
        float,
        60.0,
        "/healthz reports the workers silent when none has written for this long.",
    )


class Delivery:
    """Delivery policy: retries, leases and the sweep"""

    RETRY_BASE_SECONDS = Setting(
        "PORTAL_RETRY_BASE_SECONDS", float, 30.0, "Wait before the first retry; it doubles."
    )
    RETRY_MAX_SECONDS = Setting(
        "PORTAL_RETRY_MAX_SECONDS", float, 1800.0, "Longest wait between retries."
    )
    MAX_ATTEMPTS = Setting(
        "PORTAL_MAX_ATTEMPTS", int, 12, "Tries of a step before the record needs a person."
    )
    STALE_CLAIM_SECONDS = Setting(
        "PORTAL_STALE_CLAIM_SECONDS",
        int,
        600,
        "A bulk job untouched this long belonged to a worker that died: the sweep frees it.",
    )
    LEASE_SECONDS = Setting(
        "PORTAL_LEASE_SECONDS",
        float,
        30.0,
        "A worker's lease on a record, renewed every third of it; a lapsed one is handed "
        "back by the sweep.",
    )
    LEASE_MARGIN_SECONDS = Setting(
        "PORTAL_LEASE_MARGIN_SECONDS",
        float,
        3.0,
        "No remote call starts with less lease left; every call's timeouts end this much "
        "before it.",
    )
    SWEEP_GRACE_SECONDS = Setting(
        "PORTAL_SWEEP_GRACE_SECONDS",
        int,
        60,
        "A record still received this long after commit lost its message: the sweep "
        "enqueues it again.",
    )
    SWEEP_INTERVAL_SECONDS = Setting(
        "PORTAL_SWEEP_INTERVAL_SECONDS", float, 15.0, "How often beat runs the sweep."
    )
    RETRY_AFTER_SECONDS = Setting(
        "PORTAL_RETRY_AFTER_SECONDS",
        int,
        30,
        "Retry-After of every 503 answered while the database, cache or broker is down.",
    )
    WEBSUB_RESUBSCRIBE_SECONDS = Setting(
        "PORTAL_WEBSUB_RESUBSCRIBE_SECONDS",
        float,
        6 * HOUR,
        "How often beat renews the WebSub subscription.",
    )
    WEBSUB_SECRET_OVERLAP_HOURS = Setting(
        "PORTAL_WEBSUB_SECRET_OVERLAP_HOURS",
        float,
        24.0,
        "Deliveries signed with the previous WebSub secret are accepted this long after a "
        "new one is saved.",
    )


class Outbound:
    """Outbound calls (integration/clients/http.py)"""

    OUTBOUND_HOSTS = Setting(
        "PORTAL_OUTBOUND_HOSTS",
        list,
        [],
        "Hosts the portal may call (host, host:port or *.domain); empty: any but link-local "
        "and unspecified addresses.",
    )
    HTTP_CONNECT_TIMEOUT = Setting(
        "PORTAL_HTTP_CONNECT_TIMEOUT", float, 5.0, "Seconds a remote call waits to connect."
    )
    HTTP_READ_TIMEOUT = Setting(
        "PORTAL_HTTP_READ_TIMEOUT", float, 30.0, "Seconds a remote call waits for an answer."
    )


class Mosip:
    """MOSIP's own status and credentials asked for again (integration/services/mosip_status.py)"""

    MOSIP_STATUS_AFTER_SECONDS = Setting(
        "PORTAL_MOSIP_STATUS_AFTER_SECONDS",
        float,
        240.0,
        "A record waiting this long for its credential is looked up in MOSIP's registration "
        "processor.",
    )
    MOSIP_STATUS_INTERVAL_SECONDS = Setting(
        "PORTAL_MOSIP_STATUS_INTERVAL_SECONDS",
        float,
        120.0,
        "The same record is looked up again at most this often.",
    )
    MOSIP_STATUS_CHECK_SECONDS = Setting(
        "PORTAL_MOSIP_STATUS_CHECK_SECONDS", float, 60.0, "How often beat runs the look-ups."
    )
    MOSIP_UNKNOWN_GRACE_SECONDS = Setting(
        "PORTAL_MOSIP_UNKNOWN_GRACE_SECONDS",
        float,
        900.0,
        "A packet MOSIP still does not know this long after its workflow start is sent again.",
    )
    CREDENTIAL_WAIT_SECONDS = Setting(
        "PORTAL_CREDENTIAL_WAIT_SECONDS",
        float,
        240.0,
        "A processed packet without a credential this long is asked for again (the wait doubles).",
    )
    CREDENTIAL_REQUESTS_MAX = Setting(
        "PORTAL_CREDENTIAL_REQUESTS_MAX",
        int,
        2,
        "Credential requests at most; then the record needs a person.",
    )
    MOSIP_CREDENTIAL_TYPE = Setting(
        "PORTAL_MOSIP_CREDENTIAL_TYPE", str, "vercred", "Credential type asked for."
    )
    MOSIP_CREDENTIAL_PARTNER = Setting(
        "PORTAL_MOSIP_CREDENTIAL_PARTNER",
        str,
        "opencrvs-partner",
        "Partner the credential is issued to.",
    )
    MOSIP_GATEWAY_URL = Setting(
        "PORTAL_MOSIP_GATEWAY_URL",
        str,
        "",
        "MOSIP's internal API gateway for these calls (empty: the workflow URL's host).",
    )
    MOSIP_REJECTED_REJECT_IN_OPENCRVS = Setting(
        "PORTAL_MOSIP_REJECTED_REJECT_IN_OPENCRVS",
        bool,
        False,
        "A record MOSIP rejected is rejected in OpenCRVS at once (false: staff decide).",
    )
    MOSIP_WORKFLOW_TOPIC = Setting(
        "PORTAL_MOSIP_WORKFLOW_TOPIC",
        str,
        "REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT",
        "The workflow manager's topic on the same WebSub hub, subscribed to so a rejection "
        "shows at once (empty: not subscribed).",
    )


class Reconciliation:
    """Reconciliation with OpenCRVS and retention"""

    RECONCILIATION_INTERVAL_SECONDS = Setting(
        "PORTAL_RECONCILIATION_INTERVAL_SECONDS",
        float,
        900.0,
        "How often beat compares OpenCRVS's events with the portal's records (0: never).",
    )
    RECONCILIATION_WINDOW_HOURS = Setting(
        "PORTAL_RECONCILIATION_WINDOW_HOURS", float, 72.0, "How far back it looks."
    )
    RECONCILIATION_GRACE_SECONDS = Setting(
        "PORTAL_RECONCILIATION_GRACE_SECONDS",
        float,
        900.0,
        "Events changed more recently wait for the next run.",
    )
    RECONCILIATION_MISSING = Setting(
        "PORTAL_RECONCILIATION_MISSING",
        str,
        "take_in",
        "An event the portal never received: take_in (at once) or list (a person takes it in).",
    )
    RETENTION_INTERVAL_SECONDS = Setting(
        "PORTAL_RETENTION_INTERVAL_SECONDS",
        float,
        HOUR,
        "How often beat applies the retention policy (the days are set in the admin).",
    )
    RETENTION_MAX_RECORDS_PER_RUN = Setting(
        "PORTAL_RETENTION_MAX_RECORDS_PER_RUN",
        int,
        20_000,
        "Records erased per run at most, oldest first.",
    )


class Monitoring:
    """Monitoring, logs and error reporting (README "Monitoring")"""

    HEALTH_FAILING_SECONDS = Setting(
        "PORTAL_HEALTH_FAILING_SECONDS",
        float,
        600.0,
        "/healthz is degraded when calls to MOSIP or OpenCRVS have failed this long.",
    )
    HEALTH_MOSIP_WAIT_SECONDS = Setting(
        "PORTAL_HEALTH_MOSIP_WAIT_SECONDS",
        float,
        6 * HOUR,
        "/healthz is degraded when a record has waited on MOSIP this long.",
    )
    HEALTH_OPENCRVS_WAIT_SECONDS = Setting(
        "PORTAL_HEALTH_OPENCRVS_WAIT_SECONDS",
        float,
        HOUR,
        "/healthz is degraded when a record has waited on OpenCRVS this long.",
    )
    METRICS_TOKEN = Setting(
        "PORTAL_METRICS_TOKEN",
        str,
        "",
        "Bearer token for /metrics (closed until it or the networks are set; both: both "
        "must match).",
        secret=True,
        example="",
    )
    METRICS_PREVIOUS_TOKEN = Setting(
        "PORTAL_METRICS_PREVIOUS_TOKEN",
        str,
        "",
        "The old token, accepted too while Prometheus moves to the new one.",
        secret=True,
    )
    METRICS_ALLOWED_NETWORKS = Setting(
        "PORTAL_METRICS_ALLOWED_NETWORKS",
        list,
        [],
        "Networks /metrics answers (CIDR, comma separated).",
    )
    METRICS_WINDOW_SECONDS = Setting(
        "PORTAL_METRICS_WINDOW_SECONDS",
        float,
        900.0,
        "Call counts and latencies cover this sliding window.",
    )
    LOG_FORMAT = Setting(
        "PORTAL_LOG_FORMAT",
        str,
        "json",
        "json (one object per line) or plain.",
        setting="LOG_FORMAT",
    )
    LOG_LEVEL = Setting("PORTAL_LOG_LEVEL", str, "INFO", "Level of the root logger.", setting=None)
    TASK_LOG_LEVEL = Setting(
        "PORTAL_TASK_LOG_LEVEL",
        str,
        "WARNING",
        "Celery's line per task received and succeeded shows at INFO (failures always).",
        setting=None,
    )
    SENTRY_DSN = Setting(
        "SENTRY_DSN",
        str,
        "",
        "Errors to Sentry or a compatible service, without personal data.",
        secret=True,
        example="",
        setting=None,
    )
    SENTRY_ENVIRONMENT = Setting(
        "SENTRY_ENVIRONMENT", str, "production", "Environment named in Sentry.", setting=None
    )
    SENTRY_TRACES_SAMPLE_RATE = Setting(
        "SENTRY_TRACES_SAMPLE_RATE",
        float,
        0.0,
        "Share of requests traced (0 to 1).",
        setting=None,
    )


class Console:
    """Staff console and sign-in (OIDC; README "Staff console")"""

    CONSOLE_PAGE_SIZE = Setting("CONSOLE_PAGE_SIZE", int, 50, "Rows per console page.")
    CONSOLE_BULK_LIMIT = Setting(
        "CONSOLE_BULK_LIMIT", int, 100_000, "Records one bulk action or export covers at most."
    )
    CONSOLE_DASHBOARD_CACHE_SECONDS = Setting(
        "CONSOLE_DASHBOARD_CACHE_SECONDS",
        int,
        30,
        "How long the dashboard's figures are kept.",
    )
    OIDC_OP_AUTHORIZATION_ENDPOINT = Setting(
        "OIDC_OP_AUTHORIZATION_ENDPOINT",
        str,
        "",
        "The provider's authorization endpoint (empty: password sign-in only).",
        example="",
    )
    OIDC_OP_TOKEN_ENDPOINT = Setting(
        "OIDC_OP_TOKEN_ENDPOINT", str, "", "Its token endpoint.", example=""
    )
    OIDC_OP_USER_ENDPOINT = Setting(
        "OIDC_OP_USER_ENDPOINT", str, "", "Its user-info endpoint.", example=""
    )
    OIDC_OP_JWKS_ENDPOINT = Setting(
        "OIDC_OP_JWKS_ENDPOINT", str, "", "Its JWKS endpoint.", example=""
    )
    OIDC_RP_CLIENT_ID = Setting(
        "OIDC_RP_CLIENT_ID", str, "", "The portal's client id there.", example=""
    )
    OIDC_RP_CLIENT_SECRET = Setting(
        "OIDC_RP_CLIENT_SECRET", str, "", "Its client secret.", secret=True, example=""
    )
    OIDC_RP_SIGN_ALGO = Setting(
        "OIDC_RP_SIGN_ALGO", str, "RS256", "Algorithm the provider signs ID tokens with."
    )
    OIDC_RP_SCOPES = Setting(
        "OIDC_RP_SCOPES", str, "openid email profile groups", "Scopes asked for."
    )
    OIDC_USE_PKCE = Setting("OIDC_USE_PKCE", bool, True, "Sign-in uses PKCE.")
    OIDC_TIMEOUT = Setting("OIDC_TIMEOUT", float, 10.0, "Seconds a call to the provider waits.")
    OIDC_PROVIDER_NAME = Setting(
        "OIDC_PROVIDER_NAME",
        str,
        "the identity provider",
        "The provider's name on the sign-in page.",
    )
    OIDC_ROLES_CLAIM = Setting(
        "OIDC_ROLES_CLAIM",
        str,
        "groups",
        "Claim holding the person's groups or roles (dotted for nested, e.g. realm_access.roles).",
    )
    OIDC_ADMIN_ROLES = Setting(
        "OIDC_ADMIN_ROLES",
        list,
        ["integration-admin"],
        "Values of the roles claim that make an admin.",
    )
    OIDC_SUPPORT_ROLES = Setting(
        "OIDC_SUPPORT_ROLES", list, ["support"], "Its values that make support staff."
    )
    OIDC_AUDITOR_ROLES = Setting(
        "OIDC_AUDITOR_ROLES", list, ["auditor"], "Its values that make an auditor."
    )


class Containers:
    """compose.yaml"""

    POSTGRES_PASSWORD = Setting(
        "POSTGRES_PASSWORD",
        str,
        "",
        "The database password of compose.yaml's PostgreSQL (read by `docker compose`).",
        example="change-me",
        setting=None,
    )


# In the order README and .env.example list them; the class docstrings are the headings.
GROUPS = (
    Process,
    Security,
    WebServer,
    Database,
    Cache,
    Worker,
    Delivery,
    Outbound,
    Mosip,
    Reconciliation,
    Monitoring,
    Console,
    Containers,
)


class AppSettings(*GROUPS):
    """All of them, as attributes."""


def declared(group: type | None = None) -> Iterator[Setting]:
    """Every setting (of one group), in order."""
    for each in [group] if group else GROUPS:
        yield from (value for value in vars(each).values() if isinstance(value, Setting))


BY_NAME: dict[str, Setting] = {setting.name: setting for setting in declared()}


def read(name: str, default: Any = _DECLARED) -> Any:
    """The environment's value of a declared variable (portal/settings.py reads through
    this, so no variable is read with a type or default other than the declared ones)."""
    return BY_NAME[name].read(default)


def own_named() -> dict[str, Any]:
    """The Django settings named as their variable (PORTAL_*, CONSOLE_*, OIDC_*), read."""
    return {s.name: s.read() for s in declared() if s.setting == s.name}


_app_settings = AppSettings()


def __getattr__(name: str) -> Any:
    """`app_settings.LEASE_SECONDS` (PEP 562, as django-allauth does)."""
    try:
        return getattr(_app_settings, name)
    except AttributeError:
        raise AttributeError(f"integration.app_settings has no setting {name}") from None
