"""Auth tokens kept in the shared cache (Redis in production), encrypted at rest.

A token there lets whoever reads Redis (a backup, a replica, a shared instance) act as
the portal at MOSIP or OpenCRVS until it expires, so it is stored as a Fernet token under
the same keys as the secrets in the database (FIELD_ENCRYPTION_KEYS). An entry that does
not decrypt (written by an older version, or under a retired key) counts as missing: a
new token is asked for.
"""

import json

from django.core.cache import cache
from joserfc import jws
from joserfc.errors import JoseError

from integration.fields import decrypt, encrypt


def unverified_claims(token: str) -> dict:
    """The claims of a JWT we were just given by its issuer (for its expiry and scopes),
    read without checking its signature: the system we present it to checks that.
    Raises ValueError when it is not a compact JWS whose payload is a JSON object."""
    try:
        claims = json.loads(jws.extract_compact(token.encode("ascii")).payload)
    except (JoseError, UnicodeError, ValueError, RecursionError) as exc:
        raise ValueError("the token is not a JWT") from exc
    if not isinstance(claims, dict):
        raise ValueError("the token's claims are not a JSON object")
    return claims


def get(key: str) -> str | None:
    stored = cache.get(key)
    if not isinstance(stored, str):
        return None
    try:
        return decrypt(stored).decode()
    except ValueError:
        return None


def put(key: str, token: str, ttl: float) -> None:
    cache.set(key, encrypt(token.encode()), ttl)


def delete(key: str) -> None:
    cache.delete(key)
