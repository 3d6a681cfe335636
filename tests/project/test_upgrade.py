"""Upgrading a database made by the first release (2026-11-27, migrations 0001-0008):
its records, in every state that release had, migrate to the latest schema and flow on.

That release stored a second record when the country config sent the same OpenCRVS event
under a new certificate number (migration 0011 could then not build its one-record-per-
event index on PostgreSQL). Run on SQLite and on PostgreSQL (DATABASE_URL)."""

import importlib
import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, migrations, models
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from demo.stand_ins import configure_for_stand_ins
from integration import tasks
from integration.migration_operations import AddConstraintOnline
from integration.models import (
    BulkJob,
    IntakeRepeat,
    MosipSettings,
    Status,
    Submission,
    TransactionId,
)
from integration.services import upgrade_plan
from mocks import mosip_issuer as issuer
from mocks.websub import hub_signature
from tests.fixtures import birth_request

FIRST_RELEASE = ("integration", "0008_death_waits_for_credential")
pytestmark = pytest.mark.django_db(transaction=True)


def _back_to_the_first_release() -> MigrationExecutor:
    """The test database with the integration tables as the first release made them
    (dropped and migrated forwards: no migration's reverse is assumed)."""
    tables = [t for t in connection.introspection.table_names() if t.startswith("integration_")]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TABLE " + ", ".join(tables) + " CASCADE")
        else:
            connection.disable_constraint_checking()
            for table in tables:
                cursor.execute(f'DROP TABLE "{table}"')  # noqa: S608 - our own table names
            connection.enable_constraint_checking()
        cursor.execute("DELETE FROM django_migrations WHERE app = 'integration'")
    executor = MigrationExecutor(connection)
    executor.migrate([FIRST_RELEASE])
    return executor


@pytest.fixture
def first_release_db():
    executor = _back_to_the_first_release()
    yield executor.loader.project_state(FIRST_RELEASE).apps
    # Whatever happened, leave the latest schema for the tests that follow.
    call_command("migrate", "integration", verbosity=0)


class OldRecords:
    """Rows written as the first release wrote them (its models, its states)."""

    def __init__(self, apps, opencrvs):
        self.apps, self.opencrvs, self.count = apps, opencrvs, 0
        self.Submission = apps.get_model("integration", "Submission")

    def add(self, status: str, event_id: str | None = None, *, action_id: str = "",
            expires_in: int = 7 * 86400, txn: str = "", **values):  # fmt: skip
        self.count += 1
        number = values.pop("certificate_number", f"2026B{self.count:08d}")
        now = timezone.now()
        token, expiry = "", None
        if event_id is not None:
            token = self.opencrvs.mint_token(event_id, action_id or None, expires_in=expires_in)
            expiry = now + timedelta(seconds=expires_in)
        columns = {
            "event_type": "birth", "event_type_id": "birth", "source_format": "interop",
            "tracking_id": number[5:], "certificate_number": number,
            "event_id": event_id or "", "action_id": action_id, "token": token,
            "token_expires_at": expiry, "raw_request": birth_request(number, number[5:]),
            "status": status, "transaction_id": txn,
            "created_at": now - timedelta(hours=2) + timedelta(minutes=self.count),
        }  # fmt: skip
        record = self.Submission.objects.create(**{**columns, **values})
        if txn:
            self.apps.get_model("integration", "TransactionId").objects.create(
                submission=record, value=txn
            )
        return record

    def attempt(self, record, step: str, error: str = ""):
        self.apps.get_model("integration", "Attempt").objects.create(
            submission=record, step=step, url="http://mosip.example/", error=error
        )


def _credential(client, mosip, txn: str, number: str) -> str:
    """MOSIP's hub delivers the credential for a packet; returns the VID in it."""
    vid = issuer.new_vid()
    fields = mosip.packets.get(txn, {}).get("fields") or birth_request(number)["requestFields"]
    credential = mosip.build_credential(txn, issuer.BIRTH, fields, vid)
    body = json.dumps(issuer.callback_body(txn, mosip.encrypt_credential(credential))).encode()
    secret = MosipSettings.load().websub_secret
    answer = client.post("/websub/callback", body, content_type="application/json",
                         headers={"X-Hub-Signature": hub_signature(secret, body)})  # fmt: skip
    assert answer.status_code == 200, answer.content
    return vid


