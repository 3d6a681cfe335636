"""Keeping the portal subscribed to MOSIP's credential topic (MOSIP forgets subscribers)."""

import logging

from integration.clients.http import RemoteError
from integration.clients.mosip import MosipClient
from integration.models import MosipSettings

log = logging.getLogger(__name__)


def subscribe(mode: str = "subscribe") -> None:
    MosipClient().subscribe(mode)


def subscribe_if_configured() -> bool | None:
    """True once subscribed, False if MOSIP did not take it, None if not configured."""
    config = MosipSettings.load()
    if not (config.websub_hub_url and config.websub_callback_url and config.auth_url):
        log.info("WebSub hub or callback not configured; not subscribing")
        return None
    try:
        MosipClient(config).subscribe()
    except RemoteError as exc:
        log.warning("WebSub subscription failed: %s", exc.message)
        return False
    return True
