"""MOSIP's own verdict on each packet, and credentials recovered without staff.

A record waits for its credential after the workflow start. Past a wait (a setting), or
when staff ask, the portal asks MOSIP's registration processor what became of the packet,
up to 100 registration ids a call (its *external* status search: the plain one reports a
rejected packet as PROCESSED), and acts on the answer:

- REJECTED, REREGISTER, RESEND: no credential will come. The record fails with MOSIP's
  reason, read from the processor's steps for the packet, as its own failure kind; staff
  resubmit it or reject it in OpenCRVS (or, by a setting, it is rejected there at once).
- unknown to MOSIP (RPR-RGS-031) past a grace period after the workflow start: the packet
  was never written (MOSIP's packet writer answers 200 when it wrote nothing). The record
  goes back to delivery, which sends it again under the same transaction id, only by the
  worker that claims it (and so holds its lease).
- PROCESSED or UIN_GENERATED with no credential past a wait: the credential is asked for
  again (the UIN by registration id from the ID repository, then the credential request
  generator), doubling the wait each time; it arrives on the WebSub callback as any
  credential does. When the re-requests are used up the record fails for a person.

All moves are the lifecycle's, out of AWAITING_CREDENTIAL only, and only while no
credential has arrived: a credential racing the check always wins.
"""

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from integration import app_settings
from integration.clients.http import RemoteError
from integration.clients.mosip import MosipClient
from integration.models import Status, Submission
from integration.models.submission import FailureKind, Step
from integration.reasons import Reason
from integration.services import lifecycle, progress
from integration.services.failures import MOSIP_FAILED_STATUSES, classify, mosip_rejection
from integration.services.lifecycle import RecordFailure

log = logging.getLogger(__name__)

BATCH = 100  # registration ids per status search, MOSIP's limit
PER_RUN = 2000  # records looked up per periodic run at most, the longest unchecked first
NOT_FOUND = "NOT_FOUND"  # what we store when MOSIP does not know the registration id
PROCESSED = ("PROCESSED", "UIN_GENERATED")
# The workflow manager's results that bring no credential (its WebSub event).
WORKFLOW_FAILED = ("REJECTED", "FAILED")


def label(status: str) -> str:
    """MOSIP's status as staff read it: MOSIP's own word, or that it does not know it."""
    if status == NOT_FOUND:
        return _("not known to MOSIP (RPR-RGS-031)")
    return status or _("not asked yet")


def summary(found: dict[str, int]) -> dict[str, int]:
    """What a look-up found, in the counts staff are told."""
    return {
        "asked": sum(found.values()),
        "rejected": found.get("rejected", 0),
        "again": found.get("sent_again", 0),
        "unanswered": found.get("unanswered", 0),
    }


def due(now: datetime) -> Q:
    """Records waiting for their credential past the wait, not looked up lately."""
    waited = now - timedelta(seconds=app_settings.MOSIP_STATUS_AFTER_SECONDS)
    lately = now - timedelta(seconds=app_settings.MOSIP_STATUS_INTERVAL_SECONDS)
    return Q(
        status=Status.AWAITING_CREDENTIAL,
        workflow_started_at__lt=waited,
        credential_received_at__isnull=True,
    ) & (Q(mosip_checked_at__isnull=True) | Q(mosip_checked_at__lt=lately))


def check_due() -> dict[str, int]:
    """The periodic run: look up every record due, 100 a call."""
    now = timezone.now()
    ids = list(
        Submission.objects.filter(due(now))
        .exclude(transaction_id="")
        .order_by(F("mosip_checked_at").asc(nulls_first=True), "workflow_started_at")
        .values_list("pk", flat=True)[:PER_RUN]
    )
    return check(Submission.objects.filter(pk__in=ids).order_by("pk"))


def check(submissions: Iterable[Submission]) -> dict[str, int]:
    """Ask MOSIP about these records (staff's demand or the periodic run) and act on
    each answer. Answers what was found and done, by outcome."""
    found: Counter[str] = Counter()
    records = [s for s in submissions if s.transaction_id]
    client = MosipClient()
    for start in range(0, len(records), BATCH):
        batch = records[start : start + BATCH]
        try:
            statuses = client.registration_statuses([s.transaction_id for s in batch])
        except Exception as exc:  # noqa: BLE001 - kept on the call record; next run retries
            log.warning("MOSIP status search failed: %s", classify(exc).reason)
            found["unanswered"] += len(batch)
            continue
        for submission in batch:
            if submission.transaction_id not in statuses:
                found["unanswered"] += 1
                continue
            found[_act(client, submission, statuses[submission.transaction_id])] += 1
    return dict(found)