def test_a_first_release_database_migrates_and_its_records_flow_on(
    first_release_db, mosip, opencrvs, client
):
    old = OldRecords(first_release_db, opencrvs)
    hour_ago = timezone.now() - timedelta(hours=1)
    sent = {"packet_created_at": hour_ago, "workflow_started_at": hour_ago}
    credential = {**sent, "credential_received_at": hour_ago}

    received = old.add("received", "evt-received", action_id="act-r")
    # One event, two records: the first went to MOSIP, the repeat (a new certificate
    # number, a newer token) was still waiting to be sent.
    pair_first = old.add("awaiting_credential", "evt-pair", action_id="act-p",
                         txn="1000100000000001", **sent)  # fmt: skip
    pair_repeat = old.add("received", "evt-pair", action_id="act-p", expires_in=9 * 86400)
    old.attempt(pair_first, "create_packet")
    # One event, two records: the first failed at mapping, the repeat went all the way.
    late_first = old.add("failed", "evt-late", failed_step="mapping", last_error="no name")
    late_repeat = old.add("confirmed", "evt-late", txn="1000100000000002", vid="7000000001",
                          confirmed_at=hour_ago, **credential)  # fmt: skip
    old.attempt(late_first, "mapping", error="no name")
    # One event, two packets in MOSIP.
    both_first = old.add("awaiting_credential", "evt-both", txn="1000100000000003", **sent)
    both_repeat = old.add("awaiting_credential", "evt-both", txn="1000100000000004", **sent)
    # Every other state of the first release.
    old_states = {
        "packet_created": old.add("packet_created", "evt-pc"),
        "retry_scheduled": old.add("retry_scheduled", "evt-rs", retry_count=2,
                                   next_attempt_at=hour_ago, failed_step="create_packet"),
        "retry_confirming": old.add("retry_scheduled", "evt-rc", txn="1000100000000005",
                                    vid="7000000005", failed_step="confirm", **credential),
        "sending": old.add("sending", "evt-s", claimed_at=hour_ago, txn="1000100000000006"),
        "rejecting": old.add("confirming", "evt-rj", failed_step="reject",
                             txn="1000100000000007", vid="7000000007", **credential),
        "credential_received": old.add("credential_received", "evt-cr", action_id="act-cr",
                                       txn="1000100000000008", vid="7000000008", **credential),
        "completed": old.add("completed", None, source_format="fhir", confirm_in_opencrvs=False,
                             txn="1000100000000009", vid="7000000009", **credential),
        "token_expired": old.add("token_expired", "evt-te", expires_in=1, failed_step="confirm",
                                 txn="1000100000000010", **credential),
        "rejected": old.add("rejected", "evt-rej"),
        "resolved": old.add("resolved", "evt-res"),
    }  # fmt: skip

    plan = io.StringIO()
    call_command("upgrade_check", stdout=plan)
    assert "0011_lifecycle" in plan.getvalue()
    assert "3 OpenCRVS events stored as more than one record" in plan.getvalue()
    assert "1 of those events had each record send MOSIP its own packet" in plan.getvalue()
    assert "Before migrate (integration.0011_lifecycle): The first release's" in plan.getvalue()

    call_command("migrate", verbosity=0)

    # The pairs are one record each, with both certificate numbers.
    pair = Submission.objects.get(event_id="evt-pair")
    assert (pair.pk, pair.status) == (pair_first.pk, Status.AWAITING_CREDENTIAL)
    assert [r.certificate_number for r in pair.repeats.all()] == [pair_repeat.certificate_number]
    assert pair.token_expires_at == pair_repeat.token_expires_at  # the newest token kept
    assert pair.attempts.count() == 1
    late = Submission.objects.get(event_id="evt-late")
    assert (late.pk, late.status, late.vid) == (late_repeat.pk, Status.CONFIRMED, "7000000001")
    [repeat] = late.repeats.all()
    assert (repeat.kind, repeat.certificate_number) == (
        IntakeRepeat.Kind.NEW_NUMBER, late_first.certificate_number,
    )  # fmt: skip
    assert [a.error for a in late.attempts.all()] == ["no name"]  # its calls kept
    both = Submission.objects.get(event_id="evt-both")
    assert both.pk == both_first.pk and both.transaction_id == "1000100000000003"
    assert set(both.transaction_ids.values_list("value", flat=True)) == {
        "1000100000000003",
        "1000100000000004",
    }  # fmt: skip: a late credential for the second packet still finds the record
    assert not Submission.objects.filter(pk__in=[pair_repeat.pk, late_first.pk, both_repeat.pk])

    # Every old state has its explicit successor.
    def status(name: str) -> str:
        return Submission.objects.get(pk=old_states[name].pk).status

    assert status("packet_created") == Status.RECEIVED
    assert status("retry_scheduled") == Status.DELIVERY_RETRY
    assert status("retry_confirming") == Status.CONFIRMATION_RETRY
    assert status("rejecting") == Status.REJECTING
    sending = Submission.objects.get(pk=old_states["sending"].pk)
    assert sending.lease_expires_at == sending.claimed_at + timedelta(seconds=30)
    for name in ("completed", "token_expired", "rejected", "resolved"):
        assert status(name) == name
    assert TransactionId.objects.get(value="1000100000000008").vid == "7000000008"

    # And they flow on: the received record is delivered once, confirmed once; the pair's
    # repeat is not sent again; its packet's credential confirms the one record.
    configure_for_stand_ins(mosip.url, opencrvs.url, "http://127.0.0.1:1")
    for record in Submission.objects.filter(status=Status.RECEIVED):
        tasks.deliver.apply((record.pk,), throw=True)
    tasks.deliver.apply((pair.pk,), throw=True)  # a stale message for it sends nothing
    sent_numbers = sorted(p["fields"]["birthCertificateNumber"] for p in mosip.packets.values())
    assert sent_numbers == sorted([received.certificate_number,
                                   old_states["packet_created"].certificate_number])  # fmt: skip
    record = Submission.objects.get(pk=received.pk)
    assert record.status == Status.AWAITING_CREDENTIAL
    vid = _credential(client, mosip, record.transaction_id, record.certificate_number)
    pair_vid = _credential(client, mosip, "1000100000000001", pair.certificate_number)
    for pk in (received.pk, pair.pk, old_states["credential_received"].pk):
        tasks.confirm.apply((pk,), throw=True)
        assert Submission.objects.get(pk=pk).status == Status.CONFIRMED
    accepted = {call.input["registrationNumber"]: call.input for call in opencrvs.accepted}
    assert accepted[received.certificate_number]["declaration"] == {"child.nid": vid}
    assert accepted[pair.certificate_number]["declaration"] == {"child.nid": pair_vid}
    assert pair_repeat.certificate_number not in accepted
    assert len(opencrvs.accepted) == 3


