"""Confirmation in OpenCRVS: `register.accept` with the new national id (births), using
the record's single-record token, which is wiped once the record is finished."""

import logging

from django.utils import timezone

from integration.clients.opencrvs import OpenCrvsClient, TokenRejected
from integration.models import EventType, Status, Submission
from integration.models.submission import Step
from integration.monitoring import logs
from integration.services import lifecycle, progress
from integration.services.failures import Kind, classify

log = logging.getLogger(__name__)
FINISHED = {"token": "", "last_error": "", "failed_step": "", "next_attempt_at": None}


def declaration_for(submission: Submission) -> dict:
    if submission.event_type == EventType.BIRTH and submission.vid:
        return {"child.nid": submission.vid}
    return {}


def confirm(submission_id: int) -> None:
    submission = lifecycle.claim(submission_id, "claim_confirmation")
    if submission is None:
        return
    logs.bind_submission(submission)
    with lifecycle.heartbeat(submission):
        _confirm(submission)


def _confirm(submission: Submission) -> None:
    if not submission.confirm_in_opencrvs:
        # A webhook record: OpenCRVS registered it already; nothing to confirm.
        lifecycle.move(submission, "confirmed", to=Status.COMPLETED, **FINISHED)
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
    except Exception as exc:  # noqa: BLE001 - every failure is classified
        _after_failure(submission, exc)
        return
    lifecycle.move(
        submission, "confirmed", to=Status.CONFIRMED, confirmed_at=timezone.now(), **FINISHED
    )
    log.info("submission %s confirmed in OpenCRVS", submission.pk)


def _token_expired(submission: Submission, reason: str) -> None:
    lifecycle.move(
        submission,
        "token_expired",
        failed_step=Step.CONFIRM,
        last_error=reason,
        next_attempt_at=None,
    )


def _after_failure(submission: Submission, exc: Exception) -> None:
    from integration.tasks import enqueue_confirmation

    failure = classify(exc)
    if failure.kind is Kind.UNEXPECTED:
        log.exception("submission %s: unexpected error confirming", submission.pk)
    delay = progress.after_failure(
        submission,
        failure,
        Step.CONFIRM,
        retry="confirmation_retry",
        fail_as="confirmation_failed",
    )
    if delay is not None:
        enqueue_confirmation(submission.pk, countdown=delay)
