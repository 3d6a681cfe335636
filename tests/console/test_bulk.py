"""Bulk actions: the list's selection, a confirmation page, then a job with progress."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from integration.console import tasks as console_tasks
from integration.console.selectors import job_progress
from integration.console.tasks import run_bulk_job
from integration.models import ActionKind, ActionOutcome, BulkJob, StaffAction, Status
from integration.services import bulk_jobs, staff_actions
from integration.services.bulk_jobs import start_bulk_job
from integration.services.staff_actions import Actor
from integration.services.sweep import sweep

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """A worker killed mid-job, as it looks from inside: nothing after it runs."""


def run_until_killed(job_id: int, records: int) -> None:
    """Run a job whose worker is killed after acting on `records` records."""
    real, acted = bulk_jobs.perform, []

    def perform(*args, **kwargs):
        if len(acted) == records:
            raise WorkerKilled
        acted.append(args)
        return real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bulk_jobs, "perform", perform)
        with pytest.raises(WorkerKilled):
            run_bulk_job(job_id)


class Broker:
    """Stands in for the Celery broker: remembers what was queued, or is down."""

    def __init__(self) -> None:
        self.down = False
        self.sent: list[int] = []

    def apply_async(self, args) -> None:
        if self.down:
            raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")
        self.sent.extend(args)

    def delay(self, *args) -> None:
        self.apply_async(args)


@pytest.fixture
def broker(monkeypatch) -> Broker:
    broker = Broker()
    monkeypatch.setattr(console_tasks, "run_bulk_job", broker)
    return broker


def job_page(client, job) -> str:
    reply = client.get(reverse("console:job", args=[job.pk]))
    assert reply.status_code == 200
    return reply.content.decode()


def age(job, **delta) -> None:
    long_ago = timezone.now() - timedelta(**delta)
    BulkJob.objects.filter(pk=job.pk).update(created_at=long_ago, updated_at=long_ago)


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
    skipped = StaffAction.objects.get(job=job, outcome=ActionOutcome.SKIPPED)
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


def test_too_many_matching_records_are_refused(support_client, make_submission, portal_settings):
    portal_settings.CONSOLE_BULK_LIMIT = 2
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
    records = [make_submission(Status.FAILED) for _ in range(3)]
    job = start_bulk_job(
        ActionKind.RESOLVE, Actor.of(support), "resume test", [r.pk for r in records]
    )
    run_until_killed(job.pk, records=1)
    age(job, hours=1)  # no heartbeat since: its worker is gone

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


def test_every_record_matching_no_filter_is_every_record(support_client, make_submission):
    records = [make_submission(Status.FAILED), make_submission(Status.TOKEN_EXPIRED)]
    form = {"action": ActionKind.RESOLVE, "all_matching": "on"}
    page = support_client.post(reverse("console:bulk-action"), form).content.decode()
    assert 'data-testid="bulk-count">2<' in page and "(no filter)" in page
    support_client.post(
        reverse("console:bulk-action"), {**form, "confirmed": "1", "reason": "All settled"}
    )
    job = BulkJob.objects.get()
    run_bulk_job(job.pk)
    for record in records:
        record.refresh_from_db()
        assert record.status == Status.RESOLVED
    page = job_page(support_client, job)
    assert "Finished" in page and ">2</span> done" in page
    assert "Every record, when the job started (no filter)" in page


def test_a_job_queued_while_the_broker_is_down_runs_once_it_is_back(
    support_client, make_submission, broker, django_capture_on_commit_callbacks
):
    records = [make_submission(Status.FAILED) for _ in range(2)]
    broker.down = True
    form = {"action": "resolve", "ids": [r.pk for r in records], "confirmed": "1"}
    with django_capture_on_commit_callbacks(execute=True):
        reply = support_client.post(reverse("console:bulk-action"), {**form, "reason": "By phone"})
    job = BulkJob.objects.get()
    assert reply.status_code == 302 and reply.url == reverse("console:job", args=[job.pk])
    assert broker.sent == [] and job.state == BulkJob.State.QUEUED

    age(job, minutes=5)
    assert "Waiting for a worker since" in job_page(support_client, job)
    broker.down = False
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep()["bulk_jobs"] == 1
    assert broker.sent == [job.pk]
    run_bulk_job(job.pk)  # what the worker does with the message

    assert "Finished" in job_page(support_client, job)
    for record in records:
        record.refresh_from_db()
        assert record.status == Status.RESOLVED


def test_a_job_whose_worker_died_is_resumed_by_the_sweep_and_says_so(
    support, support_client, make_submission, broker, django_capture_on_commit_callbacks
):
    records = [make_submission(Status.FAILED) for _ in range(3)]
    job = start_bulk_job(ActionKind.RESOLVE, Actor.of(support), "By phone", [r.pk for r in records])
    run_until_killed(job.pk, records=1)

    # The same message delivered again while the worker still looks alive: no second run.
    run_bulk_job(job.pk)
    assert StaffAction.objects.filter(job=job).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep()["bulk_jobs"] == 0

    BulkJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    page = job_page(support_client, job)
    assert "Running" in page and "Stalled: no progress since" in page
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep()["bulk_jobs"] == 1
    assert job.pk in broker.sent
    run_bulk_job(job.pk)

    page = job_page(support_client, job)
    assert "Finished" in page and ">3</span> done" in page
    assert "Stalled, then resumed at" in page
    assert StaffAction.objects.filter(job=job).count() == 3


def test_a_resumed_job_keeps_the_records_it_started_with(support_client, make_submission):
    for _ in range(3):
        make_submission(Status.FAILED)
    form = {"action": "resolve", "all_matching": "on", "filter-status": "failed"}
    support_client.post(
        reverse("console:bulk-action"), {**form, "confirmed": "1", "reason": "MOSIP fixed"}
    )
    job = BulkJob.objects.get()
    assert '0</span> of <span data-field="total">3<' in job_page(support_client, job)
    run_until_killed(job.pk, records=1)
    later = [make_submission(Status.FAILED) for _ in range(2)]  # failed after the job started
    age(job, hours=1)

    run_bulk_job(job.pk)

    page = job_page(support_client, job)
    assert '3</span> of <span data-field="total">3<' in page
    assert "Finished" in page
    for record in later:
        record.refresh_from_db()
        assert record.status == Status.FAILED


def test_a_job_on_a_search_does_not_show_the_term_to_auditors(
    support_client, auditor_client, make_submission
):
    make_submission(Status.FAILED, event_type="death")  # the deceased's NID is 1234567892
    form = {
        "action": "resolve",
        "all_matching": "on",
        "filter-q": "1234567892",
        "filter-reason": "MOSIP answered",
        "confirmed": "1",
        "reason": "Registered by hand",
    }
    support_client.post(reverse("console:bulk-action"), form)
    job = BulkJob.objects.get()
    assert "q: 1234567892" in job_page(support_client, job)
    page = job_page(auditor_client, job)
    assert "1234567892" not in page and "MOSIP answered" not in page
    assert "q: •••••" in page and "reason: •••••" in page


@pytest.mark.parametrize("job", ["²", "99999999999999999999", "0", "-1", "1e3"])
def test_a_job_id_that_cannot_be_one_shows_the_whole_audit_log(
    support_client, support, make_submission, job
):
    staff_actions.perform(
        ActionKind.RESOLVE, make_submission(Status.FAILED).pk, Actor.of(support), "By phone"
    )
    reply = support_client.get(reverse("console:audit"), {"job": job})
    assert reply.status_code == 200
    assert len(reply.context["page"].items) == 1


def test_a_job_id_too_large_for_the_database_is_not_found(support_client):
    for name in ("console:job", "console:job-progress"):
        assert support_client.get(reverse(name, args=[10**20])).status_code == 404


def test_a_job_queued_by_its_filters_before_records_were_fixed_acts_on_those_that_match(
    support, make_submission
):
    # As an earlier release stored it: the console's filters, no records fixed, no total.
    failed = [make_submission(Status.FAILED) for _ in range(2)]
    expired = make_submission(Status.TOKEN_EXPIRED)
    job = BulkJob.objects.create(
        kind=ActionKind.RESOLVE,
        reason="By phone",
        actor=support,
        actor_name="sam",
        all_matching=True,
        submission_ids=[],
        filters={"status": Status.FAILED},
        total=None,
    )

    run_bulk_job(job.pk)  # the worker finds them with the console's own filter

    job.refresh_from_db()
    assert job.state == BulkJob.State.FINISHED and job.total == 2
    assert sorted(job.submission_ids) == sorted(r.pk for r in failed)
    for record in failed:
        record.refresh_from_db()
        assert record.status == Status.RESOLVED
    expired.refresh_from_db()
    assert expired.status == Status.TOKEN_EXPIRED
