"""Bulk jobs: one staff action applied to thousands of records in the background. The
records are fixed when the job starts, each gets its own audit entry, progress is a
heartbeat the periodic sweep watches, and a job resumes after a crash without acting on
a record twice."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.utils import timezone

from integration import app_settings
from integration.models import BulkJob
from integration.models.console import ASSIGN
from integration.services import ownership
from integration.services.staff_actions import Actor, perform

log = logging.getLogger(__name__)

# The records a job queued by its filters matches, given (filters, limit, the job's actor):
# the console's own filter, passed in by its task, so this service needs no view code.
Matching = Callable[[dict, int, object], list[int]]


def start_bulk_job(
    kind: str,
    actor: Actor,
    reason: str,
    ids: list[int],
    *,
    all_matching: bool = False,
    filters: dict | None = None,
    assignee=None,  # noqa: ANN001 - a user, for an assignment job
) -> BulkJob:
    """Record the job with its records fixed now (`ids`: those picked, or those matching
    `filters` when `all_matching`), so its total never changes, and queue it for a worker
    once committed. An assignment job gives them to `assignee` (None: to nobody)."""
    from integration.console.tasks import enqueue_bulk_job

    targets = sorted(set(ids))
    job = BulkJob.objects.create(
        kind=kind,
        reason=reason,
        actor=actor.user,
        actor_name=actor.name,
        assignee=assignee if kind == ASSIGN else None,
        all_matching=all_matching,
        submission_ids=targets,
        filters=filters or {},
        total=len(targets),
    )
    enqueue_bulk_job(job.pk)
    return job


def _claim_job(job_id: int, now: datetime) -> bool:
    """Take a queued job, or a running one whose worker stopped (no heartbeat for long).
    A running job with a live worker is left alone: a message delivered twice must not
    start a second run beside it."""
    jobs = BulkJob.objects.filter(pk=job_id)
    if jobs.filter(state=BulkJob.State.QUEUED).update(
        state=BulkJob.State.RUNNING, started_at=now, updated_at=now
    ):
        return True
    stalled = jobs.filter(state=BulkJob.State.RUNNING, updated_at__lt=BulkJob.stale_before(now))
    return bool(stalled.update(updated_at=now, resumed_at=now))


def _targets(job: BulkJob, limit: int, matching: Matching | None) -> list[int]:
    """The job's records. Jobs queued before their records were fixed at start (total
    unset) have them fixed now, once."""
    if job.total is not None:
        return list(job.submission_ids)
    ids = list(job.submission_ids)[:limit]
    if job.filters:
        if matching is None:
            raise ValueError("a job queued by its filters needs the console's matching")
        ids = matching(job.filters, limit, job.actor)
    BulkJob.objects.filter(pk=job.pk).update(submission_ids=ids, total=len(ids))
    return ids


def run_bulk_job(job_id: int, limit: int, matching: Matching | None = None) -> None:
    """Apply the job's action to each of its records, resuming after a crash: a record
    that already has an audit entry from this job is not touched again. `matching` finds
    the records of a job queued by its filters before they were fixed at start."""
    if not _claim_job(job_id, timezone.now()):
        return
    job = BulkJob.objects.select_related("assignee").get(pk=job_id)
    jobs = BulkJob.objects.filter(pk=job.pk)
    actor = Actor(job.actor, job.actor_name)
    try:
        done = set(job.actions.values_list("submission_id", flat=True))
        for submission_id in _targets(job, limit, matching):
            if submission_id in done:
                continue
            if job.kind == ASSIGN:
                ownership.assign(submission_id, job.assignee, actor, job.reason, job)
            else:
                perform(job.kind, submission_id, actor, job.reason, job)
            jobs.update(updated_at=timezone.now())  # the heartbeat the sweep watches
    except Exception as exc:
        log.exception("bulk job %s stopped", job.pk)
        now = timezone.now()
        jobs.update(
            state=BulkJob.State.FAILED, error=str(exc)[:2000], finished_at=now, updated_at=now
        )
        return
    now = timezone.now()
    jobs.update(state=BulkJob.State.FINISHED, finished_at=now, updated_at=now)


def sweep_bulk_jobs(now: datetime) -> int:
    """Queue again bulk jobs whose message was lost or whose worker stopped."""
    from integration.console.tasks import enqueue_bulk_job

    grace = now - timedelta(seconds=app_settings.SWEEP_GRACE_SECONDS)
    queued = BulkJob.objects.filter(state=BulkJob.State.QUEUED, updated_at__lt=grace)
    stalled = BulkJob.objects.filter(
        state=BulkJob.State.RUNNING, updated_at__lt=BulkJob.stale_before(now)
    )
    jobs = list(queued.values_list("pk", flat=True)) + list(stalled.values_list("pk", flat=True))
    # A queued job's clock restarts, so that it is queued again at most once per grace
    # period however often the sweep runs (extra messages find it taken and do nothing).
    # A stalled one's must not: a worker takes it over only while its heartbeat is stale.
    queued.filter(pk__in=jobs).update(updated_at=now)
    for pk in jobs:
        enqueue_bulk_job(pk)
    return len(jobs)