def workflow_ended(submission: Submission, result_code: str) -> str:
    """MOSIP's workflow manager said the packet's workflow ended (its WebSub event,
    services/workflow_events.py): the same decision as a look-up's answer, sooner.
    REJECTED or FAILED fails a waiting record with MOSIP's reason (read from the
    transaction search); PROCESSED leaves it waiting for its credential. A duplicate or
    late event finds the record moved on and changes nothing."""
    now = timezone.now()
    Submission.objects.filter(pk=submission.pk).update(
        mosip_status=result_code, mosip_checked_at=now
    )
    submission.mosip_status, submission.mosip_checked_at = result_code, now
    if result_code not in WORKFLOW_FAILED:
        return "processed" if result_code == "PROCESSED" else result_code.lower()
    if submission.status == Status.SENDING:
        # The worker that started the workflow has not recorded it yet: the event came
        # first. The hub is asked to deliver it again (the look-up would find it too).
        return "not_started_yet"
    if not _waiting(submission):
        # Already failed, confirmed or not yet marked as started: nothing to move, and no
        # call to MOSIP for it (the hub may deliver the same event many times).
        return "rejected_seen"
    return _mosip_rejected(MosipClient(), submission, result_code)


def _act(client: MosipClient, submission: Submission, status: str | None) -> str:
    now = timezone.now()
    shown = status or NOT_FOUND
    Submission.objects.filter(pk=submission.pk).update(mosip_status=shown, mosip_checked_at=now)
    submission.mosip_status, submission.mosip_checked_at = shown, now
    if status in MOSIP_FAILED_STATUSES:
        return _mosip_rejected(client, submission, status)
    if status is None:
        return _unknown(submission, now)
    if status in PROCESSED:
        return _credential_overdue(client, submission, status, now)
    return status.lower() or "unanswered"


def _waiting(submission: Submission) -> bool:
    return (
        submission.status == Status.AWAITING_CREDENTIAL
        and submission.credential_received_at is None
    )


def _mosip_rejected(client: MosipClient, submission: Submission, status: str) -> str:
    try:
        steps = client.processing_steps(submission)
    except Exception as exc:  # noqa: BLE001 - classified just below
        log.warning("submission %s: MOSIP's steps unread: %s", submission.pk, exc)
        if _waiting(submission) and not classify(exc).fails_record:
            # Out of reach for now (an outage, a 5xx): the next look-up reads the steps
            # again, so staff (and OpenCRVS, when rejections go there) get MOSIP's reason.
            return "unanswered"
        steps = []  # MOSIP refused to say why: the status alone fails the record
    failure = mosip_rejection(status, steps)
    stage = next(
        (str(s.get("transactionTypeCode") or "") for s in reversed(steps)
         if str(s.get("statusCode", "")).upper() not in ("SUCCESS", "")),
        str(steps[-1].get("transactionTypeCode") or "") if steps else "",
    )  # fmt: skip
    Submission.objects.filter(pk=submission.pk).update(mosip_stage=stage[:200])
    submission.mosip_stage = stage[:200]
    if not _waiting(submission):
        return "rejected_seen"
    moved = lifecycle.move(
        submission,
        "mosip_rejected",
        where=Q(credential_received_at__isnull=True),
        failure=RecordFailure(failure.reason, Step.MOSIP_STATUS, FailureKind.MOSIP_REJECTED),
        next_attempt_at=None,
    )
    if not moved:
        return "rejected_seen"
    log.warning("submission %s: %s", submission.pk, failure.reason)
    if app_settings.MOSIP_REJECTED_REJECT_IN_OPENCRVS:
        _reject_in_opencrvs(submission, str(failure.reason))
    return "rejected"


def _reject_in_opencrvs(submission: Submission, reason: str) -> None:
    from integration.services.staff_actions import Actor, reject

    # "The portal" as the actor: the audit entry says the setting did it, not a person.
    reject(submission, Actor(None, "portal (MOSIP rejected the packet)"), reason)