def test_a_0011_stopped_half_way_completes_when_migrate_runs_again(
    first_release_db, opencrvs, monkeypatch
):
    """0011 runs in steps: if the process dies after some (here: before its last index),
    `migrate` again finishes it, with nothing done twice or left out."""
    old = OldRecords(first_release_db, opencrvs)
    hour_ago = timezone.now() - timedelta(hours=1)
    first = old.add("awaiting_credential", "evt-1", txn="1000100000000001",
                    packet_created_at=hour_ago, workflow_started_at=hour_ago)  # fmt: skip
    repeat = old.add("received", "evt-1")
    build_index = AddConstraintOnline.database_forwards
    failures = []

    def fail_once(self, *args):
        if not failures:
            failures.append(self.constraint.name)
            raise RuntimeError("the connection dropped")
        return build_index(self, *args)

    monkeypatch.setattr(AddConstraintOnline, "database_forwards", fail_once)
    with pytest.raises(RuntimeError):
        call_command("migrate", "integration", "0011", verbosity=0)
    assert failures == ["submission_one_per_event"]

    call_command("migrate", verbosity=0)

    [record] = Submission.objects.filter(event_id="evt-1")
    assert record.pk == first.pk
    assert [r.certificate_number for r in record.repeats.all()] == [repeat.certificate_number]
    foreign_keys = [
        c["foreign_key"]
        for c in connection.introspection.get_constraints(
            connection.cursor(), IntakeRepeat._meta.db_table
        ).values()
        if c["foreign_key"]
    ]
    assert ("integration_submission", "id") in foreign_keys  # made in the first run's step


