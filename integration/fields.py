"""Model fields that keep secrets encrypted at rest (Fernet, from `cryptography`)."""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _

from integration import app_settings


def _keys() -> list[str]:
    keys = list(app_settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        # Demo and tests: a key derived from SECRET_KEY. Production sets its own keys.
        digest = hashlib.sha256(b"portal-field-encryption:" + settings.SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return keys


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in _keys()])


@cache
def _first_key() -> Fernet:
    return Fernet(_keys()[0])


def under_first_key(token: str) -> bool:
    """Whether a stored token is encrypted with the first key (the one that encrypts)."""
    try:
        _first_key().decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def reencrypt(token: str) -> str:
    """The same secret encrypted with the first key (`manage.py rotate_encryption_keys`)."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("stored secret cannot be decrypted with the configured keys") from exc


def forget_keys() -> None:
    """Read the keys from the settings again (tests that change them)."""
    _fernet.cache_clear()
    _first_key.cache_clear()


def encrypted_fields() -> list[tuple[type[models.Model], models.Field]]:
    """Every field of every installed model that stores a secret encrypted."""
    from django.apps import apps

    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField | EncryptedBinaryField)
    ]


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
