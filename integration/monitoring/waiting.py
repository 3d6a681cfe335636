"""Which records wait on which remote system, and since when: one definition for the
dashboard, the metrics and /healthz.

A record in retry waits on the system it is being retried against: a delivery retry
on MOSIP, a confirmation retry on OpenCRVS (`services.lifecycle`).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q
from django.db.models.functions import Coalesce

from integration.models import Status, Submission

MOSIP, OPENCRVS = "MOSIP", "OpenCRVS"

WAITING_ON: dict[str, Q] = {
    # MOSIP has, or is being handed, the packet; the portal waits for its credential.
    MOSIP: Q(status__in=[Status.SENDING, Status.DELIVERY_RETRY, Status.AWAITING_CREDENTIAL]),
    # The credential came; OpenCRVS has to take the confirmation (or a rejection).
    OPENCRVS: Q(
        status__in=[
            Status.CREDENTIAL_RECEIVED,
            Status.CONFIRMING,
            Status.CONFIRMATION_RETRY,
            Status.REJECTING,
        ]
    ),
}


@dataclass(frozen=True)
class Waiting:
    system: str
    count: int
    oldest_since: datetime | None  # when the longest-waiting record started waiting


def waiting_on(system: str) -> Waiting:
    """How many records wait on the system, and since when the oldest has waited:
    on MOSIP since it was received, on OpenCRVS since its credential came."""
    records = Submission.objects.filter(WAITING_ON[system]).order_by()
    if system == MOSIP:
        since = F("created_at")
    else:
        since = Coalesce("credential_received_at", "updated_at")
    oldest = records.annotate(since=since).order_by("since").values_list("since", flat=True).first()
    return Waiting(system, records.count(), oldest)


def waiting() -> dict[str, Waiting]:
    return {system: waiting_on(system) for system in WAITING_ON}
