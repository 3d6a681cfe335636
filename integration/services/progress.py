"""What a worker does with a failure: retry later with backoff, or stop the record for a
person. The moves themselves are `integration.services.lifecycle`'s."""

import logging
import random
from datetime import timedelta

from django.utils import timezone

from integration import app_settings
from integration.models import Attempt, Submission
from integration.models.submission import FailureKind
from integration.reasons import Reason, stored_reason
from integration.services import lifecycle
from integration.services.failures import Failure
from integration.services.lifecycle import RecordFailure

log = logging.getLogger(__name__)

# Our own infrastructure failing: try again soon, and do not count it against the record.
INFRASTRUCTURE_RETRY_SECONDS = 10.0


def backoff_seconds(retry_count: int) -> float:
    """Exponential backoff with jitter: half fixed, half random, capped."""
    ceiling = min(
        app_settings.RETRY_MAX_SECONDS,
        app_settings.RETRY_BASE_SECONDS * 2 ** max(retry_count - 1, 0),
    )
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def fail(
    submission: Submission,
    name: str,
    step: str,
    reason: str | Reason,
    kind: str = FailureKind.REFUSED,
) -> bool:
    return lifecycle.move(
        submission, name, failure=RecordFailure(reason, step, kind), next_attempt_at=None
    )


def retry_later(
    submission: Submission, name: str, fail_name: str, step: str, reason: str | Reason
) -> float | None:
    """Schedule another try (move `name`), or fail (move `fail_name`) once the limit is
    used up. Returns the delay, None if the record failed or moved on."""
    retry_count = submission.retry_count + 1
    if retry_count >= app_settings.MAX_ATTEMPTS:
        reason = Reason("gave_up", attempts=retry_count, cause=reason)
        fail(submission, fail_name, step, reason, FailureKind.GAVE_UP)
        return None
    delay = backoff_seconds(retry_count)
    moved = lifecycle.move(
        submission,
        name,
        failure=RecordFailure(reason, step),  # why it waits
        retry_count=retry_count,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )
    return delay if moved else None


def keep_on_timeline(submission: Submission, step: str, reason: str | Reason) -> None:
    """A failure no call recorded (a mapping or validation problem: nothing was sent) is
    kept as a row of the record's timeline, as each call is. The record's own reason is
    cleared by a resubmit; this row stays, so its story still shows that it failed."""
    stored = stored_reason(reason)
    Attempt.objects.create(
        submission=submission,
        step=step,
        url="",
        error=stored["last_error"],
        reason_code=stored["reason_code"],
        reason_params=stored["reason_params"],
    )


def after_failure(
    submission: Submission, failure: Failure, step: str, *, retry: str, fail_as: str
) -> float | None:
    """Act on a classified failure: fail the record, retry counted, or (our own
    infrastructure) retry uncounted. Returns the retry delay, if any.

    With the database itself down even this cannot be written: the record stays in
    flight and the sweep hands it back once its lease runs out."""
    if failure.fails_record:
        log.warning("submission %s failed at %s: %s", submission.pk, step, failure.reason)
        failed = fail(submission, fail_as, step, failure.reason, failure.kind)
        if failed and failure.kind is FailureKind.MAPPING:
            keep_on_timeline(submission, step, failure.reason)
        return None
    if failure.counts_as_attempt:
        return retry_later(submission, retry, fail_as, step, failure.reason)
    try:
        moved = lifecycle.move(
            submission,
            retry,
            failure=RecordFailure(failure.reason, step),
            next_attempt_at=timezone.now() + timedelta(seconds=INFRASTRUCTURE_RETRY_SECONDS),
        )
    except Exception:  # noqa: BLE001 - the database is down too: the lease recovers it
        log.warning("submission %s: infrastructure down; its lease will free it", submission.pk)
        return None
    return INFRASTRUCTURE_RETRY_SECONDS if moved else None
