"""Verify OpenCRVS single-record tokens (RS256) against the auth service's public key.

The key is cached per process. When a token fails to verify and the cached key is
over a minute old, the key is fetched again once: OpenCRVS may have rotated it.
"""

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt
import requests
from cryptography.hazmat.primitives import serialization

from integration.clients.opencrvs import fetch_public_key
from integration.models import OpenCrvsSettings

log = logging.getLogger(__name__)

ALGORITHMS = ["RS256"]  # pinned: never taken from the token's header
ISSUER = "opencrvs:auth-service"
KEY_REFRESH_AFTER_SECONDS = 60


class InvalidToken(Exception):
    pass


class KeyUnavailable(Exception):
    """The public key could not be fetched, so no token can be checked."""


@dataclass
class RecordToken:
    raw: str
    claims: dict

    @property
    def event_id(self) -> str:
        return str(self.claims.get("eventId", ""))

    @property
    def action_id(self) -> str:
        return str(self.claims.get("actionId", ""))

    @property
    def scopes(self) -> list[str]:
        scope = self.claims.get("scope") or []
        return scope.split() if isinstance(scope, str) else [str(s) for s in scope]

    @property
    def expires_at(self) -> datetime | None:
        exp = self.claims.get("exp")
        return datetime.fromtimestamp(exp, UTC) if exp else None


class _KeyCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.url = ""
        self.pem = ""
        self.fetched_at = 0.0

    def get(self, url: str, *, refresh: bool = False) -> str:
        with self._lock:
            stale = time.monotonic() - self.fetched_at > KEY_REFRESH_AFTER_SECONDS
            if self.pem and self.url == url and not (refresh and stale):
                return self.pem
            try:
                pem = fetch_public_key(url)
                # Only a real key is cached: a proxy's error page must not lock us out.
                serialization.load_pem_public_key(pem.encode())
            except (requests.RequestException, ValueError, TypeError) as exc:
                if self.pem and self.url == url:
                    return self.pem
                raise KeyUnavailable(f"cannot fetch the OpenCRVS public key: {exc}") from exc
            self.pem = pem
            self.url, self.fetched_at = url, time.monotonic()
            return self.pem

    def clear(self) -> None:
        with self._lock:
            self.url, self.pem, self.fetched_at = "", "", 0.0


public_keys = _KeyCache()


def _decode(token: str, pem: str) -> dict:
    return jwt.decode(
        token,
        pem,
        algorithms=ALGORITHMS,
        issuer=ISSUER,
        options={"require": ["exp", "iss"], "verify_aud": False},
    )


def verify_record_token(token: str) -> RecordToken:
    url = OpenCrvsSettings.load().public_key_url
    if not url:
        raise KeyUnavailable("the OpenCRVS public-key URL is not configured")
    pem = public_keys.get(url)
    try:
        return RecordToken(token, _decode(token, pem))
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("the token has expired") from exc
    except (jwt.InvalidSignatureError, jwt.InvalidKeyError):
        fresh = public_keys.get(url, refresh=True)
        if fresh == pem:
            raise InvalidToken("the token's signature does not verify") from None
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"the token is not valid: {exc}") from exc
    try:
        return RecordToken(token, _decode(token, fresh))
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"the token is not valid: {exc}") from exc
