"""`manage.py rotate_encryption_keys`: after it, every stored secret is under the new key
and none can be read with the old key alone, so the old key can be dropped."""

import io

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import CommandError, call_command
from django.db import connection

from integration import config_cache
from integration.fields import EncryptedBinaryField, encrypted_fields, forget_keys
from integration.models import EventType, Status, Submission
from integration.models.settings import SingletonModel

pytestmark = pytest.mark.django_db

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def keys(portal_settings):
    def use(*keys: str) -> None:
        portal_settings.FIELD_ENCRYPTION_KEYS = list(keys)  # put back after the test
        forget_keys()
        config_cache.forget_all()

    yield use
    forget_keys()


def plain_value(model, field, n: int = 0):
    text = f"{model._meta.model_name}-{field.name}-secret-{n}"
    return text.encode() if isinstance(field, EncryptedBinaryField) else text


def store_every_secret() -> dict:
    """A value in every encrypted field of every model: singletons once, the records'
    tokens on five submissions (more than one batch). Returns what each should read."""
    expected = {}
    for model, field in encrypted_fields():
        if issubclass(model, SingletonModel):
            row = model.load()
            setattr(row, field.name, plain_value(model, field))
            row.save()
            expected[(model, field.name, row.pk)] = plain_value(model, field)
        elif model is Submission:
            for n in range(5):
                row = Submission.objects.create(
                    event_type=EventType.BIRTH,
                    tracking_id=f"TR{n}",
                    certificate_number=f"2026B{n}",
                    raw_request={},
                    status=Status.AWAITING_CREDENTIAL,
                    **{field.name: plain_value(model, field, n)},
                )
                expected[(model, field.name, row.pk)] = plain_value(model, field, n)
        else:
            pytest.fail(f"no way to fill {model._meta.label}.{field.name} yet: add one here")
    return expected


def raw_values(model, field_name) -> list[str]:
    field = model._meta.get_field(field_name)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {field.column} FROM {model._meta.db_table} "  # noqa: S608
            f"WHERE {field.column} <> ''"
        )
        return [row[0] for row in cursor.fetchall()]


def readable_with(key: str, token: str) -> bool:
    try:
        Fernet(key).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def test_after_rotation_no_secret_is_readable_with_the_old_key_alone(keys):
    keys(OLD)
    expected = store_every_secret()
    fields = {(model, name) for model, name, _pk in expected}
    assert len(fields) >= 14  # settings secrets, keystores, previous ones, tokens
    assert all(
        readable_with(OLD, token) for model, name in fields for token in raw_values(model, name)
    )

    keys(NEW, OLD)  # the new key first: it encrypts, both decrypt
    out = io.StringIO()
    call_command("rotate_encryption_keys", batch_size=2, stdout=out)
    assert f"Total: {len(expected)} re-encrypted, 0 already under the first key" in out.getvalue()
    assert "integration.Submission.token: 5 re-encrypted" in out.getvalue()

    for model, name in fields:
        for token in raw_values(model, name):
            assert not readable_with(OLD, token), f"{model._meta.label}.{name} still under OLD"
            assert readable_with(NEW, token)

    keys(NEW)  # the old key dropped: every secret still reads as it was
    for (model, name, pk), value in expected.items():
        assert getattr(model.objects.get(pk=pk), name) == value


def test_a_second_run_re_encrypts_nothing(keys):
    keys(OLD)
    expected = store_every_secret()
    keys(NEW, OLD)
    call_command("rotate_encryption_keys", stdout=io.StringIO())

    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert f"Total: 0 re-encrypted, {len(expected)} already under the first key" in out.getvalue()


def test_a_dry_run_counts_and_writes_nothing(keys):
    keys(OLD)
    expected = store_every_secret()
    keys(NEW, OLD)
    out = io.StringIO()
    call_command("rotate_encryption_keys", dry_run=True, stdout=out)
    assert f"Total: {len(expected)} to re-encrypt" in out.getvalue()
    assert all(readable_with(OLD, token) for token in raw_values(Submission, "token"))


def test_a_secret_under_a_key_no_longer_configured_is_reported_and_fails_the_command(keys):
    keys(OLD)
    Submission.objects.create(
        event_type=EventType.BIRTH,
        tracking_id="TRX",
        certificate_number="2026BX",
        raw_request={},
        token="a-record-token",
    )
    keys(NEW)  # OLD removed too early
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="cannot be decrypted with any configured key"):
        call_command("rotate_encryption_keys", stdout=out, stderr=err)
    assert "integration.Submission.token: 0 re-encrypted, 0 already under the first key, " in (
        out.getvalue()
    )
    assert "1 UNREADABLE" in out.getvalue()
    assert "a-record-token" not in out.getvalue() + err.getvalue()
