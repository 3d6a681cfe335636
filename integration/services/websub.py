"""Keeping the portal subscribed to MOSIP's credential topic (MOSIP forgets subscribers)."""

import hmac
import logging
from hashlib import sha256

from integration.clients.http import RemoteError
from integration.clients.mosip import MosipClient
from integration.models import MosipSettings

log = logging.getLogger(__name__)


def subscribe(mode: str = "subscribe") -> None:
    MosipClient().subscribe(mode)


def subscribe_if_configured() -> bool:
    config = MosipSettings.load()
    if not (config.websub_hub_url and config.websub_callback_url and config.auth_url):
        log.info("WebSub hub or callback not configured; not subscribing")
        return False
    try:
        MosipClient(config).subscribe()
    except RemoteError as exc:
        log.warning("WebSub subscription failed: %s", exc.message)
        return False
    return True


def signature_matches(body: bytes, header: str | None, secret: str) -> bool:
    """X-Hub-Signature: `sha256=<hex HMAC of the raw body>`, compared in constant time."""
    if not header:
        return False
    algorithm, _, received = header.strip().partition("=")
    if algorithm.lower() != "sha256" or not received:
        return False
    expected = hmac.new(secret.encode(), body, sha256).hexdigest()
    return hmac.compare_digest(expected, received.strip().lower())
