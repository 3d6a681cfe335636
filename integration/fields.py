"""Model fields that keep secrets encrypted at rest (Fernet, from `cryptography`)."""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _


@cache
def _fernet() -> MultiFernet:
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        # Demo and tests: a key derived from SECRET_KEY. Production sets its own keys.
        digest = hashlib.sha256(b"portal-field-encryption:" + settings.SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(value: bytes) -> str:
    return _fernet().encrypt(value).decode()


def decrypt(token: str) -> bytes:
    try:
        return _fernet().decrypt(token.encode())
    except InvalidToken as exc:
        raise ValueError("stored secret cannot be decrypted with the configured keys") from exc


class EncryptedTextField(models.TextField):
    """A text secret stored as a Fernet token; Python code sees the plain value."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value).decode()

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value.encode())


class EncryptedBinaryField(models.TextField):
    """Binary secret (a keystore file) stored as a Fernet token."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return b""
        return decrypt(value)

    def to_python(self, value):
        if isinstance(value, bytes) or value is None:
            return value
        return value.encode()

    def get_prep_value(self, value):
        if value in (None, b"", ""):
            return ""
        if isinstance(value, str):
            value = value.encode()
        return encrypt(bytes(value))


def mask(secret: str | None) -> str:
    """What the admin shows of a secret: never more than its last two characters."""
    if not secret:
        return _("(not set)")
    return "••••••" + (secret[-2:] if len(secret) >= 8 else "")
