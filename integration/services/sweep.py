"""The periodic sweep: the database is the outbox, so work whose broker message was
lost (or whose worker died mid-call) is found here and queued again. Claims are
conditional, so queueing something twice does no harm."""

from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from integration.models import Status, Submission
from integration.services.bulk_jobs import sweep_bulk_jobs
from integration.services.staff_actions import settle_interrupted_rejections

BATCH = 500


def sweep() -> dict[str, int]:
    from integration.tasks import enqueue_confirmation, enqueue_delivery

    now = timezone.now()
    grace = now - timedelta(seconds=settings.PORTAL_SWEEP_GRACE_SECONDS)
    stale = now - timedelta(seconds=settings.PORTAL_STALE_CLAIM_SECONDS)

    # A worker that died mid-call left its claim behind: free it for a retry, which
    # counts against the limit so a record that kills its worker cannot loop forever.
    stuck = Submission.objects.filter(
        status__in=[Status.SENDING, Status.CONFIRMING], claimed_at__lt=stale
    )
    given_up = stuck.filter(retry_count__gte=settings.PORTAL_MAX_ATTEMPTS - 1).update(
        status=Status.FAILED,
        claimed_at=None,
        next_attempt_at=None,
        last_error="Gave up: the worker stopped in the middle of this record every time.",
        updated_at=now,
    )
    freed = stuck.update(
        status=Status.RETRY_SCHEDULED,
        claimed_at=None,
        next_attempt_at=now,
        retry_count=F("retry_count") + 1,
        last_error="The worker stopped in the middle of this record; retrying.",
        updated_at=now,
    )

    waiting = Q(status__in=[Status.RECEIVED, Status.PACKET_CREATED], updated_at__lt=grace) | Q(
        status=Status.RETRY_SCHEDULED, next_attempt_at__lt=grace
    )
    deliveries = list(
        Submission.objects.filter(waiting, credential_received_at__isnull=True)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    confirmable = Q(status=Status.CREDENTIAL_RECEIVED, updated_at__lt=grace) | Q(
        status=Status.RETRY_SCHEDULED, next_attempt_at__lt=grace
    )
    confirmations = list(
        Submission.objects.filter(confirmable, credential_received_at__isnull=False)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    for pk in deliveries:
        enqueue_delivery(pk)
    for pk in confirmations:
        enqueue_confirmation(pk)
    return {
        "freed": freed,
        "given_up": given_up,
        "deliveries": len(deliveries),
        "confirmations": len(confirmations),
        "bulk_jobs": sweep_bulk_jobs(now),
        "rejections_interrupted": settle_interrupted_rejections(now),
    }
