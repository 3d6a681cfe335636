"""MOSIP's workflow-completed events (integration/services/workflow_events.py), end to
end: the portal in the test process subscribed to the stand-in's hub, a real Celery
worker, and the stand-in's workflow manager publishing when a packet's workflow ends.
No status look-up is queued here: what the record shows came from the event."""

import time

import pytest

from integration.models import (
    EventType,
    InboundEvent,
    InboundKind,
    InboundOutcome,
    Status,
    Submission,
    TransactionId,
)
from integration.models.submission import FailureKind
from integration.services import lifecycle
from mocks.mosip import WORKFLOW_TOPIC
from tests.fixtures import birth_request

pytestmark = pytest.mark.e2e

REASON = (
    "MOSIP answered REJECTED at MANUAL_ADJUDICATION (RPR-MA-REJECTED: Duplicate of an existing UIN)"
)


@pytest.fixture
def hub(live_pipeline):
    """The stand-in, once its hub verified the portal's workflow callback too."""
    mosip = live_pipeline.mosip
    assert mosip.hub.wait_for_subscription(topic=WORKFLOW_TOPIC, timeout=10)
    # MOSIP takes minutes to decide; the stand-in a moment, so that the worker has
    # recorded the workflow start before the event (the early case has its own test).
    mosip.credential_delay_seconds = 0.5
    return mosip


def wait_for(number: str, *statuses: str, timeout: float = 20) -> Submission:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        submission = Submission.objects.filter(certificate_number=number).first()
        if submission and submission.status in statuses:
            return submission
        time.sleep(0.1)
    raise AssertionError(f"{number} is {submission and submission.status}")


def published(mosip, timeout: float = 10) -> list:
    """The workflow manager's deliveries, once the hub has the portal's answer."""
    deadline = time.monotonic() + timeout
    while not mosip.workflow_events and time.monotonic() < deadline:
        time.sleep(0.05)
    return list(mosip.workflow_events)


def record(number: str, transaction_id: str, status: str = Status.AWAITING_CREDENTIAL):
    submission = Submission.objects.create(
        event_type=EventType.BIRTH,
        tracking_id="B" + number[-6:],
        certificate_number=number,
        raw_request=birth_request(number),
        status=status,
        transaction_id=transaction_id,
        event_id="evt-" + number,
        action_id="act-" + number,
    )
    TransactionId.objects.create(submission=submission, value=transaction_id)
    return submission


def workflow_rows() -> list[InboundEvent]:
    return list(InboundEvent.objects.filter(kind=InboundKind.MOSIP_WORKFLOW).order_by("pk"))


def test_a_packet_mosip_rejects_fails_at_once_with_mosips_reason(live_pipeline, hub):
    hub.reject_packets = 1
    hub.rejection_reason = ("RPR-MA-REJECTED", "Duplicate of an existing UIN")
    assert live_pipeline.register(birth_request("2026B00000201", "B00000201")).status_code == 202

    submission = wait_for("2026B00000201", Status.FAILED)

    assert hub.status_searches == []  # no look-up: the event said it
    assert submission.failure_kind == FailureKind.MOSIP_REJECTED
    assert submission.mosip_status == "REJECTED"
    assert submission.mosip_stage == "MANUAL_ADJUDICATION"
    assert submission.last_error == REASON
    [delivery] = published(hub)
    assert delivery.json() == {
        "instanceId": submission.transaction_id,
        "resultCode": "REJECTED",
        "workflowType": "CRVS_NEW",
        "errorCode": "PACKET_REJECTED",
        "notificationAttributes": None,
    }
    assert delivery.status == 200
    [row] = workflow_rows()
    assert (row.outcome, row.signature_valid, row.submission_id) == (
        InboundOutcome.ACCEPTED, True, submission.pk
    )  # fmt: skip
    assert live_pipeline.opencrvs.accepted == []

    # The hub delivers it again: answered, nothing changes.
    [again] = hub.publish_workflow_completed(submission.transaction_id, "REJECTED")
    assert again.status == 200
    submission.refresh_from_db()
    assert (submission.status, submission.last_error) == (Status.FAILED, REASON)


