"""The periodic sweep: the database is the outbox, so work whose broker message was
lost, or whose process died holding the record's lease, is found here and queued again.
Claims are conditional, so queueing something twice does no harm."""

from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from integration import app_settings
from integration.models import Status, Submission
from integration.models.submission import FailureKind, Step
from integration.reasons import Reason
from integration.services import lifecycle
from integration.services.bulk_jobs import sweep_bulk_jobs
from integration.services.lifecycle import RecordFailure
from integration.services.staff_actions import INTERRUPTED_REJECTION

BATCH = 500
WORKER_STOPPED = Reason("worker_stopped")
GAVE_UP = Reason("worker_gave_up")
# The sweep cannot tell where a dead worker stopped: the step its record last failed at
# stays (delivery asks MOSIP first after a failed workflow start).
SAME_STEP = F("failed_step")


def sweep() -> dict[str, int]:
    from integration.tasks import enqueue_confirmation, enqueue_delivery

    now = timezone.now()
    grace = now - timedelta(seconds=app_settings.SWEEP_GRACE_SECONDS)
    freed_deliveries, freed_confirmations, given_up = _free_expired_leases(now)

    deliveries = _lost(Status.RECEIVED, Status.DELIVERY_RETRY, now, grace)
    confirmations = _lost(Status.CREDENTIAL_RECEIVED, Status.CONFIRMATION_RETRY, now, grace)
    for pk in {*deliveries, *freed_deliveries}:
        enqueue_delivery(pk)
    taken_over = _system_client_takes_over()
    for pk in {*confirmations, *freed_confirmations, *taken_over}:
        enqueue_confirmation(pk)
    return {
        "freed": len(freed_deliveries) + len(freed_confirmations),
        "given_up": given_up,
        "deliveries": len(deliveries),
        "confirmations": len(confirmations),
        "token_expired_taken_over": len(taken_over),
        "bulk_jobs": sweep_bulk_jobs(now),
        "rejections_interrupted": _settle_interrupted_rejections(now),
    }


def _system_client_takes_over() -> list[int]:
    """Records that stopped because their own token expired go on to their confirmation
    once a system client is set: it needs no token from OpenCRVS."""
    from integration.clients.opencrvs_auth import OpenCrvsAuth

    if not OpenCrvsAuth().configured:
        return []
    waiting = Q(credential_received_at__isnull=False, confirm_in_opencrvs=True)
    return lifecycle.move_all(
        "system_client_confirms", waiting, next_attempt_at=None, retry_count=0
    )


def _lost(waiting: str, retrying: str, now, grace) -> list[int]:
    """Records whose message was presumably lost: waiting since before the grace period,
    or a retry overdue by more than it. Their clock restarts, so each is queued again at
    most once per grace period however often the sweep runs: a backlog must not grow by
    the sweep's own duplicates."""
    late = Q(status=waiting, updated_at__lt=grace) | Q(status=retrying, next_attempt_at__lt=grace)
    ids = list(
        Submission.objects.filter(late).order_by("updated_at").values_list("pk", flat=True)[:BATCH]
    )
    picked = Submission.objects.filter(pk__in=ids)
    picked.filter(status=waiting).update(updated_at=now)
    picked.filter(status=retrying).update(next_attempt_at=now)
    return ids


def _free_expired_leases(now) -> tuple[list[int], list[int], int]:
    """A process that died mid-call stopped renewing its lease: hand the record back at
    once. The retry counts against the limit, so a record that kills its worker every
    time ends failed instead of looping."""
    expired = lifecycle.lease_expired(now)
    last_chance = Q(retry_count__gte=app_settings.MAX_ATTEMPTS - 1)
    stopped = {
        "failure": RecordFailure(GAVE_UP, SAME_STEP, FailureKind.GAVE_UP),
        "next_attempt_at": None,
    }
    given_up = len(
        lifecycle.move_all(
            "delivery_lease_lost", expired & last_chance, to=Status.FAILED, **stopped
        )  # fmt: skip
    ) + len(
        lifecycle.move_all(
            "confirmation_lease_lost", expired & last_chance, to=Status.FAILED, **stopped
        )  # fmt: skip
    )
    retry = {"failure": RecordFailure(WORKER_STOPPED, SAME_STEP), "next_attempt_at": now,
             "retry_count": F("retry_count") + 1}  # fmt: skip
    deliveries = lifecycle.move_all(
        "delivery_lease_lost", expired, to=Status.DELIVERY_RETRY, **retry
    )
    confirmations = lifecycle.move_all(
        "confirmation_lease_lost", expired, to=Status.CONFIRMATION_RETRY, **retry
    )
    return deliveries, confirmations, given_up


def _settle_interrupted_rejections(now) -> int:
    """A rejection whose process died mid-call: never let it turn into an accept."""
    return len(
        lifecycle.move_all(
            "rejection_interrupted",
            lifecycle.lease_expired(now),
            failure=RecordFailure(INTERRUPTED_REJECTION, Step.REJECT, FailureKind.INTERRUPTED),
            next_attempt_at=None,
        )
    )
