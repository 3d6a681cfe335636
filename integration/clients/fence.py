"""Fenced remote calls: a worker calls MOSIP or OpenCRVS for a record only while it
holds the record's lease, and every call ends inside that lease.

A worker that hangs (its database or Redis gone silent, a pause, a partition) can come
back after its lease ran out and another worker took the record and finished it. Without
a fence it would carry on where it stopped and send the packet or start the workflow a
second time. So, while a worker holds a record (`lifecycle.heartbeat`), the lease is this
context's `current` value and `http.send` asks `before_call` right before sending:

- the lease is renewed there and then, by the same conditional UPDATE as the heartbeat's
  (`... WHERE claimed_at = <our claim>`): 0 rows means another worker holds the record
  (or the sweep handed it back), and nothing is sent;
- what is left of the lease is known locally, from when the last renewal was sent (a
  renewal that failed or hung does not move it): with less than the margin left, nothing
  is sent, so a worker cut off from its database stops within one lease even if every
  renewal hangs;
- the call's connect and read timeouts are capped to what is left minus the margin, so
  a slow remote system cannot carry a call past the lease.

The claim (`claimed_at`) is the fencing token: every write of the record after a remote
call is conditional on it (`lifecycle.move` and `still_held`).

The fence sits with the clients, below the services: the lifecycle, which owns the lease,
hands each `Lease` its renewal when it takes the claim, so nothing here imports it.
"""

import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from integration import app_settings
from integration.models import Submission


class LeaseLost(Exception):
    """This worker no longer holds the record (or cannot tell in time): nothing was sent,
    and the worker stops; whoever holds the record now, or the sweep, carries on."""


def margin() -> float:
    return app_settings.LEASE_MARGIN_SECONDS


@dataclass
class Lease:
    submission: Submission
    deadline: float  # time.monotonic() at which the lease runs out, as far as we know
    # The lifecycle's conditional UPDATE (True while the claim holds) and the lease's length.
    renew: Callable[[Submission], bool]
    seconds: Callable[[], float]
    lost: str = ""  # why it is known lost, once it is
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def of(
        cls,
        submission: Submission,
        renew: Callable[[Submission], bool],
        seconds: Callable[[], float],
    ) -> "Lease":
        """The lease a claim just took (its expiry was written with this host's clock)."""
        expires = submission.lease_expires_at
        left = (expires - timezone.now()).total_seconds() if expires else 0.0
        return cls(submission, time.monotonic() + left, renew, seconds)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def renewed(self, sent_at: float, seconds: float) -> None:
        """A renewal sent at `sent_at` (monotonic) extended the lease by `seconds` from a
        moment after that: counting from `sent_at` never overstates it."""
        with self._lock:
            self.deadline = max(self.deadline, sent_at + seconds)

    def lose(self, why: str) -> None:
        self.lost = self.lost or why

    def require(self, what: str) -> None:
        if self.lost:
            raise LeaseLost(f"not calling {what}: {self.lost}")
        if self.remaining() < margin():
            raise LeaseLost(
                f"not calling {what}: the lease of submission {self.submission.pk} runs out "
                f"in {max(self.remaining(), 0):.1f}s and could not be renewed"
            )

    def cap(self, timeout: float | tuple[float, float]) -> tuple[float, float]:
        """Connect and read timeouts ending at least the margin before the lease does."""
        connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        left = max(self.remaining() - margin(), 0.1)
        return (min(connect, left), min(read, left))


current: ContextVar[Lease | None] = ContextVar("current_lease", default=None)


def before_call(what: str) -> Lease | None:
    """Called by `http.send` right before every remote call: raises LeaseLost unless this
    worker still holds the record it works on, with time to spare. None outside a lease
    (web requests, beat jobs)."""
    lease = current.get()
    if lease is None:
        return None
    lease.require(what)
    sent_at = time.monotonic()
    try:
        held = lease.renew(lease.submission)
    except Exception as exc:  # noqa: BLE001 - our database out of reach: we cannot tell
        raise LeaseLost(
            f"not calling {what}: the lease of submission {lease.submission.pk} could not "
            f"be renewed ({type(exc).__name__})"
        ) from exc
    if not held:
        lease.lose(f"another worker holds submission {lease.submission.pk} now")
    else:
        lease.renewed(sent_at, lease.seconds())
    lease.require(what)  # the renewal may have hung for longer than the lease
    return lease


def still_held(submission: Submission) -> QuerySet:
    """The record's row, only while this worker's claim holds it: the filter for every
    write after a remote call."""
    return Submission.objects.filter(pk=submission.pk, claimed_at=submission.claimed_at)
