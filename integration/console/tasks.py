"""The console's background work: bulk actions on many records (CELERY_IMPORTS)."""

from celery import shared_task
from django.conf import settings

from integration.services import staff_actions


@shared_task(name="integration.console.run_bulk_job")
def run_bulk_job(job_id: int) -> None:
    staff_actions.run_bulk_job(job_id, limit=settings.CONSOLE_BULK_LIMIT)