def test_a_failed_workflow_fails_the_record_as_a_rejection_does(live_pipeline, hub):
    # MOSIP's workflow manager also ends a workflow FAILED (errorCode PACKET_FAILED): no
    # credential comes either. Here the packet went through, its credential was lost.
    hub.publish_workflow_events, hub.drop_credentials = False, 1
    assert live_pipeline.register(birth_request("2026B00000206", "B00000206")).status_code == 202
    waiting = wait_for("2026B00000206", Status.AWAITING_CREDENTIAL)
    hub.publish_workflow_events = True

    [delivery] = hub.publish_workflow_completed(waiting.transaction_id, "FAILED")

    assert delivery.json()["errorCode"] == "PACKET_FAILED" and delivery.status == 200
    failed = Submission.objects.get(pk=waiting.pk)
    assert (failed.status, failed.failure_kind) == (Status.FAILED, FailureKind.MOSIP_REJECTED)
    assert failed.mosip_status == "FAILED" and "MOSIP answered FAILED" in failed.last_error
    # The move that did it says so, where the life of a record is described.
    why = {name: why for name, _, _, why in lifecycle.describe()}["mosip_rejected"]
    assert "FAILED" in why
    assert live_pipeline.opencrvs.accepted == []


def test_a_processed_workflow_leaves_the_record_to_its_credential(live_pipeline, hub):
    assert live_pipeline.register(birth_request("2026B00000202", "B00000202")).status_code == 202

    submission = live_pipeline.wait_for("2026B00000202", Status.CONFIRMED)

    [delivery] = published(hub)
    assert delivery.json()["resultCode"] == "PROCESSED"
    assert delivery.json()["errorCode"] is None
    assert delivery.status == 200
    submission.refresh_from_db()
    assert submission.status == Status.CONFIRMED
    assert submission.mosip_status == "PROCESSED"
    assert len(live_pipeline.opencrvs.accepted) == 1


def test_a_wrong_signature_is_refused_and_changes_nothing(live_pipeline, hub):
    submission = record("2026B00000203", "100010000000203")

    [delivery] = hub.publish_workflow_completed(
        "100010000000203", "REJECTED", hub_signature="wrong"
    )

    assert delivery.status == 401
    submission.refresh_from_db()
    assert (submission.status, submission.mosip_status) == (Status.AWAITING_CREDENTIAL, "")
    [row] = workflow_rows()
    assert (row.outcome, row.signature_valid) == (InboundOutcome.FORGED, False)


def test_an_event_for_a_registration_id_we_do_not_know_is_kept_and_ignored(live_pipeline, hub):
    waiting = record("2026B00000204", "100010000000204")

    [delivery] = hub.publish_workflow_completed("100019999999999", "REJECTED")

    assert delivery.status == 200  # the hub stops: it is not ours, it never will be
    [row] = workflow_rows()
    assert row.outcome == InboundOutcome.REFUSED and row.submission_id is None
    assert "no record has this registration id" in row.error
    waiting.refresh_from_db()
    assert waiting.status == Status.AWAITING_CREDENTIAL


def test_an_event_before_the_workflow_start_is_recorded_is_asked_again(live_pipeline, hub):
    sending = record("2026B00000205", "100010000000205", status=Status.SENDING)

    [delivery] = hub.publish_workflow_completed("100010000000205", "REJECTED")

    assert delivery.status == 503  # the hub delivers it again later
    sending.refresh_from_db()
    assert sending.status == Status.SENDING
    [row] = workflow_rows()
    assert row.outcome == InboundOutcome.KEPT_FOR_RETRY


def test_a_signed_event_of_another_shape_is_answered_and_kept(live_pipeline, hub):
    [delivery] = hub.deliver({"event": {"id": "1"}}, topic=WORKFLOW_TOPIC)

    assert delivery.status == 200
    [row] = workflow_rows()
    assert row.outcome == InboundOutcome.INVALID
