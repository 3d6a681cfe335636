"""Whether MOSIP and OpenCRVS answer, read from the stored call records (`Attempt`), so
every web process, worker and host sees the same answer without sharing memory."""

from dataclasses import dataclass
from datetime import datetime

from integration.models import Attempt
from integration.models.submission import Step
from integration.monitoring.waiting import MOSIP, OPENCRVS

# The one rule: every call record (`Attempt`) of a step counts for the system the step
# calls, on the dashboard's *Last contact*, in /healthz and in /metrics, whatever the
# step (auth, look-up, status, re-request, search ...). A new step is added here once, with
# its system, and counts everywhere; tests/monitoring/test_remote_steps.py refuses a step left out.
# `None`: not a call the portal makes to a remote system. The credential callback is
# MOSIP calling us (its key-document fetches go to whichever host the allowlist names),
# so it is counted apart (see metrics), never as MOSIP failing; mapping is our own work.
SYSTEM_OF_STEP: dict[str, str | None] = {
    Step.AUTH: MOSIP,
    Step.CREATE_PACKET: MOSIP,
    Step.START_WORKFLOW: MOSIP,
    Step.WEBSUB_SUBSCRIBE: MOSIP,
    Step.WEBSUB_UNSUBSCRIBE: MOSIP,
    Step.ID_SCHEMA: MOSIP,
    Step.MOSIP_STATUS: MOSIP,
    Step.MOSIP_TRANSACTIONS: MOSIP,
    Step.PACKET_INFO: MOSIP,
    Step.IDENTITY: MOSIP,
    Step.CREDENTIAL_REQUEST: MOSIP,
    Step.OPENCRVS_AUTH: OPENCRVS,
    Step.LOOKUP: OPENCRVS,
    Step.CONFIRM: OPENCRVS,
    Step.REJECT: OPENCRVS,
    Step.CREDENTIAL: None,
    Step.MAPPING: None,
}
OUTBOUND_STEPS: dict[str, list[str]] = {
    system: [step for step, of in SYSTEM_OF_STEP.items() if of == system]
    for system in (MOSIP, OPENCRVS)
}


@dataclass(frozen=True)
class RemoteState:
    system: str
    last_ok: datetime | None
    failing_since: datetime | None  # the first failed call after the last good one
    failed_calls: int  # failed calls since the last good one (capped, see below)

    def failing_seconds(self, now: datetime) -> float:
        return (now - self.failing_since).total_seconds() if self.failing_since else 0.0


FAILED_CALLS_CAP = 10_000  # a count, not a scan of a month-long outage


def last_good_answer(system: str) -> datetime | None:
    """When any call to the system last succeeded."""
    # One indexed look-up per step (the partial index on successful calls).
    return max(
        (
            moment
            for step in OUTBOUND_STEPS[system]
            if (
                moment := Attempt.objects.filter(step=step, error="")
                .order_by("-started_at")
                .values_list("started_at", flat=True)
                .first()
            )
        ),
        default=None,
    )


def remote_state(system: str) -> RemoteState:
    steps = OUTBOUND_STEPS[system]
    last_ok = last_good_answer(system)
    failures = Attempt.objects.filter(step__in=steps).exclude(error="")
    if last_ok is not None:
        failures = failures.filter(started_at__gt=last_ok)
    first_failure = failures.order_by("started_at").values_list("started_at", flat=True).first()
    count = failures.order_by()[:FAILED_CALLS_CAP].count() if first_failure else 0
    return RemoteState(system, last_ok, first_failure, count)


def remote_states() -> dict[str, RemoteState]:
    return {system: remote_state(system) for system in OUTBOUND_STEPS}
