"""Rotating the MOSIP partner keystore and the WebSub secret without losing a delivery.

MOSIP encrypts each credential for the partner certificate it holds at the time, and its
hub signs each delivery with the secret given at the last subscription. Neither switch is
instantaneous: credentials encrypted for the old certificate, or deliveries signed with
the old secret, still arrive (or are redelivered) after the admin saved the new ones. So
the one replaced last is kept beside the new one:

- the previous keystore is tried when the current one cannot decrypt a credential, until
  an admin removes it (docs/runbook/key-rotation.md says when);
- the previous WebSub secret is accepted for `PORTAL_WEBSUB_SECRET_OVERLAP_HOURS` after
  the new one was saved, or until an admin ends the overlap.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.utils import timezone

from integration import app_settings
from integration.models import MosipSettings


def replace_keystore(config: MosipSettings, keystore: bytes, password: str) -> None:
    """Make `keystore` the current one; the one it replaces becomes the previous one."""
    current = bytes(config.credential_keystore or b"")
    if current and current != keystore:
        config.previous_credential_keystore = current
        config.previous_credential_keystore_password = config.credential_keystore_password
    config.credential_keystore = keystore
    config.credential_keystore_password = password


def forget_previous_keystore(config: MosipSettings) -> None:
    config.previous_credential_keystore = b""
    config.previous_credential_keystore_password = ""


def partner_keystores(config: MosipSettings) -> Iterator[tuple[str, bytes, str]]:
    """(which, keystore, password): the current keystore first, then the previous one."""
    if config.credential_keystore:
        yield "current", bytes(config.credential_keystore), config.credential_keystore_password
    if config.previous_credential_keystore:
        yield (
            "previous",
            bytes(config.previous_credential_keystore),
            config.previous_credential_keystore_password,
        )


def overlap() -> timedelta:
    return timedelta(hours=app_settings.WEBSUB_SECRET_OVERLAP_HOURS)


def replace_websub_secret(config: MosipSettings, secret: str, now: datetime | None = None) -> None:
    """Make `secret` the current WebSub secret; the one it replaces stays accepted for the
    overlap period (deliveries already signed with it, the hub's redeliveries)."""
    if secret == config.websub_secret:
        return
    if config.websub_secret:
        config.previous_websub_secret = config.websub_secret
        config.previous_websub_secret_until = (now or timezone.now()) + overlap()
    config.websub_secret = secret


def end_websub_secret_overlap(config: MosipSettings) -> None:
    config.previous_websub_secret = ""
    config.previous_websub_secret_until = None


def websub_secrets(config: MosipSettings, now: datetime | None = None) -> list[str]:
    """The secrets a delivery's X-Hub-Signature may be made with right now."""
    secrets = [config.websub_secret] if config.websub_secret else []
    until = config.previous_websub_secret_until
    if config.previous_websub_secret and until and (now or timezone.now()) < until:
        secrets.append(config.previous_websub_secret)
    return secrets
