"""Per-process copies of what only changes when an admin saves it (the settings rows, the
mapping profiles, the trusted documents), checked against a version kept in the shared
cache so that every process learns of a save at its next use.

Each kind of configuration has a version token in the Django cache (Redis in
production). A save bumps it once its transaction commits; `cached()` returns the
process's copy only while the token it was read under is still current, which costs one
cache GET instead of a database query and whatever decoding the rows need (decrypting
secrets, parsing a keystore). The copies themselves never leave the process: secrets are
not written to Redis.

The copy is skipped, and the database read, when:
- the cache is per process (locmem or dummy: no other process would see a bump), unless
  `PORTAL_CONFIG_CACHE` says otherwise;
- the caller is inside a transaction (it may be the one saving, or roll back);
- the cache cannot be reached (our infrastructure down never fails a record).
A copy older than `PORTAL_CONFIG_CACHE_SECONDS` is read again anyway, in case a bump was
lost with the cache.
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from integration import app_settings

log = logging.getLogger(__name__)
T = TypeVar("T")
PER_PROCESS_BACKENDS = ("LocMemCache", "DummyCache")

_copies: dict[str, tuple[str, float, object]] = {}
_lock = threading.Lock()


def enabled() -> bool:
    configured = app_settings.CONFIG_CACHE
    if configured is not None:
        return bool(configured)
    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.endswith(PER_PROCESS_BACKENDS)


def _version_key(name: str) -> str:
    return f"config-version:{name}"


def _current_version(name: str) -> str:
    """The shared token for `name`, created when missing (evicted or first use)."""
    key = _version_key(name)
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        version = cache.get(key)
    return version


def _versions_kept_here(name: str) -> dict[str, str]:
    """The tokens of `name` and of everything this process keeps a copy of, in one round
    trip: a request or task uses several (a credential callback the MOSIP settings and the
    trusted documents, a delivery the MOSIP settings and the mapping profiles)."""
    with _lock:
        names = {name, *_copies}
    found = cache.get_many([_version_key(n) for n in names])
    return {n: found[_version_key(n)] for n in names if found.get(_version_key(n)) is not None}


# The versions already checked in the current request or task: asked once per unit of
# work (a credential callback reads the MOSIP settings twice), and again in the next one.
_checked: ContextVar[dict[str, str] | None] = ContextVar("config_versions", default=None)


def new_unit_of_work(**_kwargs) -> None:
    """A request or task starts: check every version again at its first use."""
    _checked.set({})


def end_unit_of_work(**_kwargs) -> None:
    _checked.set(None)


def cached(name: str, read: Callable[[], T]) -> T:
    """`read()`'s result, from this process's copy while `name` has not changed."""
    if not enabled() or connection.in_atomic_block:
        return read()
    checked = _checked.get()
    try:
        version = checked.get(name) if checked is not None else None
        if version is None and checked is not None:
            checked.update(_versions_kept_here(name))
            version = checked.get(name)
        if version is None:
            version = _current_version(name)
    except Exception:  # noqa: BLE001 - the cache down: read the database instead
        return read()
    if checked is not None:
        checked[name] = version
    now = time.monotonic()
    with _lock:
        copy = _copies.get(name)
    if copy and copy[0] == version and now - copy[1] < app_settings.CONFIG_CACHE_SECONDS:
        return copy[2]
    # Tagged with the version read *before* the database: a save committing meanwhile
    # bumps it again, so this copy cannot outlive the change.
    value = read()
    with _lock:
        _copies[name] = (version, now, value)
    return value


def changed(name: str) -> None:
    """Tell every process that `name` changed, once the current transaction commits."""
    if not enabled():
        return  # no process keeps a copy

    # This process's own copy goes the same way as every other's: by the version.
    def bump() -> None:
        try:
            cache.set(_version_key(name), uuid.uuid4().hex, timeout=None)
        except Exception:  # noqa: BLE001 - copies then expire by age
            log.warning("could not tell other processes that %s changed", name)

    transaction.on_commit(bump)


def forget_all() -> None:
    """Drop this process's copies (tests, between databases)."""
    with _lock:
        _copies.clear()
