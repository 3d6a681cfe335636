"""Which failures are our own infrastructure being down (database, cache, broker):
never a record's fault, always worth trying again."""

import redis.exceptions
from django.db import DatabaseError
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from kombu.exceptions import OperationalError as BrokerError

OUTAGES: dict[type[BaseException], str] = {
    DatabaseOperationalError: "database",
    DatabaseInterfaceError: "database",
    # Redis as the cache (as the broker, kombu wraps its errors). Any RedisError: a
    # Redis still loading after a restart answers BusyLoadingError, for instance.
    redis.exceptions.RedisError: "cache",
    BrokerError: "broker",
}

# PostgreSQL's SQLSTATEs (and classes, two characters) that mean the database itself
# cannot take work now, whatever exception class psycopg gives them: 25006 (a read-only
# database: a failover to a standby, `default_transaction_read_only`, a disk-full guard)
# arrives as InternalError, not OperationalError.
OUTAGE_SQLSTATES = ("25006", "53", "57P0", "58", "08")
# Of those, the ones after which the connection is not to be trusted: its session stays
# read-only, the server is ending it, or it ran out of a resource (53: disk full, out of
# memory) in a state we cannot see. Such a connection is closed, not pooled again; the
# pool opens fresh ones, which is cheap next to serving from a session in an odd state.
STALE_SESSION_SQLSTATES = ("25006", "53", "57P0", "08")


def sqlstate(exc: BaseException | None) -> str:
    """PostgreSQL's SQLSTATE behind a (Django-wrapped) database error, or ""."""
    for error in (exc, getattr(exc, "__cause__", None)):
        if code := getattr(error, "sqlstate", None):
            return code
    return ""


def outage_of(exc: BaseException | None) -> str | None:
    """Which of our services `exc` says is down, or None."""
    for kind, service in OUTAGES.items():
        if isinstance(exc, kind):
            return service
    if isinstance(exc, DatabaseError) and sqlstate(exc).startswith(OUTAGE_SQLSTATES):
        return "database"
    return None
