"""The console's background work: bulk actions on many records (CELERY_IMPORTS)."""

from celery import shared_task
from django.conf import settings
from django.db import transaction

from integration.services import bulk_jobs


@shared_task(name="integration.console.run_bulk_job")
def run_bulk_job(job_id: int) -> None:
    bulk_jobs.run_bulk_job(job_id, limit=settings.CONSOLE_BULK_LIMIT)


# robust: a broker outage is logged, not raised. The job is committed as queued, so the
# person still gets its page, and the periodic sweep queues it again once the broker is
# back (see bulk_jobs.sweep_bulk_jobs).
def enqueue_bulk_job(job_id: int) -> None:
    transaction.on_commit(lambda: run_bulk_job.apply_async((job_id,)), robust=True)
