"""Records whose credential came but was refused for a reason on our side.

MOSIP delivered the credential, but our set-up could not read it (no or wrong keystore
or password, a key document out of reach): the delivery is kept on the Inbound page and
MOSIP's hub is asked to deliver it again, but the hub gives up after its retries and
nothing of ours will change until a person fixes the set-up and reprocesses it. Such a
record keeps its lifecycle status (*awaiting credential*: the credential may still come
again and be read, and the flow must not change under it), but it needs a person, which
is derived here from its latest credential delivery, for the record page, the dashboard,
the list's "need a person" filter and the metrics alike.
"""

from django.db.models import Q

from integration.models import InboundEvent, InboundKind, InboundOutcome, Submission
from integration.models.submission import FINAL_STATUSES, NEEDS_ACTION_STATUSES

STEP = "credential"  # the step shown and counted for them (Step.CREDENTIAL)


def _kept_deliveries():
    # Few rows, on the (outcome, received_at) index.
    return InboundEvent.objects.filter(
        outcome=InboundOutcome.KEPT_FOR_RETRY,
        kind=InboundKind.CREDENTIAL,
        submission__isnull=False,
    )


def needs_a_person() -> Q:
    """Submissions whose credential was refused on our side and that still wait for it
    (a failed record counts as needing a person already, by its status)."""
    return Q(
        pk__in=_kept_deliveries().values("submission_id"), credential_received_at__isnull=True
    ) & ~Q(status__in=[*FINAL_STATUSES, *NEEDS_ACTION_STATUSES])


def count() -> int:
    return Submission.objects.filter(needs_a_person()).count()


def refusal_of(submission: Submission) -> InboundEvent | None:
    """The latest delivery of the record's credential that our set-up refused, when the
    record still waits for its credential."""
    if submission.credential_received_at or submission.status in {
        *FINAL_STATUSES,
        *NEEDS_ACTION_STATUSES,
    }:
        return None
    return (
        _kept_deliveries()
        .filter(submission=submission)
        .defer("body", "headers")
        .order_by("-received_at", "-id")
        .first()
    )
