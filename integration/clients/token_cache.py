"""Auth tokens kept in the shared cache (Redis in production), encrypted at rest.

A token there lets whoever reads Redis (a backup, a replica, a shared instance) act as
the portal at MOSIP or OpenCRVS until it expires, so it is stored as a Fernet token under
the same keys as the secrets in the database (FIELD_ENCRYPTION_KEYS). An entry that does
not decrypt (written by an older version, or under a retired key) counts as missing: a
new token is asked for.
"""

from django.core.cache import cache

from integration.fields import decrypt, encrypt


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
