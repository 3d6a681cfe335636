"""Bulk actions: the list's selection, a confirmation page, then a job with progress."""

import pytest
from django.urls import reverse

from integration.console.selectors import job_progress
from integration.console.tasks import run_bulk_job
from integration.models import ActionKind, BulkJob, Outcome, StaffAction, Status

pytestmark = pytest.mark.django_db


def test_picked_records_are_confirmed_then_queued_then_done(
    support_client, support, make_submission, django_capture_on_commit_callbacks
):
    failed = [make_submission(Status.FAILED) for _ in range(3)]
    confirmed = make_submission(Status.CONFIRMED, token="")
    ids = [s.pk for s in failed] + [confirmed.pk]

    page = support_client.post(reverse("console:bulk-action"), {"action": "resolve", "ids": ids})
    assert page.status_code == 200
    assert 'data-testid="bulk-count">4<' in page.content.decode()
    assert not BulkJob.objects.exists()  # nothing happens before the confirmation

    with django_capture_on_commit_callbacks() as queued:
        reply = support_client.post(
            reverse("console:bulk-action"),
            {"action": "resolve", "ids": ids, "confirmed": "1", "reason": "Settled by phone"},
        )
    job = BulkJob.objects.get()
    assert reply.status_code == 302 and reply.url == reverse("console:job", args=[job.pk])
    assert len(queued) == 1 and (job.kind, job.actor, job.state) == ("resolve", support, "queued")

    run_bulk_job(job.pk)  # what the worker does with the queued message

    job.refresh_from_db()
    progress = job_progress(job)
    assert (job.state, job.total, progress.done, progress.skipped) == ("finished", 4, 3, 1)
    assert progress.percent == 100
    for submission in failed:
        submission.refresh_from_db()
        assert submission.status == Status.RESOLVED
    assert StaffAction.objects.filter(job=job).count() == 4
    skipped = StaffAction.objects.get(job=job, outcome=Outcome.SKIPPED)
    assert skipped.submission == confirmed
    page = support_client.get(reverse("console:job", args=[job.pk])).content.decode()
    assert "Finished" in page and ">3</span> done" in page
    audit = support_client.get(reverse("console:audit"), {"job": job.pk})
    entries = audit.context["page"].items
    assert len(entries) == 4 and {e.actor_name for e in entries} == {"Sam <sam@example.org>"}
    assert "Settled by phone" in audit.content.decode()
    assert (
        support_client.get(reverse("console:job-progress", args=[job.pk])).json()["percent"] == 100
    )


def test_every_record_matching_the_filters(support_client, make_submission):
    targets = [make_submission(Status.FAILED, failed_step="auth") for _ in range(2)]
    other = make_submission(Status.FAILED, failed_step="confirm")
    form = {
        "action": ActionKind.RESOLVE,
        "all_matching": "on",
        "filter-status": "failed",
        "filter-failed_step": "auth",
    }
    page = support_client.post(reverse("console:bulk-action"), form)
    assert 'data-testid="bulk-count">2<' in page.content.decode()
    support_client.post(
        reverse("console:bulk-action"), {**form, "confirmed": "1", "reason": "MOSIP fixed"}
    )
    job = BulkJob.objects.get()
    assert job.filters == {"status": "failed", "failed_step": "auth"}
    run_bulk_job(job.pk)
    for submission in targets:
        submission.refresh_from_db()
        assert submission.status == Status.RESOLVED
    other.refresh_from_db()
    assert other.status == Status.FAILED


def test_too_many_matching_records_are_refused(support_client, make_submission, settings):
    settings.CONSOLE_BULK_LIMIT = 2
    for _ in range(3):
        make_submission(Status.FAILED)
    reply = support_client.post(
        reverse("console:bulk-action"),
        {"action": "resolve", "all_matching": "on", "confirmed": "1", "reason": "all of them"},
    )
    assert "More than 2 records match" in reply.content.decode()
    assert not BulkJob.objects.exists()


def test_an_empty_selection_is_explained(support_client):
    reply = support_client.post(reverse("console:bulk-action"), {"action": "resolve"})
    assert reply.status_code == 400
    assert "Pick at least one record" in reply.content.decode()


def test_a_job_resumes_without_acting_twice(support, make_submission):
    from integration.services.staff_actions import Actor, perform, start_bulk_job

    records = [make_submission(Status.FAILED) for _ in range(3)]
    actor = Actor.of(support)
    job = start_bulk_job(ActionKind.RESOLVE, actor, "resume test", ids=[s.pk for s in records])
    perform(ActionKind.RESOLVE, records[0].pk, actor, job.reason, job)  # then the worker died
    BulkJob.objects.filter(pk=job.pk).update(state=BulkJob.State.RUNNING)

    run_bulk_job(job.pk)

    assert StaffAction.objects.filter(job=job).count() == 3
    assert job_progress(BulkJob.objects.get(pk=job.pk)).done == 3


def test_a_missing_reason_keeps_the_selection(support_client, make_submission):
    ids = [make_submission(Status.FAILED).pk for _ in range(2)]
    reply = support_client.post(
        reverse("console:bulk-action"),
        {"action": "resolve", "ids": ids, "confirmed": "1", "reason": ""},
    )
    page = reply.content.decode()
    assert "This field is required" in page
    assert 'data-testid="bulk-count">2<' in page
    assert not BulkJob.objects.exists()
