"""What support staff can do to a submission, each leaving an audit entry (who, when,
which record, why, and what came of it):

- resubmit: deliver again, re-mapped with today's mappings: under a new MOSIP
  transaction id when MOSIP cannot be holding the old packet (the old ids still find the
  record when a late credential comes), else resuming the same transaction;
- retry the confirmation: ask OpenCRVS again, with the VID already received;
- reject in OpenCRVS (`register.reject`; OpenCRVS 1.9 records no reason, the audit entry
  keeps it), which wipes the token;
- mark resolved: someone dealt with it elsewhere; nothing more happens on its own.

Like the workers, every change is a move of `integration.services.lifecycle` from the
state the record was seen in, so an action never overwrites what a worker did in the
meantime: it is then skipped, and the audit entry says so. Bulk jobs
(`integration.services.bulk_jobs`) run the same actions record by record; the periodic
sweep settles a rejection cut short.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integration import app_settings
from integration.clients.http import RemoteError
from integration.clients.opencrvs import OpenCrvsClient
from integration.clients.opencrvs_auth import OpenCrvsAuth
from integration.models import (
    ActionKind,
    ActionOutcome,
    Attempt,
    BulkJob,
    MosipSettings,
    StaffAction,
    Status,
    Submission,
    TransactionId,
)
from integration.models.console import WHY
from integration.models.submission import FailureKind, Step
from integration.reasons import Reason
from integration.services import lifecycle
from integration.services.opencrvs_access import TokenExpired, action_token
from integration.services.packet import assign_transaction_id

log = logging.getLogger(__name__)

RESUBMITTABLE = lifecycle.claimable("resubmit")
CONFIRMATION_RETRYABLE = lifecycle.claimable("retry_confirmation")
REJECTABLE = lifecycle.claimable("start_rejecting")
RESOLVABLE = lifecycle.claimable("resolve")


@dataclass(frozen=True)
class Actor:
    user: AbstractBaseUser | None
    name: str

    @classmethod
    def of(cls, user: AbstractBaseUser) -> "Actor":
        return cls(user, display_name(user))


def display_name(user: AbstractBaseUser) -> str:
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    email = getattr(user, "email", "")
    if full and email:
        return f"{full} <{email}>"
    return full or email or user.get_username()


def why_not(kind: str, submission: Submission) -> str:
    """Why this action cannot apply to the record as it is now, in the reader's
    language; "" when it can."""
    reason = blocked_by(kind, submission)
    return reason.for_staff() if reason else ""


def blocked_by(kind: str, submission: Submission) -> Reason | None:
    """Why this action cannot apply to the record as it is now, as a reason code (the
    status named by its label, a msgid: shown in the reader's language); None when it can."""
    status = Status(submission.status)
    if kind == ActionKind.RESUBMIT and status not in RESUBMITTABLE:
        return Reason("action_cannot_resubmit", status=status.label)
    if kind == ActionKind.RESUBMIT and submission.credential_received_at is not None:
        # A new packet would register the child in MOSIP a second time.
        return Reason("action_credential_issued")
    if kind == ActionKind.RETRY_CONFIRMATION:
        if status not in CONFIRMATION_RETRYABLE:
            return Reason("action_no_confirmation", status=status.label)
        if submission.credential_received_at is None:
            return Reason("action_not_issued_yet")
    if kind == ActionKind.REJECT and status not in REJECTABLE:
        return Reason("action_cannot_reject", status=status.label)
    if kind == ActionKind.RESOLVE and status not in RESOLVABLE:
        return Reason("action_cannot_resolve", status=status.label)
    return None


@dataclass
class ActionRequest:
    """One action asked of one record, and the audit entry that answers it."""

    kind: str
    submission: Submission
    actor: Actor
    reason: str
    job: BulkJob | None = None
    before: str = field(init=False)

    def __post_init__(self) -> None:
        self.before = self.submission.status

    def done(self, message: Reason) -> StaffAction:
        return self._record(ActionOutcome.DONE, message)

    def skipped(self, message: Reason | None = None) -> StaffAction:
        message = (
            message or blocked_by(self.kind, self.submission) or Reason("action_changed_meanwhile")
        )
        return self._record(ActionOutcome.SKIPPED, message)

    def failed(self, message: Reason) -> StaffAction:
        return self._record(ActionOutcome.FAILED, message)

    def move(self, name: str, extra: Q | None = None, **changes) -> bool:
        """Make the move only if the row is still in the state it was seen in."""
        if self.before not in lifecycle.claimable(name):
            return False
        where = Q(status=self.before) & (extra or Q())
        return lifecycle.move(self.submission, name, where=where, **changes)

    def _record(self, outcome: str, message: Reason) -> StaffAction:
        submission = self.submission
        after = Submission.objects.filter(pk=submission.pk).values_list("status", flat=True)
        entry = StaffAction.objects.create(
            kind=self.kind,
            outcome=outcome,
            # English for the audit log; its code for pages (StaffAction.summary)
            **words_of(message),
            reason=self.reason,
            actor=self.actor.user,
            actor_name=self.actor.name,
            submission=submission,
            tracking_id=submission.tracking_id,
            status_before=self.before,
            status_after=after.first() or "",
            job=self.job,
        )
        return entry


def words_of(message: Reason, why: Reason | str | None = None) -> dict:
    """An audit entry's columns for what happened: the English text, the code and values.
    With `why`, its `reason` too: a person's words as they are, or the portal's own reason
    (retention, the reconciliation) in English, its code kept among the values
    (StaffAction.why shows it in the reader's language)."""
    stored = message.stored()
    columns = {
        "message": str(message),
        "message_code": stored["reason_code"],
        "message_params": stored["reason_params"],
    }
    if isinstance(why, Reason):
        # As a cause is stored (integration.reasons): read back as a Reason.
        why_stored = {"code": why.code, "params": why.stored()["reason_params"]}
        columns["message_params"] = {**columns["message_params"], WHY: why_stored}
        columns["reason"] = str(why)
    elif why is not None:
        columns["reason"] = why
    return columns


def mosip_may_hold(submission: Submission) -> bool:
    """Whether MOSIP may hold a packet under the record's current transaction id: it
    does once create-packet succeeded, and may once a create-packet call went out
    (a timeout or a 5xx says nothing), unless MOSIP then said no: at once, or later, its
    registration processor rejecting the packet (REJECTED, REREGISTER, RESEND: no UIN
    comes of it, so a new packet cannot register the person twice)."""
    said_no = (FailureKind.REFUSED, FailureKind.MOSIP_REJECTED)
    if not submission.transaction_id or submission.failure_kind in said_no:
        return False
    if submission.packet_created_at is not None:
        return True
    since = (
        TransactionId.objects.filter(value=submission.transaction_id)
        .values_list("created_at", flat=True)
        .first()
    )
    calls = Attempt.objects.filter(submission=submission, step=Step.CREATE_PACKET)
    return calls.filter(started_at__gte=since).exists() if since else calls.exists()


def resubmit(
    submission: Submission, actor: Actor, reason: str, job: BulkJob | None = None
) -> StaffAction:
    """Deliver again. A new packet (new transaction id) only when MOSIP cannot be holding
    the old one; otherwise the same transaction is resumed (its workflow started again),
    so MOSIP never registers the person twice."""
    from integration.tasks import enqueue_delivery

    request = ActionRequest(ActionKind.RESUBMIT, submission, actor, reason, job)
    resume = mosip_may_hold(submission)
    # A new packet reads OpenCRVS's declaration again: the record may have been put
    # right there (integration.services.declaration).
    start_over = {} if resume else {"packet_created_at": None, "declaration": None}
    with transaction.atomic():
        moved = request.move(
            "resubmit",
            Q(credential_received_at__isnull=True),  # unless the credential came meanwhile
            workflow_started_at=None,
            vid="",
            retry_count=0,
            next_attempt_at=None,
            **start_over,
        )
        if not moved:
            return request.skipped()
        old = submission.transaction_id
        enqueue_delivery(submission.pk)
        if resume:
            return request.done(Reason("action_resumed", old=old))
        new = assign_transaction_id(submission, MosipSettings.load())
        if old:
            return request.done(Reason("action_queued_again", new=new, old=old))
        return request.done(Reason("action_queued", new=new))


def retry_confirmation(
    submission: Submission, actor: Actor, reason: str, job: BulkJob | None = None
) -> StaffAction:
    from integration.tasks import enqueue_confirmation

    request = ActionRequest(ActionKind.RETRY_CONFIRMATION, submission, actor, reason, job)
    with transaction.atomic():
        moved = request.move(
            "retry_confirmation",
            Q(credential_received_at__isnull=False),
            retry_count=0,
            next_attempt_at=None,
        )
        if not moved:
            return request.skipped()
        enqueue_confirmation(submission.pk)
        return request.done(Reason("action_queued_confirmation"))


INTERRUPTED_REJECTION = Reason("rejection_interrupted")


def reject(
    submission: Submission, actor: Actor, reason: str, job: BulkJob | None = None
) -> StaffAction:
    """Take the record into REJECTING (no worker and no other action takes it then), call
    OpenCRVS outside any transaction, then settle it: rejected, or back where it was with
    the error. A process that dies mid-call leaves its lease to run out: the sweep then
    fails the record for a person to check, never turning it into an accept."""
    request = ActionRequest(ActionKind.REJECT, submission, actor, reason, job)
    auth = OpenCrvsAuth()
    if not submission.event_id or not (submission.token or auth.configured):
        return request.skipped(Reason("action_token_gone"))
    # Up to three calls: the system client's token, its exchange, the rejection.
    lease = timezone.now() + timedelta(seconds=3 * (app_settings.HTTP_CONNECT_TIMEOUT
                                       + app_settings.HTTP_READ_TIMEOUT) + 30)  # fmt: skip
    if not request.move("start_rejecting", lease_expires_at=lease):
        return request.skipped()
    try:
        token = action_token(submission, submission.action_id, auth)
        OpenCrvsClient().reject(submission, token=token)
    except TokenExpired as error:
        _put_back(submission, request.before)
        return request.failed(Reason("action_cannot_ask", error=error.reason))
    except RemoteError as error:
        _put_back(submission, request.before)
        return request.failed(Reason("action_not_rejected", error=error.reason))
    lifecycle.move(
        submission,
        "rejected",
        token="",
        next_attempt_at=None,
    )
    return request.done(Reason("action_rejected"))


def _put_back(submission: Submission, before: str) -> None:
    """After a failed rejection, as it was. A credential that arrived meanwhile moves a
    record that waited for it on to its confirmation, as delivery does."""
    from integration.tasks import enqueue_confirmation

    waiting = before in (Status.RECEIVED, Status.DELIVERY_RETRY, Status.AWAITING_CREDENTIAL)
    if waiting and lifecycle.move(
        submission,
        "rejection_failed",
        to=Status.CREDENTIAL_RECEIVED,
        where=Q(credential_received_at__isnull=False),
    ):
        enqueue_confirmation(submission.pk)
        return
    lifecycle.move(submission, "rejection_failed", to=before)


def resolve(
    submission: Submission, actor: Actor, reason: str, job: BulkJob | None = None
) -> StaffAction:
    request = ActionRequest(ActionKind.RESOLVE, submission, actor, reason, job)
    with transaction.atomic():
        moved = request.move("resolve", token="", next_attempt_at=None)
        if not moved:
            return request.skipped()
        return request.done(Reason("action_resolved"))


ACTIONS: dict[str, Callable[..., StaffAction]] = {
    ActionKind.RESUBMIT: resubmit,
    ActionKind.RETRY_CONFIRMATION: retry_confirmation,
    ActionKind.REJECT: reject,
    ActionKind.RESOLVE: resolve,
}


def perform(
    kind: str, submission_id: int, actor: Actor, reason: str, job: BulkJob | None = None
) -> StaffAction:
    """Run one action on one record and return its audit entry."""
    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None:
        return StaffAction.objects.create(
            kind=kind,
            outcome=ActionOutcome.SKIPPED,
            **words_of(Reason("no_such_record", id=submission_id)),
            reason=reason,
            actor=actor.user,
            actor_name=actor.name,
            job=job,
        )
    return ACTIONS[kind](submission, actor, reason, job)
