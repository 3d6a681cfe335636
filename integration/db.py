"""Small database helpers shared by the services."""

from django.db import DatabaseError, connection, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from integration.outages import STALE_SESSION_SQLSTATES, sqlstate


def insert(model: type[models.Model], **values) -> models.Model:
    """One INSERT that commits by itself (no BEGIN/COMMIT round trips). Inside a caller's
    transaction it gets a savepoint, so that a unique-constraint clash leaves that
    transaction usable; the caller catches the IntegrityError either way."""
    if connection.in_atomic_block:
        with transaction.atomic():
            return model.objects.create(**values)
    return model.objects.create(**values)


# --- Our own database refusing work -------------------------------------------------
# A read-only database (a failover to a standby, `default_transaction_read_only`, a
# disk-full guard) leaves every session opened meanwhile read-only for its whole life:
# pooled, such connections would answer 25006 long after the database is writable again
# (up to the pool's max_lifetime). So the first such error retires the connection, and
# with the pool every connection opened before it: service resumes as soon as the
# database does.


def discard_stale_session(execute, sql, params, many, context):
    """An execute wrapper on every connection (installed when it opens)."""
    try:
        return execute(sql, params, many, context)
    except DatabaseError as exc:
        if sqlstate(exc).startswith(STALE_SESSION_SQLSTATES):
            retire(context["connection"])
        raise


def retire(wrapper: BaseDatabaseWrapper) -> None:
    """This connection is not reused once the request or task that holds it ends; nor,
    with psycopg's pool, any other opened before now (in use: closed when given back;
    idle: closed now, and replaced by fresh ones)."""
    wrapper.close_at = 0.0  # Django closes it at the end of the request or task
    pool = getattr(wrapper, "pool", None)
    if pool is not None:
        pool.drain()


@receiver(connection_created)
def _watch_for_stale_sessions(sender, connection: BaseDatabaseWrapper, **kwargs) -> None:
    if discard_stale_session not in connection.execute_wrappers:
        # First, so that a caller's `with connection.execute_wrapper(...)` pops its own.
        connection.execute_wrappers.insert(0, discard_stale_session)
