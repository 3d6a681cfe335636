"""`migrate` runs without the statement timeout the web and workers keep: a concurrent
index build or a data batch on a large table may take longer, and cancelling it would stop
the upgrade half way. Afterwards the session has its own timeout again."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import pre_migrate

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statement_timeout"),
]


def show_statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


def test_migrate_runs_without_the_statement_timeout_and_gives_it_back():
    connection.close()
    kept = show_statement_timeout()
    assert kept != "0"  # the connection's own, from DATABASE_STATEMENT_TIMEOUT_MS
    during = []

    def seen_while_migrating(**_kwargs) -> None:  # connected after the portal's receiver
        during.append(show_statement_timeout())

    pre_migrate.connect(seen_while_migrating, dispatch_uid="test-seen-while-migrating")
    try:
        call_command("migrate", verbosity=0)
    finally:
        pre_migrate.disconnect(dispatch_uid="test-seen-while-migrating")

    assert during and set(during) == {"0"}
    assert show_statement_timeout() == kept