def test_a_0011_stopped_between_merges_leaves_no_bulk_job_naming_a_removed_record(
    first_release_db, opencrvs, monkeypatch
):
    """The merge commits a chunk of events at a time; a bulk job naming a merged record is
    re-pointed in the same transaction, so a stop between two chunks loses no job's
    record (the run that finishes the migration knows only its own merges)."""
    old = OldRecords(first_release_db, opencrvs)
    kept_a, merged_a = old.add("received", "evt-a"), old.add("received", "evt-a")
    kept_b, merged_b = old.add("received", "evt-b"), old.add("received", "evt-b")
    job = first_release_db.get_model("integration", "BulkJob").objects.create(
        kind="resubmit", reason="Put right", actor_name="Support",
        submission_ids=[merged_a.pk, merged_b.pk],
    )  # fmt: skip
    lifecycle = importlib.import_module("integration.migrations.0011_lifecycle")
    monkeypatch.setattr(lifecycle, "EVENTS_PER_TRANSACTION", 1)
    merge = lifecycle._merge

    def stop_before_the_second_chunk(apps, groups):
        if groups[0][0].event_id == "evt-b":
            raise RuntimeError("the connection dropped")
        return merge(apps, groups)

    monkeypatch.setattr(lifecycle, "_merge", stop_before_the_second_chunk)
    with pytest.raises(RuntimeError):
        call_command("migrate", "integration", "0011", verbosity=0)
    monkeypatch.setattr(lifecycle, "_merge", merge)

    call_command("migrate", verbosity=0)

    ids = BulkJob.objects.get(pk=job.pk).submission_ids
    assert ids == [kept_a.pk, kept_b.pk]
    assert Submission.objects.filter(pk__in=ids).count() == 2


def test_upgrade_check_on_an_up_to_date_database_has_nothing_to_apply():
    out = io.StringIO()
    call_command("upgrade_check", stdout=out)
    assert out.getvalue().startswith("No migrations to apply")


class FillInOneTransaction(migrations.Migration):
    """A migration of the old kind: a new column, then a fill of every row, all in one
    transaction (the column's lock is held until the fill ends)."""

    operations = [
        migrations.AddField("submission", "nickname", models.CharField(max_length=9, default="")),
        migrations.RunPython(migrations.RunPython.noop),
    ]

    @staticmethod
    def upgrade_rows(connection):
        return [("submissions given a nickname", 1_000_000, 1e-5)]


def test_upgrade_check_says_what_to_stop_and_for_how_long_when_a_fill_holds_a_lock():
    migration = FillInOneTransaction("9999_fill", "integration")
    latest = MigrationLoader(connection).project_state()

    described, _state = upgrade_plan.describe(migration, latest, connection)
    text = "\n".join(upgrade_plan.report(upgrade_plan.UpgradePlan(connection.vendor, [described])))

    assert "data: 1,000,000 submissions given a nickname" in text
    assert "expected: about 10 s" in text
    if connection.vendor == "postgresql":
        stop = "reads and writes of integration_submission would wait for about 10 s"
    else:  # SQLite: one writer at a time
        stop = "writes of (the whole database) would wait for about 10 s"
    assert f"Stop web and workers while migrate runs: {stop}." in text


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's lock queue")
def test_a_long_query_ahead_of_0011_does_not_hold_up_the_portals_reads(first_release_db, opencrvs):
    """A schema change queued behind a long query (a report, an export) makes every later
    query of the table queue behind it. 0011's waits at most half a second for its locks at
    a time, so reads go on; without that they waited for the long query's whole 3 s."""
    import threading
    import time

    import psycopg

    OldRecords(first_release_db, opencrvs).add("received", "evt-1")
    settings = connection.settings_dict
    params = {"dbname": settings["NAME"], "user": settings["USER"], "host": settings["HOST"],
              "port": settings["PORT"] or 5432, "password": settings["PASSWORD"]}  # fmt: skip
    started, longest, done = threading.Event(), [0.0], threading.Event()

    def long_query():
        with psycopg.connect(**params) as conn:
            conn.execute("SELECT count(*) FROM integration_submission")
            started.set()
            time.sleep(3)

    def reads():
        with psycopg.connect(**params, autocommit=True) as conn:
            conn.execute("SET lock_timeout = '2s'")
            while not done.is_set():
                at = time.monotonic()
                try:
                    conn.execute("SELECT status FROM integration_submission LIMIT 1")
                except psycopg.errors.LockNotAvailable:
                    pass  # waited the whole lock_timeout: counted below
                longest[0] = max(longest[0], time.monotonic() - at)
                time.sleep(0.05)

    threads = [threading.Thread(target=long_query), threading.Thread(target=reads)]
    for thread in threads:
        thread.start()
    started.wait(5)
    try:
        call_command("migrate", "integration", "0011", verbosity=0)
    finally:
        done.set()
        for thread in threads:
            thread.join()

    with connection.cursor() as cursor:  # the schema of 0011, not the latest
        cursor.execute("SELECT status FROM integration_submission WHERE event_id = 'evt-1'")
        assert cursor.fetchall() == [(Status.RECEIVED,)]
    assert longest[0] < 1.0, f"a read waited {longest[0]:.2f} s"
