"""Confirmation in OpenCRVS: `register.accept` with the new national id (births), using
the record's single-record token, which is wiped once the record is finished."""

import logging

from django.utils import timezone

from integration.clients.http import RemoteError
from integration.clients.opencrvs import OpenCrvsClient, TokenRejected
from integration.models import EventType, Status, Submission
from integration.models.submission import Step
from integration.services import progress

log = logging.getLogger(__name__)


def declaration_for(submission: Submission) -> dict:
    if submission.event_type == EventType.BIRTH and submission.vid:
        return {"child.nid": submission.vid}
    return {}


def confirm(submission_id: int) -> None:
    submission = progress.claim(submission_id, progress.CONFIRMABLE, Status.CONFIRMING)
    if submission is None:
        return
    if not submission.confirm_in_opencrvs:
        # A webhook record: OpenCRVS registered it already; nothing to confirm.
        progress.mark(
            submission,
            Status.CONFIRMING,
            status=Status.COMPLETED,
            token="",
            last_error="",
            failed_step="",
            next_attempt_at=None,
        )
        return
    if not submission.token or (
        submission.token_expires_at and submission.token_expires_at <= timezone.now()
    ):
        _token_expired(submission, "The record's OpenCRVS token expired before confirmation.")
        return
    try:
        OpenCrvsClient().accept(submission, declaration_for(submission))
    except TokenRejected as error:
        _token_expired(submission, error.message)
        return
    except RemoteError as error:
        _after_error(submission, error)
        return
    except Exception as exc:  # a bug or an unforeseen reply: fail visibly, never loop
        log.exception("submission %s: unexpected error confirming", submission.pk)
        progress.fail(submission, Status.CONFIRMING, Step.CONFIRM, progress.unexpected(exc))
        return
    progress.mark(
        submission,
        Status.CONFIRMING,
        status=Status.CONFIRMED,
        confirmed_at=timezone.now(),
        token="",
        last_error="",
        failed_step="",
        next_attempt_at=None,
    )
    log.info("submission %s confirmed in OpenCRVS", submission.pk)


def _token_expired(submission: Submission, reason: str) -> None:
    progress.mark(
        submission,
        Status.CONFIRMING,
        status=Status.TOKEN_EXPIRED,
        failed_step=Step.CONFIRM,
        last_error=reason,
        next_attempt_at=None,
    )


def _after_error(submission: Submission, error: RemoteError) -> None:
    from integration.tasks import enqueue_confirmation

    if not error.retriable:
        progress.fail(submission, Status.CONFIRMING, Step.CONFIRM, error.message)
        return
    delay = progress.retry_later(submission, Status.CONFIRMING, Step.CONFIRM, error.message)
    if delay is not None:
        enqueue_confirmation(submission.pk, countdown=delay)
