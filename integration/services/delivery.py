"""Delivery to MOSIP: create the packet, then start its workflow.

Each step is recorded on the row as soon as it succeeds, so a retry resumes where the
last try stopped and never creates the same packet twice. What a failure does to the
record is decided by `failures.classify`: only MOSIP's definite answer or a mapping
problem fails it; MOSIP out of reach, our own cache, broker or database down, or a bug
retry it (see `integration.services.failures`).
"""

import logging

from django.db.models import Q
from django.utils import timezone

from integration import logs
from integration.clients import fence
from integration.clients.mosip import MosipClient
from integration.models import EventType, MosipSettings, Status, Submission
from integration.models.submission import FailureKind, Step
from integration.services import lifecycle, progress
from integration.services.failures import classify
from integration.services.packet import (
    MappingFailed,
    NoIdSchema,
    assign_transaction_id,
    build_packet,
)

log = logging.getLogger(__name__)


def deliver(submission_id: int) -> None:
    submission = lifecycle.claim(submission_id, "claim_delivery")
    if submission is None:
        return
    logs.bind_submission(submission)
    with lifecycle.heartbeat(submission):
        _deliver(submission)


def _deliver(submission: Submission) -> None:
    if submission.credential_received_at is not None:
        _hand_over(submission)  # the credential came while the record waited for a retry
        return
    step = Step.MAPPING
    try:
        config = MosipSettings.load()
        packet = _packet(submission, config)
        step = Step.CREATE_PACKET
        first_try = not submission.transaction_id
        if first_try:
            # A worker back from a hang must not give the record a second id under the
            # one its new holder may have sent already.
            unassigned = fence.still_held(submission).filter(transaction_id="")
            packet.transaction_id = assign_transaction_id(
                submission, config, unassigned, about_to_send=True
            )
            if packet.transaction_id is None:
                raise fence.LeaseLost("the record is no longer ours")
            logs.transaction_id.set(packet.transaction_id)
        client = MosipClient(config)
        if submission.packet_created_at is None:
            # Under an id assigned just now nothing can have been sent: no question.
            if first_try or not _packet_sent_before(client, submission):
                _mark_packet_sent(submission)
                client.create_packet(packet, submission)
            written = fence.still_held(submission).update(
                packet_created_at=timezone.now(),
                fields_sent=packet.fields,
                fields_defaulted=packet.defaulted,
                fields_from_declaration=packet.from_declaration,
                retry_count=0,
            )
            if not written:
                raise fence.LeaseLost("the packet was created, but the record is no longer ours")
            submission.retry_count = 0
        step = Step.START_WORKFLOW
        if not _workflow_started_before(client, submission):
            client.start_workflow(packet, submission)
    except fence.LeaseLost as exc:
        # Another worker (or the sweep) has the record now: it carries on from what the
        # row says. Nothing more is sent or written from here.
        log.warning("submission %s: stopped at %s: %s", submission.pk, step, exc)
        return
    except Exception as exc:  # noqa: BLE001 - every failure is classified below
        _after_failure(submission, step, exc)
        return
    started = {"workflow_started_at": timezone.now()}  # written with the state change
    if _death_needs_no_credential(submission, config):
        fence.still_held(submission).filter(credential_received_at__isnull=True).update(
            credential_received_at=timezone.now()  # nothing more to wait for
        )
    _workflow_started(submission, started)


def _mark_packet_sent(submission: Submission) -> None:
    """Write down, before the call, that createPacket goes out for this transaction id:
    a worker that loses its lease after sending (its database gone silent, a crash, an
    answer lost on the way back) leaves no packet_created_at, and the next holder must
    not take that for "never sent". On the first try the mark is written with the
    transaction id (`assign_transaction_id`); this conditional UPDATE, fenced like every
    write, is for an id assigned elsewhere (a staff resubmit, or a row from before the
    mark existed)."""
    if submission.packet_sent_for == submission.transaction_id:
        return
    if not fence.still_held(submission).update(packet_sent_for=submission.transaction_id):
        raise fence.LeaseLost("the record is no longer ours")
    submission.packet_sent_for = submission.transaction_id


