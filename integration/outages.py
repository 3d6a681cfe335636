"""Which failures are our own infrastructure being down (database, cache, broker):
never a record's fault, always worth trying again."""

import redis.exceptions
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


def outage_of(exc: BaseException | None) -> str | None:
    """Which of our services `exc` says is down, or None."""
    for kind, service in OUTAGES.items():
        if isinstance(exc, kind):
            return service
    return None
