"""What a failure means for the record, decided from where it happened.

Only a remote system's definite answer (a 4xx, MOSIP's `errors` inside a 200, OpenCRVS
refusing) or a mapping problem fails a record. A remote system out of reach (timeout,
refused connection, 408, 429, 5xx) is retried with backoff up to the limit. Our own
infrastructure failing (database, cache, broker) is never the record's fault: it is
retried without using up its attempts. Anything nobody foresaw (a bug) is retried
like an outage, so it ends visibly at the limit rather than looping.
"""

from dataclasses import dataclass

from integration.clients.http import RemoteError, redact
from integration.models.submission import FailureKind
from integration.outages import outage_of
from integration.reasons import Reason
from integration.services.packet import MappingFailed, NoIdSchema


@dataclass(frozen=True)
class Failure:
    """A classified error: its kind decides what happens next (a person acts: REFUSED,
    MAPPING, MOSIP_REJECTED; retried: UNAVAILABLE and UNEXPECTED counted, INFRASTRUCTURE
    not)."""

    kind: FailureKind
    reason: str | Reason  # a Reason is stored as its code (integration/reason_codes.py)

    @property
    def fails_record(self) -> bool:
        return self.kind in (FailureKind.REFUSED, FailureKind.MAPPING, FailureKind.MOSIP_REJECTED)

    @property
    def counts_as_attempt(self) -> bool:
        return self.kind is not FailureKind.INFRASTRUCTURE


def classify(exc: BaseException) -> Failure:
    if isinstance(exc, RemoteError):
        return Failure(
            FailureKind.UNAVAILABLE if exc.retriable else FailureKind.REFUSED, exc.reason
        )
    if isinstance(exc, MappingFailed):
        return Failure(FailureKind.MAPPING, exc.reason)
    if isinstance(exc, NoIdSchema):
        # The portal's own configuration, not the record's fault: retried, uncounted,
        # with the reason shown, until an admin puts an ID schema in force.
        return Failure(FailureKind.INFRASTRUCTURE, exc.reason)
    if service := outage_of(exc):
        return Failure(
            FailureKind.INFRASTRUCTURE,
            Reason("our_outage", service=service, error=type(exc).__name__),
        )
    detail = redact(str(exc))[:480]
    return Failure(
        FailureKind.UNEXPECTED, Reason("unexpected", error=type(exc).__name__, verbatim=detail)
    )


# MOSIP's external statuses after which no credential comes for this packet: its
# registration processor failed it (REJECTED) or wants it sent differently (REREGISTER,
# RESEND). The plain status search reports REJECTED as PROCESSED: only the external one
# is asked (integration.clients.mosip.MosipClient.registration_statuses).
MOSIP_FAILED_STATUSES = ("REJECTED", "REREGISTER", "RESEND")


def mosip_rejection(status: str, steps: list[dict]) -> Failure:
    """MOSIP failed the packet: its reason is the last step that did not succeed
    (`statusCode`, `subStatusCode`, `statusComment` of the transaction search)."""
    failed = [s for s in steps if str(s.get("statusCode", "")).upper() not in ("SUCCESS", "")]
    step = failed[-1] if failed else (steps[-1] if steps else {})
    where = step.get("transactionTypeCode") or "its registration processor"
    detail = ": ".join(
        str(step[key]) for key in ("subStatusCode", "statusComment") if step.get(key)
    )
    reason = Reason(
        "mosip_rejected", status=status, where=where, verbatim=redact(detail)[:400], source="MOSIP"
    )
    return Failure(FailureKind.MOSIP_REJECTED, reason)
