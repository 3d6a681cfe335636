"""The life of a submission: which moves between states exist, and the only code that
writes a submission's `status`.

Every move is one conditional UPDATE (`... WHERE status IN <from>`), so two processes
never both act on one row and a late update never overwrites a newer state. A move out
of an in-flight state (SENDING, CONFIRMING, REJECTING) also needs the claim: the
process must still hold the record's lease, renewed by a heartbeat while it works; once
the lease runs out (its process died) the sweep hands the record back.

To add a state, add it to `Status` and list its moves in `MOVES`: every other module
asks for a move by name. `tests/services/test_lifecycle.py` fails if anything else writes
`status`, and the model refuses such writes.

The lifecycle also keeps a record's failure fields (`FAILURE_FIELDS`): a move writes a
failure in full when given one (`move(..., failure=RecordFailure(...))`), and a move into
a state where a failure means nothing clears them (`KEEPS_FAILURE` says where it does).
"""

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import F, Q
from django.db.models.sql import UpdateQuery
from django.utils import timezone

from integration import app_settings
from integration.clients import fence
from integration.models import Status, Submission
from integration.models.submission import (
    FAILURE_FIELDS,
    IN_FLIGHT_STATUSES,
    NEEDS_ACTION_STATUSES,
    RETRY_STATUSES,
    FailureKind,
    writing_status,
)
from integration.reason_groups import reason_keys
from integration.reasons import Reason, stored_reason

log = logging.getLogger(__name__)

S = Status
# Open records no process is working on: staff may reject or resolve them.
OPEN_AND_IDLE = (
    S.RECEIVED,
    S.DELIVERY_RETRY,
    S.AWAITING_CREDENTIAL,
    S.CREDENTIAL_RECEIVED,
    S.CONFIRMATION_RETRY,
    S.FAILED,
    S.TOKEN_EXPIRED,
)


@dataclass(frozen=True)
class Move:
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    why: str

    @property
    def leased(self) -> bool:
        """Out of an in-flight state: only the process holding the lease may make it."""
        return all(source in IN_FLIGHT_STATUSES for source in self.sources)


