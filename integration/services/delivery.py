"""Delivery to MOSIP: create the packet, then start its workflow.

Each step is recorded on the row as soon as it succeeds, so a retry resumes where the
last try stopped and never creates the same packet twice. Connection errors, timeouts,
5xx, 408 and 429 are retried with backoff; anything else fails with the reason.
"""

import logging

from django.utils import timezone

from integration.clients.http import RemoteError
from integration.clients.mosip import MosipClient
from integration.models import EventType, MosipSettings, Status, Submission
from integration.models.submission import Step
from integration.services import progress
from integration.services.packet import MappingFailed, assign_transaction_id, build_packet

log = logging.getLogger(__name__)


def deliver(submission_id: int) -> None:
    submission = progress.claim(submission_id, progress.DELIVERABLE, Status.SENDING)
    if submission is None:
        return
    config = MosipSettings.load()
    client = MosipClient(config)
    try:
        packet = build_packet(submission, config)
    except MappingFailed as problem:
        # Only a person can fix a mapping: no retry until someone resubmits.
        progress.fail(submission, Status.SENDING, Step.MAPPING, str(problem))
        return
    except Exception as exc:  # odd data the mapping did not foresee: a person must look
        log.exception("submission %s could not be mapped", submission.pk)
        progress.fail(submission, Status.SENDING, Step.MAPPING, progress.unexpected(exc))
        return
    step = Step.CREATE_PACKET
    try:
        if not submission.transaction_id:
            packet.transaction_id = assign_transaction_id(submission, config)
        if submission.packet_created_at is None:
            client.create_packet(packet, submission)
            progress.mark(
                submission,
                Status.SENDING,
                packet_created_at=timezone.now(),
                fields_sent=packet.fields,
                retry_count=0,
                claimed_at=timezone.now(),
            )
        step = Step.START_WORKFLOW
        client.start_workflow(packet, submission)
    except RemoteError as error:
        _after_error(submission, step, error)
        return
    except Exception as exc:  # a bug or an unforeseen reply: fail visibly, never loop
        log.exception("submission %s: unexpected error at %s", submission.pk, step)
        progress.fail(submission, Status.SENDING, step, progress.unexpected(exc))
        return
    _workflow_started(submission, skip_credential=_death_needs_no_credential(submission, config))


def _death_needs_no_credential(submission: Submission, config: MosipSettings) -> bool:
    return submission.event_type == EventType.DEATH and not config.death_waits_for_credential


def _after_error(submission: Submission, step: str, error: RemoteError) -> None:
    from integration.tasks import enqueue_delivery

    if (
        step == Step.START_WORKFLOW
        and Submission.objects.filter(
            pk=submission.pk, credential_received_at__isnull=False
        ).exists()
    ):
        # The credential came while the call was failing: MOSIP did process the packet.
        log.info("submission %s: workflow call failed but the credential came", submission.pk)
        _workflow_started(submission)
        return
    if not error.retriable:
        log.warning("submission %s failed at %s: %s", submission.pk, step, error.message)
        progress.fail(submission, Status.SENDING, step, error.message)
        return
    delay = progress.retry_later(submission, Status.SENDING, step, error.message)
    if delay is not None:
        log.info("submission %s: %s; retry in %.0fs", submission.pk, error.message, delay)
        enqueue_delivery(submission.pk, countdown=delay)


def _workflow_started(submission: Submission, skip_credential: bool = False) -> None:
    """The credential may already have arrived while the workflow call was in flight;
    a death needs none when the MOSIP settings say so."""
    from integration.tasks import enqueue_confirmation

    done = {"workflow_started_at": timezone.now(), "retry_count": 0, "last_error": ""}
    waiting = Submission.objects.filter(pk=submission.pk, credential_received_at__isnull=True)
    if skip_credential:
        done["credential_received_at"] = timezone.now()  # nothing more to wait for
    elif waiting.filter(status=Status.SENDING).update(
        status=Status.AWAITING_CREDENTIAL, claimed_at=None, next_attempt_at=None, **done
    ):
        return
    if not submission.confirm_in_opencrvs:
        # A webhook record: registered in OpenCRVS already, the credential ends it.
        progress.mark(submission, Status.SENDING, status=Status.COMPLETED, token="", **done)
    elif progress.mark(submission, Status.SENDING, status=Status.CREDENTIAL_RECEIVED, **done):
        enqueue_confirmation(submission.pk)
