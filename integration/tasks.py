"""Celery tasks: thin wrappers around the services. Enqueue only after commit, so a
worker never looks for a row that is not there yet."""

from celery import shared_task
from django.db import transaction

from integration.services import confirmation, delivery, reconciliation, retention, sweep, websub


@shared_task(name="integration.deliver")
def deliver(submission_id: int) -> None:
    delivery.deliver(submission_id)


@shared_task(name="integration.confirm")
def confirm(submission_id: int) -> None:
    confirmation.confirm(submission_id)


@shared_task(name="integration.sweep")
def sweep_lost_work() -> dict:
    return sweep.sweep()


@shared_task(name="integration.check_mosip_status")
def check_mosip_status() -> dict:
    from integration.services import mosip_status

    return mosip_status.check_due()


@shared_task(name="integration.apply_retention")
def apply_retention() -> int:
    return retention.apply_retention().pk


@shared_task(name="integration.reconcile_with_opencrvs")
def reconcile_with_opencrvs() -> int | None:
    run = reconciliation.reconcile()
    return run.pk if run else None


@shared_task(name="integration.subscribe_websub", bind=True, max_retries=None)
def subscribe_websub(self) -> None:
    # MOSIP out of reach when the scheduler starts: try again soon (5 s doubling, at most
    # a minute), not only after the re-subscription interval; credentials MOSIP issues
    # meanwhile would go to no one, so a slower back-off loses more of them.
    if websub.subscribe_if_configured() is False:
        raise self.retry(countdown=min(5 * 2**self.request.retries, 60))


# robust: a broker outage is logged, not raised. The row is committed already, so the
# caller still gets its answer and the periodic sweep queues the work once the broker is back.
def enqueue_delivery(submission_id: int, countdown: float | None = None) -> None:
    transaction.on_commit(
        lambda: deliver.apply_async((submission_id,), countdown=countdown), robust=True
    )


def enqueue_confirmation(submission_id: int, countdown: float | None = None) -> None:
    transaction.on_commit(
        lambda: confirm.apply_async((submission_id,), countdown=countdown), robust=True
    )
