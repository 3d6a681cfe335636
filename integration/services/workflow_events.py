"""MOSIP's workflow manager tells its WebSub hub when a packet's workflow ends
(docs/protocols.md#workflow-completed): the portal subscribes to that topic next to the
credential topic, so a packet MOSIP rejected fails its record at once instead of at the
next status look-up. The look-up (services/mosip_status.py) stays: the hub may give up on
an event, and the decision is the look-up's own.

The event names the packet by its registration id (the portal's transaction id). One
for a registration id the portal does not know (another system's packet on the same
topic) is kept and ignored.
"""

import logging
from dataclasses import dataclass

from integration.models import Submission
from integration.reasons import Reason
from integration.services import mosip_status

log = logging.getLogger(__name__)


# What mosip_status answers when the event should come again, and why (kept on the row,
# as a code: the Inbound page shows it in the reader's language).
RETRY = {
    "unanswered": Reason("workflow_unanswered"),
    "not_started_yet": Reason("workflow_not_started_yet"),
}


@dataclass
class WorkflowEventOutcome:
    applied: bool  # the event named a record of ours and was acted on
    result: str = ""  # what mosip_status made of it
    why: Reason | None = None  # why it was ignored, or is to come again
    invalid: str = ""  # not a workflow-completed event: why
    retry: bool = False  # MOSIP's reason was out of reach: deliver it again
    submission: Submission | None = None


# MOSIP sends one event per packet (PROCESSED for nearly all): the look-up reads only the
# columns the decision needs, not the whole row (its stored request, its encrypted token,
# decrypted on load), as the credential callback does (services/credential.py,
# CALLBACK_FIELDS). A rejection reads more, one query per field: rare, and not here.
EVENT_FIELDS = ("status", "credential_received_at", "transaction_id", "claimed_at")


def _find(rid: str) -> Submission | None:
    # A transaction id is unique: at most one row, so no ORDER BY is needed.
    found = Submission.objects.filter(transaction_id=rid).only(*EVENT_FIELDS)[:1]
    return next(iter(found), None)


def receive(document: object) -> WorkflowEventOutcome:
    """Apply one delivery of the workflow-completed topic."""
    if not isinstance(document, dict):
        return WorkflowEventOutcome(False, invalid="Expected a JSON object.")
    rid, result = document.get("instanceId"), document.get("resultCode")
    if not isinstance(rid, str) or not rid or not isinstance(result, str) or not result:
        return WorkflowEventOutcome(
            False, invalid="Expected `instanceId` and `resultCode` strings."
        )
    submission = _find(rid)
    if submission is None:
        # Every subscriber of the topic gets every packet's event, not only ours.
        return WorkflowEventOutcome(False, why=Reason("workflow_unknown_record"))
    result = result.strip().upper()
    done = mosip_status.workflow_ended(submission, result)
    if done in RETRY:
        why = RETRY[done]
        log.info("submission %s: MOSIP's workflow ended %s; %s", submission.pk, result, why)
        return WorkflowEventOutcome(False, done, why, retry=True, submission=submission)
    log.info("submission %s: MOSIP's workflow ended %s (%s)", submission.pk, result, done)
    return WorkflowEventOutcome(True, done, submission=submission)
