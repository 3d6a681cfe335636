"""Verify OpenCRVS single-record tokens (RS256) against the auth service's public key.

A token that is not even a well-formed RS256 JWT is refused before the key is looked
up, so garbage never costs a key fetch and is 401 even while the key is out of reach.

The key is cached per process and fetched outside the lock by one thread at a time, at
most once per `KEY_REFRESH_AFTER_SECONDS` (a token that fails to verify may mean OpenCRVS
rotated its key). A failed fetch is remembered for `FAILED_FETCH_MEMORY_SECONDS`: during
an outage of the auth service only one request waits for the timeout, not every one.
"""

import base64
import binascii
import functools
import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives import serialization
from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidKeyTypeError, JoseError
from joserfc.jwk import RSAKey

from integration.clients.http import RemoteError
from integration.clients.opencrvs import fetch_public_key
from integration.clients.opencrvs_auth import scope_names
from integration.models import OpenCrvsSettings

log = logging.getLogger(__name__)

ALGORITHM = "RS256"  # pinned: never taken from the token's header
ALGORITHMS = [ALGORITHM]
ISSUER = "opencrvs:auth-service"
KEY_REFRESH_AFTER_SECONDS = 60
FAILED_FETCH_MEMORY_SECONDS = 15
MAX_TOKEN_CHARS = 16_384
# The registry carries the pinned algorithm (joserfc then ignores any other); header members
# it does not know are accepted, as OpenCRVS's signer may add some.
_REGISTRY = jws.JWSRegistry(algorithms=ALGORITHMS, strict_check_header=False)
_REQUIRED_CLAIMS = jwt.JWTClaimsRegistry(
    iss={"essential": True, "value": ISSUER}, exp={"essential": True}
)


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
    def scopes(self) -> set[str]:
        """Scope names, in 1.9's encoding or 2.x's (`type=record.confirm-registration`)."""
        return scope_names(self.claims)

    @property
    def expires_at(self) -> datetime | None:
        exp = self.claims.get("exp")
        return datetime.fromtimestamp(exp, UTC) if exp else None


class _KeyCache:
    """One PEM key per process. The lock guards only the bookkeeping; the fetch itself
    runs outside it, by the one thread that claimed it, while the others keep using the
    key they have (or, with none yet, wait for that one fetch)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._done.set()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self.url, self.pem, self.fetched_at = "", "", 0.0
            self.tried_at = -float("inf")  # the last fetch attempt, good or bad
            self.failure = ""  # why the last fetch failed, while it is remembered

    def get(self, url: str, *, refresh: bool = False) -> str:
        while True:
            with self._lock:
                if self.url != url:  # the settings changed: start again
                    self.url, self.pem, self.fetched_at = url, "", 0.0
                    self.tried_at, self.failure = -float("inf"), ""
                since_try = time.monotonic() - self.tried_at
                if self.pem and not (refresh and since_try > KEY_REFRESH_AFTER_SECONDS):
                    return self.pem
                if self.failure and since_try < FAILED_FETCH_MEMORY_SECONDS:
                    if self.pem:
                        return self.pem
                    raise KeyUnavailable(self.failure)
                if self._done.is_set():
                    self._done.clear()  # this thread fetches
                    self.tried_at = time.monotonic()
                    break
                waiting_for = self._done
            # Another thread is fetching: use the key we have, or wait for its result.
            if self.pem:
                return self.pem
            waiting_for.wait()
        try:
            pem = self._fetch(url)
        except KeyUnavailable as exc:
            with self._lock:
                self.failure = str(exc)
                self.tried_at = time.monotonic()
                self._done.set()
                if self.pem:
                    return self.pem
            raise
        with self._lock:
            self.pem, self.failure = pem, ""
            self.fetched_at = self.tried_at = time.monotonic()
            self._done.set()
        return pem

    @staticmethod
    def _fetch(url: str) -> str:
        try:
            pem = fetch_public_key(url)
            # Only a real key is cached: a proxy's error page must not lock us out.
            serialization.load_pem_public_key(pem.encode())
        except (RemoteError, ValueError, TypeError) as exc:
            log.warning("the OpenCRVS public key could not be fetched: %s", exc)
            raise KeyUnavailable(f"cannot fetch the OpenCRVS public key: {exc}") from exc
        return pem


public_keys = _KeyCache()


@functools.lru_cache(maxsize=4)
def _rsa_key(pem: str) -> RSAKey:
    return RSAKey.import_key(pem)


def _decode(token: str, pem: str) -> dict:
    """The claims, once the signature verifies with ``pem`` and exp (not past), iss and,
    when present, nbf and iat hold; the audience is not checked."""
    claims = jwt.decode(token, _rsa_key(pem), registry=_REGISTRY).claims
    _REQUIRED_CLAIMS.validate(claims)
    return claims


def _b64json(segment: str) -> object:
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))


def unverified_claims(token: str) -> dict:
    """A token's claims, read without checking its signature: only for a token the portal
    verified when it came in. (Plain base64 and JSON: it runs for every record the console
    lists.)"""
    parts = token.split(".")
    try:
        claims = _b64json(parts[1]) if len(parts) == 3 else None
    except (binascii.Error, UnicodeError, ValueError, RecursionError):
        claims = None
    if not isinstance(claims, dict):
        raise InvalidToken("the token is not a JWT")
    return claims


def check_shape(token: str) -> None:
    """Refuse anything that is not a well-formed RS256 JWT, without any key."""
    if len(token) > MAX_TOKEN_CHARS or not token.isascii():
        raise InvalidToken("the token is not a JWT")
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise InvalidToken("the token is not a JWT (three non-empty parts expected)")
    try:
        header, claims = _b64json(parts[0]), _b64json(parts[1])
        base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
    except (binascii.Error, UnicodeError, ValueError, RecursionError):
        raise InvalidToken("the token is not a JWT (its parts are not base64url JSON)") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise InvalidToken("the token is not a JWT (header and claims must be objects)")
    if header.get("alg") != ALGORITHM:
        raise InvalidToken(f"the token must be signed with {ALGORITHM}")


def verify_record_token(token: str) -> RecordToken:
    check_shape(token)
    url = OpenCrvsSettings.load().public_key_url
    if not url:
        raise KeyUnavailable("the OpenCRVS public-key URL is not configured")
    pem = public_keys.get(url)
    try:
        return RecordToken(token, _decode(token, pem))
    except ExpiredTokenError as exc:
        raise InvalidToken("the token has expired") from exc
    except (BadSignatureError, InvalidKeyTypeError):  # OpenCRVS may have rotated its key
        fresh = public_keys.get(url, refresh=True)
        if fresh == pem:
            raise InvalidToken("the token's signature does not verify") from None
    except (JoseError, ValueError) as exc:
        raise InvalidToken(f"the token is not valid: {exc}") from exc
    try:
        return RecordToken(token, _decode(token, fresh))
    except (JoseError, ValueError) as exc:
        raise InvalidToken(f"the token is not valid: {exc}") from exc