# fmt: off
MOVES: dict[str, Move] = {
    # Delivery to MOSIP (integration.services.delivery)
    "claim_delivery":     Move((S.RECEIVED, S.DELIVERY_RETRY), (S.SENDING,),
                               "a worker takes the record to deliver it"),
    "workflow_started":   Move((S.SENDING,), (S.AWAITING_CREDENTIAL,),
                               "MOSIP started the packet's workflow"),
    "delivered":          Move((S.SENDING,), (S.CREDENTIAL_RECEIVED, S.COMPLETED),
                               "the credential came (or none is awaited) during delivery"),
    "delivery_retry":     Move((S.SENDING,), (S.DELIVERY_RETRY,),
                               "MOSIP or our own infrastructure out of reach: later"),
    "delivery_failed":    Move((S.SENDING,), (S.FAILED,),
                               "MOSIP said no, the mapping failed, or retries ran out"),
    # MOSIP's credential (integration.services.credential)
    "credential_arrived": Move((S.RECEIVED, S.DELIVERY_RETRY, S.AWAITING_CREDENTIAL, S.FAILED),
                               (S.CREDENTIAL_RECEIVED, S.COMPLETED),
                               "MOSIP issued the credential; webhook records end here"),
    # MOSIP's own status (integration.services.mosip_status)
    "mosip_rejected":     Move((S.AWAITING_CREDENTIAL,), (S.FAILED,),
                               "MOSIP's registration processor rejected the packet (REJECTED, "
                               "REREGISTER or RESEND), or its workflow manager's event said "
                               "REJECTED or FAILED: no credential will come"),
    "packet_unknown":     Move((S.AWAITING_CREDENTIAL,), (S.DELIVERY_RETRY,),
                               "MOSIP never wrote the packet: send it again under the same "
                               "transaction id"),
    "credential_lost":    Move((S.AWAITING_CREDENTIAL,), (S.FAILED,),
                               "MOSIP processed the packet, but no credential came, asked "
                               "again included: a person checks"),
    # Confirmation in OpenCRVS (integration.services.confirmation)
    "claim_confirmation": Move((S.CREDENTIAL_RECEIVED, S.CONFIRMATION_RETRY), (S.CONFIRMING,),
                               "a worker takes the record to confirm it"),
    "confirmed":          Move((S.CONFIRMING,), (S.CONFIRMED, S.COMPLETED),
                               "OpenCRVS accepted (webhook records need no confirmation)"),
    "confirmation_retry": Move((S.CONFIRMING,), (S.CONFIRMATION_RETRY,),
                               "OpenCRVS or our own infrastructure out of reach: later"),
    "confirmation_failed": Move((S.CONFIRMING,), (S.FAILED,),
                                "OpenCRVS said no, or retries ran out"),
    "token_expired":      Move((S.CONFIRMING,), (S.TOKEN_EXPIRED,),
                               "the record's token expired or OpenCRVS refused it"),
    "nothing_to_confirm": Move((S.CONFIRMING,), (S.NOTHING_TO_CONFIRM,),
                               "OpenCRVS has no pending action for it: settled there or "
                               "cancelled"),
    # Intake (integration.services.intake)
    "token_renewed":      Move((S.TOKEN_EXPIRED,), (S.CREDENTIAL_RECEIVED,),
                               "OpenCRVS sent the record again with a newer token"),
    # The sweep (integration.services.sweep): a system client was set up
    "system_client_confirms": Move((S.TOKEN_EXPIRED,), (S.CREDENTIAL_RECEIVED,),
                                   "the OpenCRVS system client confirms what the "
                                   "record's own token no longer can"),
    # Reconciliation with OpenCRVS (integration.services.reconciliation)
    "confirm_again":      Move((S.CONFIRMED,), (S.CREDENTIAL_RECEIVED,),
                               "OpenCRVS still shows the confirmed record waiting"),
    # The sweep (integration.services.sweep): a process died holding the lease
    "delivery_lease_lost":     Move((S.SENDING,), (S.DELIVERY_RETRY, S.FAILED),
                                    "the delivering worker stopped; retry or give up"),
    "confirmation_lease_lost": Move((S.CONFIRMING,), (S.CONFIRMATION_RETRY, S.FAILED),
                                    "the confirming worker stopped; retry or give up"),
    "rejection_interrupted":   Move((S.REJECTING,), (S.FAILED,),
                                    "the rejecting process stopped: a person checks"),
    # Staff (integration.services.staff_actions)
    "resubmit":           Move((S.FAILED, S.TOKEN_EXPIRED, S.DELIVERY_RETRY,
                                S.AWAITING_CREDENTIAL), (S.RECEIVED,),
                               "deliver again: the same packet, or a new one"),
    "retry_confirmation": Move((S.FAILED, S.TOKEN_EXPIRED, S.CONFIRMATION_RETRY),
                               (S.CREDENTIAL_RECEIVED,), "ask OpenCRVS again"),
    "start_rejecting":    Move(OPEN_AND_IDLE, (S.REJECTING,), "staff reject in OpenCRVS"),
    "rejected":           Move((S.REJECTING,), (S.REJECTED,), "OpenCRVS rejected it"),
    "rejection_failed":   Move((S.REJECTING,), OPEN_AND_IDLE,
                               "OpenCRVS did not reject it: back as it was"),
    "resolve":            Move(OPEN_AND_IDLE, (S.RESOLVED,), "dealt with elsewhere"),
}
# fmt: on


class IllegalMove(ValueError):
    """A move that the table does not allow; a programming error, never a record's."""


# --- Failure bookkeeping -----------------------------------------------------------------