def _unknown(submission: Submission, now: datetime) -> str:
    from integration.tasks import enqueue_delivery

    started = submission.workflow_started_at
    grace = timedelta(seconds=app_settings.MOSIP_UNKNOWN_GRACE_SECONDS)
    if not _waiting(submission) or started is None or now - started < grace:
        return "not_found_yet"
    reason = Reason("packet_unknown", minutes=int((now - started).total_seconds() // 60))
    # Back to delivery with the packet marked unwritten: the worker that claims it (and
    # so holds the lease) creates the packet again under the same transaction id.
    if not lifecycle.move(
        submission,
        "packet_unknown",
        where=Q(credential_received_at__isnull=True),
        packet_created_at=None,
        workflow_started_at=None,
        failure=RecordFailure(reason, Step.CREATE_PACKET),  # why it is sent again
        next_attempt_at=now,
    ):
        return "not_found_yet"
    log.warning("submission %s: %s", submission.pk, reason)
    enqueue_delivery(submission.pk)
    return "sent_again"


def _credential_overdue(
    client: MosipClient, submission: Submission, status: str, now: datetime
) -> str:
    since = submission.credential_requested_at or submission.workflow_started_at
    if not _waiting(submission) or since is None:
        return "processed"
    wait = app_settings.CREDENTIAL_WAIT_SECONDS * 2**submission.credential_requests
    if (now - since).total_seconds() < wait:
        return "processed"
    if submission.credential_requests >= app_settings.CREDENTIAL_REQUESTS_MAX:
        _last_request_status(client, submission)
        return _needs_a_person(submission, status)
    # Counted before asking, and only if no other run counted it meanwhile: two look-ups
    # at once (beat and a staff click) ask once. A failed request counts too: either way
    # they end with a person.
    counted = Submission.objects.filter(
        pk=submission.pk,
        status=Status.AWAITING_CREDENTIAL,
        credential_requests=submission.credential_requests,
    ).update(credential_requests=F("credential_requests") + 1, credential_requested_at=now)
    if not counted:
        return "processed"
    submission.credential_requests += 1
    submission.credential_requested_at = now
    try:
        uin = client.uin_of(submission)
        _remember_request(submission, client.request_credential(submission, uin))
        outcome, note = "credential_requested", ""
    except RemoteError as exc:
        outcome, note = "credential_request_failed", exc.message
    except Exception as exc:  # noqa: BLE001 - counted as a failed re-request
        outcome, note = "credential_request_failed", classify(exc).reason
    if note:
        log.warning("submission %s: asking MOSIP for the credential failed: %s", submission.pk,
                    note)  # fmt: skip
    return outcome


def _request_key(submission: Submission) -> str:
    return f"mosip-credential-request:{submission.pk}"


def _remember_request(submission: Submission, request_id: str) -> None:
    # Kept a day to ask MOSIP what became of it; our cache down only loses that.
    try:
        cache.set(_request_key(submission), request_id, 86400)
    except Exception:  # noqa: BLE001 - a hint lost, not the request
        log.warning("submission %s: credential request id not kept", submission.pk)


def _last_request_status(client: MosipClient, submission: Submission) -> None:
    """Before a person is told: what MOSIP's credential request generator says of the
    last request (ISSUED: the hub lost it on the way; FAILED: MOSIP's credential service),
    shown as the record's MOSIP stage."""
    try:
        request_id = cache.get(_request_key(submission))
        if not request_id:
            return
        said = client.credential_request_status(submission, request_id)
    except Exception as exc:  # noqa: BLE001 - only a hint for the person; the record goes on
        log.warning("submission %s: credential request status unread: %s", submission.pk, exc)
        return
    stage = f"credential request {request_id}: {said}"[:200]
    Submission.objects.filter(pk=submission.pk).update(mosip_stage=stage)
    submission.mosip_stage = stage


def _needs_a_person(submission: Submission, status: str) -> str:
    # A credential arriving meanwhile still confirms a failed record (credential_arrived).
    asked = (Step.IDENTITY, Step.CREDENTIAL_REQUEST)
    failed = (
        submission.attempts.filter(step__in=asked).exclude(error="")
        .order_by("-started_at").values_list("error", "reason_code", "reason_params").first()
    )  # fmt: skip
    times = submission.credential_requests
    if failed:  # the last request's own reason, in the reader's language too
        cause = Reason.load(failed[1], failed[2]) or failed[0][:500]
        reason = Reason("credential_lost_after", status=status, times=times, cause=cause)
    else:
        reason = Reason("credential_lost", status=status, times=times)
    moved = progress.fail(
        submission, "credential_lost", Step.CREDENTIAL_REQUEST, reason,
        FailureKind.CREDENTIAL_LOST,
    )  # fmt: skip
    return "needs_a_person" if moved else "processed"