def _packet_sent_before(client: MosipClient, submission: Submission) -> bool:
    """Whether MOSIP holds the packet an earlier try sent without recording the answer.
    Without the mark nothing went out under this transaction id: no question (the
    happy path makes no extra call). With it, MOSIP's packet manager is asked: the packet
    writer does not refuse a second createPacket, it writes over the first packet, and
    the registration processor does not know a packet before its workflow starts. Sent
    again only when MOSIP says it has none; a look-up that fails raises, and the record
    is retried: nothing is sent blind."""
    if not submission.transaction_id or submission.packet_sent_for != submission.transaction_id:
        return False
    if not client.packet_exists(submission):
        log.info(
            "submission %s: MOSIP has no packet from the earlier try: sent again", submission.pk
        )
        return False
    log.info(
        "submission %s: MOSIP holds the packet an earlier try sent: not sent again",
        submission.pk,
    )
    return True


def _workflow_started_before(client: MosipClient, submission: Submission) -> bool:
    """Whether an earlier worker may have started the packet's workflow already: the
    packet was created under an earlier claim, or a workflow start failed before. Then
    MOSIP's registration processor is asked rather than guessed (it knows a registration
    id from its workflow start on); a known packet is not started again. A status
    look-up that fails raises, and the record is retried: nothing is sent blind."""
    earlier_claim = (
        submission.packet_created_at is not None
        and submission.claimed_at is not None
        and submission.packet_created_at < submission.claimed_at
    )
    if not (earlier_claim or submission.failed_step == Step.START_WORKFLOW):
        return False
    status = client.registration_statuses([submission.transaction_id]).get(
        submission.transaction_id
    )
    if status:
        log.info(
            "submission %s: MOSIP knows the packet (%s): its workflow is not started again",
            submission.pk,
            status,
        )
    return bool(status)


def _packet(submission: Submission, config: MosipSettings):
    try:
        return build_packet(submission, config)
    except (MappingFailed, NoIdSchema, fence.LeaseLost):
        raise
    except Exception as exc:
        failure = classify(exc)
        if failure.kind is FailureKind.UNEXPECTED:
            # Odd data the mapping did not foresee: only a person can fix it.
            log.exception("submission %s could not be mapped", submission.pk)
            raise MappingFailed({"record": failure.reason}) from exc
        raise


def _death_needs_no_credential(submission: Submission, config: MosipSettings) -> bool:
    return submission.event_type == EventType.DEATH and not config.death_waits_for_credential


def _after_failure(submission: Submission, step: str, exc: Exception) -> None:
    from integration.tasks import enqueue_delivery

    failure = classify(exc)
    if failure.kind is FailureKind.UNEXPECTED:
        log.exception("submission %s: unexpected error at %s", submission.pk, step)
    if (
        step == Step.START_WORKFLOW
        and Submission.objects.filter(
            pk=submission.pk, credential_received_at__isnull=False
        ).exists()
    ):
        # The credential came while the call was failing: MOSIP did process the packet.
        log.info("submission %s: workflow call failed but the credential came", submission.pk)
        _hand_over(submission)
        return
    delay = progress.after_failure(
        submission, failure, step, retry="delivery_retry", fail_as="delivery_failed"
    )
    if delay is not None:
        log.info("submission %s: %s; retry in %.0fs", submission.pk, failure.reason, delay)
        enqueue_delivery(submission.pk, countdown=delay)


def _workflow_started(submission: Submission, started: dict | None = None) -> None:
    """Wait for the credential, unless it arrived while the workflow call was in flight
    (or a death needs none)."""
    done = {"retry_count": 0, "next_attempt_at": None}
    if lifecycle.move(
        submission,
        "workflow_started",
        where=Q(credential_received_at__isnull=True),
        **done,
        **(started or {}),
    ):
        return
    _hand_over(submission, started)


def _hand_over(submission: Submission, started: dict | None = None) -> None:
    """The credential is in: on to the confirmation (webhook records end here)."""
    from integration.tasks import enqueue_confirmation

    done = {"retry_count": 0, "next_attempt_at": None}
    done.update(started or {})
    if not submission.confirm_in_opencrvs:
        # A webhook record: registered in OpenCRVS already, the credential ends it.
        lifecycle.move(submission, "delivered", to=Status.COMPLETED, token="", **done)
    elif lifecycle.move(submission, "delivered", to=Status.CREDENTIAL_RECEIVED, **done):
        enqueue_confirmation(submission.pk)
