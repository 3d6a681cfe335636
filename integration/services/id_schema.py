"""Which ID schema a packet is checked against: the one MOSIP's registration processor
will use, i.e. the schema its masterdata publishes for the packet's IDSchemaVersion
(the packet's schemaVersion). Fetched through the MOSIP client and cached; while MOSIP
cannot be asked (down, not configured, no schema for the version), the schema chosen in
the MOSIP settings stands in, so an outage never fails a record."""

import hashlib
import logging
import threading
import time

from django.core.cache import cache

from integration.clients.http import RemoteError
from integration.clients.mosip import MosipClient
from integration.models import MosipSettings

log = logging.getLogger(__name__)

KEEP_SECONDS = 3600  # MOSIP publishes a new schema rarely; it applies to new versions
RETRY_AFTER_SECONDS = 60  # after a failed fetch, records use the fallback meanwhile
HERE_SECONDS = 300  # this process's copy, so each record does not read the cache

_here: dict[str, tuple[dict | None, float]] = {}
_here_lock = threading.Lock()


def packet_schema_version(config: MosipSettings) -> str:
    """The IDSchemaVersion MOSIP gives the packet: its schemaVersion read as a number
    ("0.100" is 0.1); "" when it is not one."""
    try:
        return str(float(config.schema_version))
    except (TypeError, ValueError):
        return ""


def _key(url: str, version: str) -> str:
    return "mosip-idschema:" + hashlib.sha256(f"{url}|{version}".encode()).hexdigest()


def forget_here() -> None:
    """Drop this process's copies (tests: as a freshly started process)."""
    with _here_lock:
        _here.clear()


def schema_from_mosip(config: MosipSettings) -> dict | None:
    """MOSIP's schema for the packet's IDSchemaVersion, or None when it cannot be had
    now. Never raises for MOSIP's sake."""
    client = MosipClient(config)
    url, version = client.masterdata_url(), packet_schema_version(config)
    if not url or not version:
        return None
    key = _key(url, version)
    with _here_lock:
        kept = _here.get(key)
    if kept and kept[1] > time.monotonic():
        return kept[0]
    found = cache.get(key)
    if found is None:
        found = _fetch(client, version)
        cache.set(key, found or {}, KEEP_SECONDS if found else RETRY_AFTER_SECONDS)
    schema = found or None
    with _here_lock:
        ttl = HERE_SECONDS if schema else RETRY_AFTER_SECONDS
        _here[key] = (schema, time.monotonic() + ttl)
    return schema


def _fetch(client: MosipClient, version: str) -> dict | None:
    try:
        return client.id_schema(version)
    except RemoteError as exc:
        log.warning(
            "MOSIP's ID schema %s could not be read (%s); the schema in the MOSIP settings "
            "is used until it can",
            version,
            exc.message,
        )
        return None
