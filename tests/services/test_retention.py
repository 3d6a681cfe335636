"""The retention policy: personal data erased some days after a record ends, identifiers
kept; old call records deleted; every erasure in the audit trail."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from integration.models import (
    Attempt,
    BulkJob,
    InboundEvent,
    RetentionPolicy,
    RetentionRun,
    StaffAction,
    Status,
    Submission,
    VerificationRecord,
)
from integration.models.submission import Step
from integration.services.lifecycle import reason_columns
from integration.services.retention import apply_retention
from tests.console.conftest import client_for, make_user
from tests.fixtures import birth_request

PERSONAL = ["Baby Doe", "Jane Doe", "0911111111", "jane.doe@example.com", "1 Example Street"]


def _age(certificate_number: str, days: float) -> None:
    Submission.objects.filter(certificate_number=certificate_number).update(
        updated_at=timezone.now() - timedelta(days=days)
    )


@pytest.mark.e2e
def test_a_record_past_retention_keeps_its_identifiers_and_loses_its_personal_data(pipeline):
    from integration.roles import Role

    assert pipeline.register(birth_request("2026R1", "R1")).status_code == 202
    assert pipeline.register(birth_request("2026R2", "R2")).status_code == 202
    confirmed = pipeline.wait_for("2026R1", Status.CONFIRMED)
    pipeline.wait_for("2026R2", Status.CONFIRMED)
    _age("2026R1", 91)  # ended 91 days ago: past the default 90
    _age("2026R2", 89)  # not yet
    before = Submission.objects.get(pk=confirmed.pk)
    assert before.vid and before.fields_sent and before.attempts.exists()
    transaction_ids = set(before.transaction_ids.values_list("value", flat=True))
    assert before.vid in set(before.transaction_ids.values_list("vid", flat=True))
    support = client_for(make_user("sam", Role.SUPPORT))
    detail = reverse("console:submission", args=[confirmed.pk])
    assert "Baby Doe" in support.get(detail).content.decode()  # support sees it, until...

    call_command("apply_retention")

    after = Submission.objects.get(pk=confirmed.pk)
    assert (after.raw_request, after.fields_sent, after.vid) == ({}, {}, "")
    assert after.personal_data_erased_at is not None
    # Identifiers, statuses and timestamps stay.
    for name in (
        "tracking_id",
        "certificate_number",
        "event_id",
        "action_id",
        "transaction_id",
        "status",
        "created_at",
        "packet_created_at",
        "credential_received_at",
        "confirmed_at",
        "updated_at",
    ):
        assert getattr(after, name) == getattr(before, name), name
    assert set(after.transaction_ids.values_list("value", flat=True)) == transaction_ids
    assert set(after.transaction_ids.values_list("vid", flat=True)) == {""}
    assert after.attempts.count() == before.attempts.count()  # the timeline's shape
    stored = json.dumps(
        list(Attempt.objects.filter(submission=after).values("error", "response_excerpt"))
    )
    assert not [value for value in PERSONAL if value in stored]

    # The audit trail says what was erased and when.
    [entry] = StaffAction.objects.filter(submission=after, kind="erase")
    assert entry.actor_name == "Retention policy"
    assert "raw request" in entry.message and "Kept its identifiers" in entry.message
    assert entry.created_at == after.personal_data_erased_at

    # Support sees the record, its ids and the erasure, and nobody's data.
    page = support.get(detail).content.decode()
    assert "2026R1" in page and after.transaction_id in page
    assert "Erase personal data (retention)" in page
    assert not [value for value in [*PERSONAL, before.vid] if value in page]

    # The record that ended 89 days ago is whole; a second run erases nothing more.
    assert Submission.objects.get(certificate_number="2026R2").fields_sent
    assert apply_retention().records_erased == 0


@pytest.mark.django_db
def test_open_records_are_kept_whole_and_old_call_records_pruned():
    now = timezone.now()
    long_ago = now - timedelta(days=400)
    body = birth_request("2026R3", "R3")
    stuck = Submission.objects.create(
        event_type="birth",
        tracking_id="R3",
        certificate_number="2026R3",
        raw_request=body,
        fields_sent=body["requestFields"],
        status=Status.FAILED,
        **reason_columns('MOSIP refused "Baby Doe"'),
    )
    done = Submission.objects.create(
        event_type="birth",
        tracking_id="R4",
        certificate_number="2026R4",
        raw_request=body,
        status=Status.CONFIRMED,
        confirmed_at=long_ago,
    )
    Submission.objects.filter(pk__in=[stuck.pk, done.pk]).update(updated_at=long_ago)
    for owner in (stuck, done, None):
        Attempt.objects.create(
            submission=owner,
            step=Step.AUTH,
            url="http://m/a",
            started_at=long_ago,
            response_excerpt="Baby Doe",
        )
    Attempt.objects.create(submission=done, step=Step.CONFIRM, url="http://o/c")  # recent
    VerificationRecord.objects.create(kind="ida", result="verified", created_at=long_ago)
    VerificationRecord.objects.create(kind="ida", result="failed")
    job = BulkJob.objects.create(
        kind="resolve",
        reason="done",
        actor_name="Sam",
        filters={"q": "1234567891"},
        state=BulkJob.State.FINISHED,
        finished_at=long_ago,
    )

    run = apply_retention()

    assert (run.records_erased, run.call_records_deleted, run.identity_checks_deleted) == (1, 2, 1)
    assert run.bulk_jobs_scrubbed == 1 and run.finished_at and not run.error
    stuck.refresh_from_db()
    assert stuck.fields_sent and stuck.personal_data_erased_at is None  # a person must act
    assert stuck.attempts.get().response_excerpt == "Baby Doe"
    assert list(done.attempts.values_list("step", flat=True)) == [Step.CONFIRM]
    assert not Attempt.objects.filter(submission=None).exists()
    job.refresh_from_db()
    assert job.filters == {"q": "[erased]"}


@pytest.mark.django_db
def test_the_policy_can_be_turned_off_and_is_in_the_admin(admin_client):
    policy = RetentionPolicy.load()
    assert (policy.personal_data_days, policy.call_record_days) == (90, 180)
    policy.enabled = False
    policy.save()
    body = birth_request("2026R5", "R5")
    record = Submission.objects.create(
        event_type="birth",
        tracking_id="R5",
        certificate_number="2026R5",
        raw_request=body,
        status=Status.CONFIRMED,
    )
    Submission.objects.filter(pk=record.pk).update(updated_at=timezone.now() - timedelta(days=999))

    apply_retention()

    record.refresh_from_db()
    assert record.raw_request == body
    page = admin_client.get(reverse("admin:integration_retentionpolicy_change", args=[1]))
    assert page.status_code == 200 and b"Erase personal data after (days)" in page.content
    runs = admin_client.get(reverse("admin:integration_retentionrun_changelist"))
    assert runs.status_code == 200 and RetentionRun.objects.count() == 1


@pytest.mark.django_db
def test_a_backlog_is_erased_over_several_runs(portal_settings):
    portal_settings.RETENTION_MAX_RECORDS_PER_RUN = 2
    long_ago = timezone.now() - timedelta(days=200)
    for n in range(3):
        body = birth_request(f"2026R6{n}", f"R6{n}")
        record = Submission.objects.create(
            event_type="birth",
            tracking_id=f"R6{n}",
            certificate_number=f"2026R6{n}",
            raw_request=body,
            status=Status.CONFIRMED,
        )
        Submission.objects.filter(pk=record.pk).update(updated_at=long_ago)

    assert [apply_retention().records_erased for _ in range(3)] == [2, 1, 0]
    assert not Submission.objects.exclude(raw_request={}).exists()


@pytest.mark.django_db
def test_stored_deliveries_lose_their_body_once_old_and_are_deleted_later():
    now = timezone.now()
    body = json.dumps({"event": {"data": {"name": "Baby Doe"}}}).encode()

    def delivery(days: int, outcome: str) -> InboundEvent:
        event = InboundEvent.objects.create(
            kind="credential",
            body=body,
            headers={"X-Hub-Signature": "sha256=ab"},
            outcome=outcome,
            error='refused "Baby Doe"' if outcome == "refused" else "",
        )
        InboundEvent.objects.filter(pk=event.pk).update(received_at=now - timedelta(days=days))
        return event

    recent = delivery(10, "accepted")
    old = delivery(100, "refused")
    ancient = delivery(400, "accepted")
    pending = delivery(400, "kept_for_retry")  # waits to be reprocessed: kept whole

    run = apply_retention()

    assert (run.inbound_events_erased, run.inbound_events_deleted) == (1, 1)
    old.refresh_from_db()
    assert (bytes(old.body), old.headers) == (b"", {})
    assert "Baby Doe" not in old.error and old.outcome == "refused"
    assert bytes(InboundEvent.objects.get(pk=recent.pk).body) == body
    assert bytes(InboundEvent.objects.get(pk=pending.pk).body) == body
    assert not InboundEvent.objects.filter(pk=ancient.pk).exists()
