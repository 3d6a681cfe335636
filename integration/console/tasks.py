"""The console's background work: bulk actions on many records (CELERY_IMPORTS)."""

from celery import shared_task
from django.db import transaction

from integration import app_settings
from integration.console.forms import SubmissionFilterForm
from integration.console.selectors import matching_ids
from integration.services import bulk_jobs


@shared_task(name="integration.console.run_bulk_job")
def run_bulk_job(job_id: int) -> None:
    bulk_jobs.run_bulk_job(job_id, limit=app_settings.CONSOLE_BULK_LIMIT, matching=job_matches)


def job_matches(filters: dict, limit: int, user) -> list[int]:  # noqa: ANN001 - the job's actor
    """The records a job queued by its filters acts on, found by the console's own filter
    (jobs queued before their records were fixed at start)."""
    form = SubmissionFilterForm(filters)
    if not form.is_valid():
        raise ValueError(f"the job's filters are not valid any more: {form.errors.as_text()}")
    return matching_ids(form.cleaned_data, limit, user=user)


# robust: a broker outage is logged, not raised. The job is committed as queued, so the
# person still gets its page, and the periodic sweep queues it again once the broker is
# back (see bulk_jobs.sweep_bulk_jobs).
def enqueue_bulk_job(job_id: int) -> None:
    transaction.on_commit(lambda: run_bulk_job.apply_async((job_id,)), robust=True)
