"""What support staff can do to a submission, each leaving an audit entry (who, when,
which record, why, and what came of it):

- resubmit: deliver again from the start, re-mapped with today's mappings, under a new
  MOSIP transaction id (the old ids still find the record when a late credential comes);
- retry the confirmation: ask OpenCRVS again, with the VID already received;
- reject in OpenCRVS (`register.reject` with the reason), which wipes the token;
- mark resolved: someone dealt with it elsewhere; nothing more happens on its own.

Like the workers, every change is a conditional UPDATE from the state the record was
seen in, so an action never overwrites what a worker did in the meantime: it is then
skipped, and the audit entry says so. Bulk jobs (`integration.services.bulk_jobs`) run
the same actions record by record; the periodic sweep settles a rejection cut short.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integration.clients.http import RemoteError
from integration.clients.opencrvs import OpenCrvsClient
from integration.models import (
    ActionKind,
    BulkJob,
    MosipSettings,
    Outcome,
    StaffAction,
    Status,
    Submission,
)
from integration.models.submission import Step
from integration.services.packet import assign_transaction_id

log = logging.getLogger(__name__)

RESUBMITTABLE = (
    Status.FAILED,
    Status.TOKEN_EXPIRED,
    Status.RETRY_SCHEDULED,
    Status.AWAITING_CREDENTIAL,
)
CONFIRMATION_RETRYABLE = (Status.FAILED, Status.TOKEN_EXPIRED, Status.RETRY_SCHEDULED)
# Anything not finished and not in a worker's hands right now.
OPEN_AND_IDLE = (
    Status.RECEIVED,
    Status.PACKET_CREATED,
    Status.AWAITING_CREDENTIAL,
    Status.CREDENTIAL_RECEIVED,
    Status.RETRY_SCHEDULED,
    Status.FAILED,
    Status.TOKEN_EXPIRED,
)
REJECTABLE = RESOLVABLE = OPEN_AND_IDLE


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
    """Why this action cannot apply to the record as it is now; "" when it can."""
    status = Status(submission.status)
    if kind == ActionKind.RESUBMIT and status not in RESUBMITTABLE:
        return f"A record that is “{status.label}” cannot be resubmitted."
    if kind == ActionKind.RESUBMIT and submission.credential_received_at is not None:
        # A new packet would register the child in MOSIP a second time.
        return (
            "MOSIP has already issued this record's credential: resubmitting would register "
            "the person twice. Use “Retry the confirmation” instead."
        )
    if kind == ActionKind.RETRY_CONFIRMATION:
        if status not in CONFIRMATION_RETRYABLE:
            return f"A record that is “{status.label}” has no confirmation to retry."
        if submission.credential_received_at is None:
            return "MOSIP has not issued the credential yet: resubmit instead."
    if kind == ActionKind.REJECT and status not in REJECTABLE:
        return f"A record that is “{status.label}” cannot be rejected from here."
    if kind == ActionKind.RESOLVE and status not in RESOLVABLE:
        return f"A record that is “{status.label}” cannot be marked resolved."
    return ""


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

    def done(self, message: str) -> StaffAction:
        return self._record(Outcome.DONE, message)

    def skipped(self, message: str = "") -> StaffAction:
        message = message or why_not(self.kind, self.submission) or "It changed meanwhile."
        return self._record(Outcome.SKIPPED, message)

    def failed(self, message: str) -> StaffAction:
        return self._record(Outcome.FAILED, message)

    def move(self, allowed: Iterable[str], extra: Q | None = None, **changes) -> bool:
        """UPDATE the row only if it is still in the state it was seen in."""
        if self.before not in allowed:
            return False
        rows = Submission.objects.filter(pk=self.submission.pk, status=self.before)
        if extra is not None:
            rows = rows.filter(extra)
        return bool(rows.update(updated_at=timezone.now(), **changes))

    def _record(self, outcome: str, message: str) -> StaffAction:
        submission = self.submission
        after = Submission.objects.filter(pk=submission.pk).values_list("status", flat=True)
        return StaffAction.objects.create(
            kind=self.kind,
            outcome=outcome,
            message=message,
            reason=self.reason,
            actor=self.actor.user,
            actor_name=self.actor.name,
            submission=submission,
            tracking_id=submission.tracking_id,
            status_before=self.before,
            status_after=after.first() or "",
            job=self.job,
        )


def resubmit(
    submission: Submission, actor: Actor, reason: str, job: BulkJob | None = None
) -> StaffAction:
    from integration.tasks import enqueue_delivery

    request = ActionRequest(ActionKind.RESUBMIT, submission, actor, reason, job)
    with transaction.atomic():
        moved = request.move(
            RESUBMITTABLE,
            Q(credential_received_at__isnull=True),  # unless the credential came meanwhile
            status=Status.RECEIVED,
            packet_created_at=None,
            workflow_started_at=None,
            credential_received_at=None,
            vid="",
            retry_count=0,
            next_attempt_at=None,
            claimed_at=None,
            failed_step="",
            last_error="",
        )
        if not moved:
            return request.skipped()
        old = submission.transaction_id
        new = assign_transaction_id(submission, MosipSettings.load())
        enqueue_delivery(submission.pk)
        was = f" (was {old})" if old else ""
        return request.done(f"Queued for delivery under MOSIP transaction id {new}{was}.")


def retry_confirmation(
    submission: Submission, actor: Actor, reason: str, job: BulkJob | None = None
) -> StaffAction:
    from integration.tasks import enqueue_confirmation

    request = ActionRequest(ActionKind.RETRY_CONFIRMATION, submission, actor, reason, job)
    with transaction.atomic():
        moved = request.move(
            CONFIRMATION_RETRYABLE,
            Q(credential_received_at__isnull=False),
            status=Status.CREDENTIAL_RECEIVED,
            retry_count=0,
            next_attempt_at=None,
            claimed_at=None,
            failed_step="",
            last_error="",
        )
        if not moved:
            return request.skipped()
        enqueue_confirmation(submission.pk)
        return request.done("Queued for confirmation in OpenCRVS.")


# A rejection in flight is marked CONFIRMING (so no worker and no other action takes the
# record) with failed_step="reject" and no claimed_at. The general sweep frees stale
# claims (claimed_at set) into a retry that ends in register.accept: a record staff meant
# to reject must never be accepted because the process calling OpenCRVS died. Without
# claimed_at the general sweep never sees it; `settle_interrupted_rejections` finds the marker and
# returns it to FAILED for a person to check.
REJECTING = Q(status=Status.CONFIRMING, failed_step=Step.REJECT, claimed_at__isnull=True)
INTERRUPTED_REJECTION = (
    "The rejection was interrupted before OpenCRVS answered: check the record in OpenCRVS, "
    "then reject it again (or mark it resolved if OpenCRVS shows it rejected)."
)


def reject(
    submission: Submission, actor: Actor, reason: str, job: BulkJob | None = None
) -> StaffAction:
    """Mark the record as being rejected, call OpenCRVS outside any transaction, then
    settle it: rejected, or back where it was with the error."""
    request = ActionRequest(ActionKind.REJECT, submission, actor, reason, job)
    if not submission.token:
        return request.skipped("The record's OpenCRVS token is gone, so OpenCRVS cannot be asked.")
    claimed = request.move(
        REJECTABLE, status=Status.CONFIRMING, failed_step=Step.REJECT, claimed_at=None
    )
    if not claimed:
        return request.skipped()
    try:
        OpenCrvsClient().reject(submission, reason)
    except RemoteError as error:
        _put_back(submission, request.before)
        return request.failed(f"OpenCRVS did not reject it: {error.message}")
    Submission.objects.filter(REJECTING, pk=submission.pk).update(
        status=Status.REJECTED,
        token="",
        claimed_at=None,
        next_attempt_at=None,
        failed_step="",
        last_error="",
        updated_at=timezone.now(),
    )
    return request.done("Rejected in OpenCRVS; the record's token is wiped.")


def _put_back(submission: Submission, before: str) -> None:
    """After a failed rejection, as it was (`submission` holds the row as read before).
    A credential that arrived meanwhile moves the record on to its confirmation, as
    delivery does."""
    from integration.tasks import enqueue_confirmation

    rows = Submission.objects.filter(REJECTING, pk=submission.pk)
    waiting = before in (Status.RECEIVED, Status.PACKET_CREATED, Status.AWAITING_CREDENTIAL)
    now = timezone.now()
    restore = {"failed_step": submission.failed_step, "claimed_at": None, "updated_at": now}
    if waiting and rows.filter(credential_received_at__isnull=False).update(
        status=Status.CREDENTIAL_RECEIVED, **restore
    ):
        enqueue_confirmation(submission.pk)
        return
    rows.update(status=before, **restore)


def resolve(
    submission: Submission, actor: Actor, reason: str, job: BulkJob | None = None
) -> StaffAction:
    request = ActionRequest(ActionKind.RESOLVE, submission, actor, reason, job)
    with transaction.atomic():
        moved = request.move(
            RESOLVABLE, status=Status.RESOLVED, token="", next_attempt_at=None, claimed_at=None
        )
        if not moved:
            return request.skipped()
        return request.done(
            "Marked resolved; nothing more happens on its own and the token is wiped."
        )


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
            outcome=Outcome.SKIPPED,
            message=f"There is no record with id {submission_id}.",
            reason=reason,
            actor=actor.user,
            actor_name=actor.name,
            job=job,
        )
    return ACTIONS[kind](submission, actor, reason, job)


# --- What a dead process left behind (called by the periodic sweep) -------------------


def settle_interrupted_rejections(now: datetime) -> int:
    """A rejection whose process died mid-call: never let it turn into an accept."""
    return Submission.objects.filter(
        REJECTING, updated_at__lt=now - timedelta(seconds=settings.PORTAL_STALE_CLAIM_SECONDS)
    ).update(
        status=Status.FAILED,
        last_error=INTERRUPTED_REJECTION,
        next_attempt_at=None,
        updated_at=now,
    )
