"""What a failure means for the record, decided from where it happened.

Only a remote system's definite answer (a 4xx, MOSIP's `errors` inside a 200, OpenCRVS
refusing) or a mapping problem fails a record. A remote system out of reach (timeout,
refused connection, 408, 429, 5xx) is retried with backoff up to the limit. Our own
infrastructure failing (database, cache, broker) is never the record's fault: it is
retried without using up its attempts. Anything nobody foresaw (a bug) is retried
like an outage, so it ends visibly at the limit rather than looping.
"""

import enum
from dataclasses import dataclass

from integration.clients.http import RemoteError, redact
from integration.outages import outage_of
from integration.services.packet import MappingFailed, NoIdSchema


class Kind(enum.StrEnum):
    REFUSED = "refused"  # the remote system said no: a person has to act
    UNAVAILABLE = "unavailable"  # the remote system out of reach: retry, counted
    INFRASTRUCTURE = "infrastructure"  # ours: retry, not counted
    MAPPING = "mapping"  # the record cannot be mapped: a person has to act
    UNEXPECTED = "unexpected"  # a bug: retry, counted, so it ends at the limit


@dataclass(frozen=True)
class Failure:
    kind: Kind
    reason: str

    @property
    def fails_record(self) -> bool:
        return self.kind in (Kind.REFUSED, Kind.MAPPING)

    @property
    def counts_as_attempt(self) -> bool:
        return self.kind is not Kind.INFRASTRUCTURE


def classify(exc: BaseException) -> Failure:
    if isinstance(exc, RemoteError):
        return Failure(Kind.UNAVAILABLE if exc.retriable else Kind.REFUSED, exc.message)
    if isinstance(exc, MappingFailed):
        return Failure(Kind.MAPPING, str(exc))
    if isinstance(exc, NoIdSchema):
        # The portal's own configuration, not the record's fault: retried, uncounted,
        # with the reason shown, until an admin puts an ID schema in force.
        return Failure(Kind.INFRASTRUCTURE, str(exc))
    if service := outage_of(exc):
        return Failure(
            Kind.INFRASTRUCTURE,
            f"The portal's own {service} was out of reach ({type(exc).__name__}); retrying.",
        )
    return Failure(Kind.UNEXPECTED, redact(f"Unexpected {type(exc).__name__}: {exc}")[:500])
