"""Moving a submission between states safely: claim before work, retry by kind.

Every change is a conditional UPDATE, so two workers never both act on one row and a
late update never overwrites a newer state.
"""

import random
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from integration.clients.http import redact
from integration.models import Status, Submission

# What a delivery worker may pick up: new rows, half-done packets, and delivery retries.
DELIVERABLE = Q(status__in=[Status.RECEIVED, Status.PACKET_CREATED]) | Q(
    status=Status.RETRY_SCHEDULED, credential_received_at__isnull=True
)
# What a confirmation worker may pick up.
CONFIRMABLE = Q(status=Status.CREDENTIAL_RECEIVED) | Q(
    status=Status.RETRY_SCHEDULED, credential_received_at__isnull=False
)


def claim(submission_id: int, claimable: Q, in_flight: Status) -> Submission | None:
    """Move the row into its in-flight state; None if another worker has it or it is
    not due yet."""
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    changed = Submission.objects.filter(claimable, due, pk=submission_id).update(
        status=in_flight, claimed_at=now, updated_at=now
    )
    return Submission.objects.get(pk=submission_id) if changed else None


def backoff_seconds(retry_count: int) -> float:
    """Exponential backoff with jitter: half fixed, half random, capped."""
    ceiling = min(
        settings.PORTAL_RETRY_MAX_SECONDS,
        settings.PORTAL_RETRY_BASE_SECONDS * 2 ** max(retry_count - 1, 0),
    )
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def mark(submission: Submission, in_flight: Status, **changes) -> bool:
    """Apply changes if the row is still in the state this worker claimed it in."""
    changes.setdefault("claimed_at", None)
    changed = Submission.objects.filter(pk=submission.pk, status=in_flight).update(
        updated_at=timezone.now(), **changes
    )
    for name, value in changes.items():
        setattr(submission, name, value)
    return bool(changed)


def fail(submission: Submission, in_flight: Status, step: str, reason: str) -> None:
    mark(
        submission,
        in_flight,
        status=Status.FAILED,
        failed_step=step,
        last_error=reason,
        next_attempt_at=None,
    )


def retry_later(submission: Submission, in_flight: Status, step: str, reason: str) -> float | None:
    """Schedule another try, or fail once the limit is used up. Returns the delay."""
    retry_count = submission.retry_count + 1
    if retry_count >= settings.PORTAL_MAX_ATTEMPTS:
        fail(submission, in_flight, step, f"Gave up after {retry_count} attempts: {reason}")
        return None
    delay = backoff_seconds(retry_count)
    mark(
        submission,
        in_flight,
        status=Status.RETRY_SCHEDULED,
        failed_step=step,
        last_error=reason,
        retry_count=retry_count,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )
    return delay


def unexpected(exc: Exception) -> str:
    """A failure reason for an error nobody foresaw (secrets redacted)."""
    return redact(f"Unexpected {type(exc).__name__}: {exc}")[:500]