# States whose failure fields say something: why a person has to act (FAILED,
# TOKEN_EXPIRED), why the record waits (the retries), the failure the try under way
# answers to (in flight: delivery reads `failed_step`, and a rejection that fails puts the
# record back as it was), and on a resolved record what the person dealt with: the console
# shows each as the record's reason. A move into any other state clears the fields.
KEEPS_FAILURE = (*NEEDS_ACTION_STATUSES, *RETRY_STATUSES, *IN_FLIGHT_STATUSES, S.RESOLVED)


@dataclass(frozen=True)
class RecordFailure:
    """Why a record stopped for a person, waits for its next try, or ended unconfirmed:
    the reason (a Reason is stored as its code and values), the step it happened at and,
    for a record that stopped, its kind. `move(..., failure=...)` writes it in full."""

    reason: str | Reason
    step: str | F = ""  # F("failed_step"): the step it failed at before stays
    kind: FailureKind | str = ""


def reason_columns(reason: str | Reason) -> dict:
    """What a reason writes: its English text, code and values
    (integration.reasons.stored_reason) and its dashboard grouping keys
    (integration.reason_groups). A coded reason groups on its sentence without the remote's
    words, so the dashboard groups by code and values. "" clears them all."""
    columns = stored_reason(reason)
    text = reason.grouping_text() if isinstance(reason, Reason) else columns["last_error"]
    return {**columns, **reason_keys(text)}


def failure_columns(failure: RecordFailure | None) -> dict:
    """Every failure field, as `failure` writes it; None clears them."""
    if failure is None:
        return {"failed_step": "", "failure_kind": "", **reason_columns("")}
    return {
        "failed_step": failure.step,
        "failure_kind": failure.kind,
        **reason_columns(failure.reason),
    }


def lease_seconds() -> float:
    return app_settings.LEASE_SECONDS


def _plan(name: str, to: str | None) -> tuple[Move, str]:
    move = MOVES[name]
    target = to or (move.targets[0] if len(move.targets) == 1 else None)
    if target not in move.targets:
        raise IllegalMove(f"{name} leads to one of {move.targets}, not {to!r}")
    return move, target


def _changes_for(
    target: str, now: datetime, changes: dict, failure: RecordFailure | None = None
) -> dict:
    if written := FAILURE_FIELDS & changes.keys():
        raise IllegalMove(f"{sorted(written)}: a failure is written as move(failure=...)")
    values = {"status": target, "updated_at": now, **changes}
    if failure is not None or target not in KEEPS_FAILURE:
        values.update(failure_columns(failure))
    if target in IN_FLIGHT_STATUSES:
        values.setdefault("claimed_at", now)
        values.setdefault("lease_expires_at", now + timedelta(seconds=lease_seconds()))
    else:
        values.update(claimed_at=None, lease_expires_at=None)
    return values


@contextmanager
def _writing_status() -> Iterator[None]:
    token = writing_status.set(True)
    try:
        yield
    finally:
        writing_status.reset(token)


def _update(rows, values: dict) -> int:
    with _writing_status():
        return rows.update(**values)


def move(
    submission: Submission,
    name: str,
    *,
    to: str | None = None,
    where: Q | None = None,
    failure: RecordFailure | None = None,
    **changes,
) -> bool:
    """Make the move `name` if the row is still in one of its source states (and, for a
    leased move, still held by this claim). Updates `submission` and returns True if
    the row moved. `failure` is written in full; without one, a move into a state
    outside `KEEPS_FAILURE` clears the failure fields, in the same UPDATE."""
    rule, target = _plan(name, to)
    now = timezone.now()
    rows = Submission.objects.filter(pk=submission.pk, status__in=rule.sources)
    if rule.leased:
        if submission.claimed_at is None:
            raise IllegalMove(f"{name} needs the claim of the process holding the record")
        rows = rows.filter(claimed_at=submission.claimed_at)
    if where is not None:
        rows = rows.filter(where)
    values = _changes_for(target, now, changes, failure)
    if not _update(rows, values):
        return False
    for field, value in values.items():
        setattr(submission, field, value)
    return True


