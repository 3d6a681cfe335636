"""Whether MOSIP and OpenCRVS answer, read from the stored call records (`Attempt`), so
every web process, worker and host sees the same answer without sharing memory."""

from dataclasses import dataclass
from datetime import datetime

from integration.models import Attempt
from integration.models.submission import Step
from integration.monitoring.waiting import MOSIP, OPENCRVS

# The calls the portal makes to each system. The credential callback is MOSIP calling
# us, so it is counted apart (see metrics), never as MOSIP failing.
OUTBOUND_STEPS: dict[str, list[str]] = {
    MOSIP: [
        Step.AUTH,
        Step.CREATE_PACKET,
        Step.START_WORKFLOW,
        Step.WEBSUB_SUBSCRIBE,
        Step.WEBSUB_UNSUBSCRIBE,
    ],
    OPENCRVS: [Step.CONFIRM, Step.REJECT],
}
SYSTEM_OF_STEP = {step: system for system, steps in OUTBOUND_STEPS.items() for step in steps}


@dataclass(frozen=True)
class RemoteState:
    system: str
    last_ok: datetime | None
    failing_since: datetime | None  # the first failed call after the last good one
    failed_calls: int  # failed calls since the last good one (capped, see below)

    def failing_seconds(self, now: datetime) -> float:
        return (now - self.failing_since).total_seconds() if self.failing_since else 0.0


FAILED_CALLS_CAP = 10_000  # a count, not a scan of a month-long outage


def remote_state(system: str) -> RemoteState:
    steps = OUTBOUND_STEPS[system]
    # One indexed look-up per step (the partial index on successful calls).
    last_ok = max(
        (
            moment
            for step in steps
            if (
                moment := Attempt.objects.filter(step=step, error="")
                .order_by("-started_at")
                .values_list("started_at", flat=True)
                .first()
            )
        ),
        default=None,
    )
    failures = Attempt.objects.filter(step__in=steps).exclude(error="")
    if last_ok is not None:
        failures = failures.filter(started_at__gt=last_ok)
    first_failure = failures.order_by("started_at").values_list("started_at", flat=True).first()
    count = failures.order_by()[:FAILED_CALLS_CAP].count() if first_failure else 0
    return RemoteState(system, last_ok, first_failure, count)


def remote_states() -> dict[str, RemoteState]:
    return {system: remote_state(system) for system in OUTBOUND_STEPS}
