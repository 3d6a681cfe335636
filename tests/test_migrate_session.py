"""`migrate` runs without the statement timeout the web and workers keep: a concurrent
index build or a data batch on a large table may take longer, and cancelling it would stop
the upgrade half way."""

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statement_timeout"),
]


def show_statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


def test_the_portal_keeps_a_statement_timeout_and_migrate_drops_it():
    connection.close()
    assert show_statement_timeout() != "0"
    call_command("migrate", verbosity=0)
    assert show_statement_timeout() == "0"
    connection.close()
