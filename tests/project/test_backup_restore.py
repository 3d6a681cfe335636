"""The backup and restore procedure of docs/runbook/backup-restore.md, tried: a dump of a
database with records (pg_dump -Fc while the portal runs), records made after it, a
restore over the database (pg_restore --clean), and then MOSIP delivering credentials
for a transaction the dump knows and for one it does not, which `unmatched_credentials`
then lists for staff.

PostgreSQL only: it is what production runs and what the procedure's tools work on.
"""

import io
import json
import os
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.db import connection, connections

from demo.stand_ins import DEMO_WEBSUB_SECRET
from integration.models import InboundEvent, InboundOutcome, MosipSettings, Status, Submission
from tests.services.test_key_rotation import credential_body, post_credential, waiting_for

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="pg_dump and pg_restore need PostgreSQL (CI's PostgreSQL run, DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True),
]


def pg(command: str, *args: str) -> None:
    """Run a PostgreSQL client tool against the test database, as the runbook has it."""
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    where = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432)]
    where += ["-U", db.get("USER") or "postgres"]
    tool = shutil.which(command)
    assert tool, f"{command} is not installed (apt-get install postgresql-client)"
    subprocess.run([tool, *where, *args], env=env, check=True, capture_output=True)  # noqa: S603


def disconnect() -> None:
    """What stopping web, workers and beat does: no connection left to the database."""
    for alias in connections:
        conn = connections[alias]
        conn.close()
        if hasattr(conn, "close_pool"):
            conn.close_pool()


def test_a_restored_dump_keeps_its_records_and_keeps_credentials_for_later_ones_for_staff(
    configured, mosip, client, tmp_path
):
    known = waiting_for("100018000000001", "2026B801")
    dump = tmp_path / "portal.dump"
    pg("pg_dump", "--format=custom", f"--file={dump}", connection.settings_dict["NAME"])

    # After the backup, the portal takes a registration and sends its packet; then the
    # database is lost.
    lost = waiting_for("100018000000002", "2026B802")
    disconnect()
    pg("pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
       f"--dbname={connection.settings_dict['NAME']}", str(dump))  # fmt: skip

    assert list(Submission.objects.values_list("pk", flat=True)) == [known.pk]
    assert MosipSettings.load().credential_keystore  # settings and secrets came back too

    # MOSIP's credential for the record the dump holds: handled as ever.
    body = credential_body(mosip, "100018000000001", mosip.partner_cert)
    assert post_credential(client, body, DEMO_WEBSUB_SECRET).status_code == 200
    known.refresh_from_db()
    assert (known.status, known.vid) == (Status.CREDENTIAL_RECEIVED, "4938201957")

    # MOSIP's credential for the record made after the dump: answered 200 (the hub does
    # not deliver it again), kept whole with the reason staff look for in the console.
    body = credential_body(
        mosip, "100018000000002", mosip.partner_cert, {"birthCertificateNumber": "2026B802"}
    )
    response = post_credential(client, body, DEMO_WEBSUB_SECRET)
    assert response.status_code == 200
    assert json.loads(response.content)["event"]["status"] == "ERROR"
    event = InboundEvent.objects.get(outcome=InboundOutcome.REFUSED)
    assert event.error == f"no submission has transaction id {lost.transaction_id}"
    assert bytes(event.body) == body and event.signature_valid and event.reprocessable
    assert not Submission.objects.filter(pk=lost.pk).exists()

    # What staff take to OpenCRVS's operators to complete that registration by hand.
    out = io.StringIO()
    call_command("unmatched_credentials", "--show-national-id", stdout=out)
    assert "transaction 100018000000002  certificate 2026B802  VID 4938201957" in out.getvalue()
