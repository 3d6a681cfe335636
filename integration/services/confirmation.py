"""Confirmation in OpenCRVS: the pending action OpenCRVS names (`register.accept`, or
`correction.approve.accept` with the correction's request id) with the new national id
(births), using the system client when one is set and the record's single-record token
otherwise. The token is wiped once the record is finished."""

import logging

from django.utils import timezone

from integration import logs
from integration.clients import fence
from integration.clients.http import RemoteError
from integration.clients.opencrvs import OpenCrvsClient, TokenRejected
from integration.clients.opencrvs_auth import OpenCrvsAuth
from integration.models import Status, Submission
from integration.models.submission import FailureKind, Step
from integration.reasons import Reason
from integration.services import lifecycle, opencrvs_access, progress
from integration.services.failures import classify
from integration.services.lifecycle import RecordFailure
from integration.services.opencrvs_access import NothingToConfirm, TokenExpired

log = logging.getLogger(__name__)
FINISHED = {"token": "", "next_attempt_at": None}


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
    accepted = submission.attempts.filter(step=Step.CONFIRM, error="", http_status=200)
    if submission.confirmed_at:
        # Confirmed before and sent back by the reconciliation (OpenCRVS still waits):
        # only an acceptance since then counts.
        accepted = accepted.filter(started_at__gt=submission.confirmed_at)
    if accepted.exists():
        # OpenCRVS accepted an earlier try whose worker stopped before writing it down:
        # asking again would confirm the record twice.
        log.info("submission %s: OpenCRVS accepted it already", submission.pk)
        lifecycle.move(
            submission, "confirmed", to=Status.CONFIRMED, confirmed_at=timezone.now(), **FINISHED
        )
        return
    auth = OpenCrvsAuth()
    try:
        target = opencrvs_access.find_target(submission, auth, OpenCrvsClient())
        if target.request_id and target.request_id != submission.request_id:
            submission.request_id = target.request_id
            if not fence.still_held(submission).update(
                request_id=target.request_id, updated_at=timezone.now()
            ):
                raise fence.LeaseLost("the record is no longer ours")
        opencrvs_access.send_confirmation(submission, target)
    except fence.LeaseLost as error:
        # Another worker (or the sweep) has the record now; nothing more is sent.
        log.warning("submission %s: confirmation stopped: %s", submission.pk, error)
        return
    except TokenExpired as error:
        _token_expired(submission, error.reason)  # stored as its code
        return
    except NothingToConfirm as error:
        said = error.args[0] if error.args else str(error)  # a Reason: stored as its code
        lifecycle.move(submission, "nothing_to_confirm", failure=RecordFailure(said), **FINISHED)
        log.info("submission %s: %s", submission.pk, error)
        return
    except TokenRejected as error:
        if not auth.configured:
            _token_expired(submission, error.reason)  # stored as its code
            return
        _after_failure(submission, _system_client_refused(auth, error))
        return
    except Exception as exc:  # noqa: BLE001 - every failure is classified
        _after_failure(submission, exc)
        return
    lifecycle.move(
        submission, "confirmed", to=Status.CONFIRMED, confirmed_at=timezone.now(), **FINISHED
    )
    log.info("submission %s confirmed in OpenCRVS", submission.pk)


def _system_client_refused(auth: OpenCrvsAuth, error: TokenRejected) -> RemoteError:
    """OpenCRVS refused the system client's token: a revoked token is asked for again
    (retried); a token without the rights is a setting a person must fix."""
    auth.forget_system_token()
    message = Reason("system_client_refused", cause=error.reason)
    return RemoteError(message, retriable=error.http_status == 401, http_status=error.http_status)


def _token_expired(submission: Submission, reason: str | Reason) -> None:
    lifecycle.move(
        submission,
        "token_expired",
        failure=RecordFailure(reason, Step.CONFIRM),
        next_attempt_at=None,
    )


def _after_failure(submission: Submission, exc: Exception) -> None:
    from integration.tasks import enqueue_confirmation

    failure = classify(exc)
    if failure.kind is FailureKind.UNEXPECTED:
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
