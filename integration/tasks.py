"""Celery tasks: thin wrappers around the services. Enqueue only after commit, so a
worker never looks for a row that is not there yet."""

import functools
import logging
from collections.abc import Callable

from celery import shared_task
from django.db import transaction

from integration import outages
from integration.services import confirmation, delivery, reconciliation, retention, sweep, websub

log = logging.getLogger(__name__)


def quiet_on_outage(run: Callable) -> Callable:
    """Our own database or cache down (or read-only, after a failover) before a task could
    claim its work is no failure of the task: nothing was taken, the row still says what is
    due, and the sweep queues it again once the service is back. One warning line instead
    of a traceback per task for as long as the outage lasts."""

    @functools.wraps(run)
    def wrapper(*args, **kwargs):
        try:
            return run(*args, **kwargs)
        except Exception as exc:
            if (service := outages.outage_of(exc)) is None:
                raise
            log.warning(
                "task %s: our %s is unavailable; the sweep queues it again", run.__name__, service
            )
            return None

    return wrapper


@shared_task(name="integration.deliver")
@quiet_on_outage
def deliver(submission_id: int) -> None:
    delivery.deliver(submission_id)


@shared_task(name="integration.confirm")
@quiet_on_outage
def confirm(submission_id: int) -> None:
    confirmation.confirm(submission_id)


@shared_task(name="integration.sweep")
@quiet_on_outage
def sweep_lost_work() -> dict:
    return sweep.sweep()


@shared_task(name="integration.check_mosip_status")
@quiet_on_outage
def check_mosip_status() -> dict:
    from integration.services import mosip_status

    return mosip_status.check_due()


@shared_task(name="integration.apply_retention")
@quiet_on_outage
def apply_retention() -> int:
    return retention.apply_retention().pk


@shared_task(name="integration.reconcile_with_opencrvs")
@quiet_on_outage
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