def move_all(
    name: str,
    where: Q,
    *,
    to: str | None = None,
    limit: int = 500,
    failure: RecordFailure | None = None,
    **changes,
) -> list[int]:
    """The same move for up to `limit` rows matching `where` (the sweep). Returns the ids
    picked; one that moved on meanwhile is left alone (its claim would fail anyway)."""
    rule, target = _plan(name, to)
    rows = Submission.objects.filter(where, status__in=rule.sources)
    ids = list(rows.order_by("updated_at").values_list("pk", flat=True)[:limit])
    if ids:
        values = _changes_for(target, timezone.now(), changes, failure)
        _update(rows.filter(pk__in=ids), values)
    return ids


def claim(submission_id: int, name: str) -> Submission | None:
    """Take the record into the in-flight state of `name` if it is due; None if another
    process has it, it is not due yet, or it moved on."""
    rule, target = _plan(name, None)
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    rows = Submission.objects.filter(due, pk=submission_id, status__in=rule.sources)
    return _update_returning(rows, _changes_for(target, now, {}))


def _update_returning(rows, values: dict) -> Submission | None:
    """`rows.update(**values)` for at most one row, answering the row as it now is.
    PostgreSQL and SQLite both answer UPDATE ... RETURNING: a claim is one statement
    instead of an UPDATE and a SELECT (every task starts with one)."""
    # Why: without it every claim costs a second round trip (the SELECT). What it rests on:
    # Django's UpdateQuery.add_update_values and its compiler's as_sql (Django pinned to
    # 5.2.x); tests/e2e/test_fast_paths.py fails on a release that changes them.
    query = rows.query.chain(UpdateQuery)
    query.add_update_values(values)
    sql, params = query.get_compiler(rows.db).as_sql()
    # The columns named, not *: a statement PostgreSQL keeps prepared must not change its
    # result's shape when a migration adds a column under a running worker.
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in Submission._meta.concrete_fields)
    with _writing_status():
        found = list(Submission.objects.raw(f"{sql} RETURNING {columns}", params))
    return found[0] if found else None


def claimable(name: str) -> Iterable[str]:
    return MOVES[name].sources


# --- The lease ---------------------------------------------------------------------------


def renew(submission: Submission) -> bool:
    """Extend the lease of a claim this process still holds."""
    until = timezone.now() + timedelta(seconds=lease_seconds())
    renewed = Submission.objects.filter(
        pk=submission.pk, claimed_at=submission.claimed_at, status__in=IN_FLIGHT_STATUSES
    ).update(lease_expires_at=until)
    return bool(renewed)


@contextmanager
def heartbeat(submission: Submission) -> Iterator[None]:
    """Renew the lease every third of its length while the body runs: a worker killed
    mid-call stops renewing, and its record is free again within one lease. The body's
    remote calls are fenced by the lease (`integration.clients.fence`): a renewal that
    finds the record taken stops them, one that fails or hangs does not extend them."""
    lease = fence.Lease.of(submission, renew, lease_seconds)
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(lease_seconds() / 3):
                sent_at = time.monotonic()
                try:
                    held = renew(submission)
                except Exception:  # noqa: BLE001 - a missed beat only shortens the lease
                    log.warning("lease heartbeat for submission %s failed", submission.pk)
                    continue
                if not held:
                    lease.lose(f"another worker holds submission {submission.pk} now")
                    log.warning("submission %s: lease lost; its work stops", submission.pk)
                    return
                lease.renewed(sent_at, lease_seconds())
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"lease-{submission.pk}", daemon=True)
    thread.start()
    token = fence.current.set(lease)
    try:
        yield
    finally:
        fence.current.reset(token)
        stop.set()
        thread.join(timeout=5)


def lease_expired(now: datetime) -> Q:
    return Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True)


def describe() -> list[tuple[str, str, str, str]]:
    """The table as rows (move, from, to, why) for documentation and the admin."""
    return [(name, ", ".join(m.sources), ", ".join(m.targets), m.why) for name, m in MOVES.items()]
