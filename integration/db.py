"""Small database helpers shared by the services."""

from django.db import connection, models, transaction


def insert(model: type[models.Model], **values) -> models.Model:
    """One INSERT that commits by itself (no BEGIN/COMMIT round trips). Inside a caller's
    transaction it gets a savepoint, so that a unique-constraint clash leaves that
    transaction usable; the caller catches the IntegrityError either way."""
    if connection.in_atomic_block:
        with transaction.atomic():
            return model.objects.create(**values)
    return model.objects.create(**values)
