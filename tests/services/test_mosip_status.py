"""MOSIP's own status on every record, and credentials recovered without staff
(integration/services/mosip_status.py), end to end: the portal in the test process, a
real Celery worker, the stand-in MOSIP and OpenCRVS over HTTP. The periodic look-up is
queued as beat would queue it; the worker runs it."""

import time

import pytest

from integration.models import Status, Submission
from integration.models.submission import FailureKind, Step
from integration.services.staff_actions import Actor, resubmit
from integration.tasks import check_mosip_status
from tests.fixtures import birth_request

pytestmark = pytest.mark.e2e


@pytest.fixture
def quick(settings, portal_settings):
    portal_settings.MOSIP_STATUS_AFTER_SECONDS = 0
    portal_settings.MOSIP_STATUS_INTERVAL_SECONDS = 0
    portal_settings.MOSIP_UNKNOWN_GRACE_SECONDS = 0.5
    portal_settings.CREDENTIAL_WAIT_SECONDS = 0.5
    portal_settings.CREDENTIAL_REQUESTS_MAX = 2
    return settings


def look_up_until(number: str, *statuses: str, timeout: float = 30) -> Submission:
    """Queue the periodic look-up (as beat does) until the record reaches a status."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        submission = Submission.objects.get(certificate_number=number)
        if submission.status in statuses:
            return submission
        check_mosip_status.delay()
        time.sleep(0.4)
    raise AssertionError(f"{number} is {submission.status}: {submission.last_error}")


def test_a_packet_mosip_rejects_fails_with_mosips_reason(live_pipeline, quick):
    live_pipeline.mosip.reject_packets = 1
    live_pipeline.mosip.rejection_reason = ("RPR-MA-REJECTED", "Duplicate of an existing UIN")
    assert live_pipeline.register(birth_request("2026B00000101", "B00000101")).status_code == 202

    submission = look_up_until("2026B00000101", Status.FAILED)

    assert submission.transaction_id in live_pipeline.mosip.rejections
    assert submission.failure_kind == FailureKind.MOSIP_REJECTED
    assert submission.mosip_status == "REJECTED"
    assert submission.mosip_stage == "MANUAL_ADJUDICATION"
    assert submission.last_error == (
        "MOSIP answered REJECTED at MANUAL_ADJUDICATION "
        "(RPR-MA-REJECTED: Duplicate of an existing UIN)"
    )
    assert live_pipeline.opencrvs.accepted == []

    # Staff resubmit it (the data put right): a new packet under a new transaction id.
    rejected_id = submission.transaction_id
    action = resubmit(submission, Actor(None, "Support"), "Put right in OpenCRVS")
    assert rejected_id in action.message
    confirmed = live_pipeline.wait_for("2026B00000101", Status.CONFIRMED)
    assert confirmed.transaction_id != rejected_id
    assert confirmed.vid == live_pipeline.mosip.issued[confirmed.transaction_id]


def test_a_packet_mosip_never_wrote_is_sent_again_under_the_same_id(live_pipeline, quick):
    mosip = live_pipeline.mosip
    mosip.lose_packets = 1
    assert live_pipeline.register(birth_request("2026B00000102", "B00000102")).status_code == 202

    submission = look_up_until("2026B00000102", Status.CONFIRMED)

    assert mosip.lost_packets == [submission.transaction_id]
    assert list(mosip.packets) == [submission.transaction_id]  # exactly 1 packet at MOSIP
    assert [i.registration_id for i in mosip.issuances] == [submission.transaction_id]
    assert len(live_pipeline.opencrvs.accepted) == 1
    assert submission.vid == mosip.issued[submission.transaction_id]


def test_a_credential_the_hub_dropped_is_asked_for_again_and_confirms(live_pipeline, quick):
    mosip = live_pipeline.mosip
    mosip.drop_credentials = 1
    assert live_pipeline.register(birth_request("2026B00000103", "B00000103")).status_code == 202

    submission = look_up_until("2026B00000103", Status.CONFIRMED)

    assert [i.registration_id for i in mosip.dropped] == [submission.transaction_id]
    [request] = mosip.credential_requests.values()
    assert request["registrationId"] == submission.transaction_id
    assert request["request"]["id"] == mosip.uins[submission.transaction_id]  # by UIN
    assert request["request"]["recepiant"]  # MOSIP's spelling
    assert submission.credential_requests == 1
    assert submission.mosip_status == "PROCESSED"
    [accept] = live_pipeline.opencrvs.accepted
    assert accept.input["declaration"] == {"child.nid": mosip.issued[submission.transaction_id]}


def test_a_credential_that_cannot_be_asked_for_again_needs_a_person(live_pipeline, quick):
    mosip = live_pipeline.mosip
    mosip.drop_credentials = 1
    mosip.refuse_credential_requests = True
    assert live_pipeline.register(birth_request("2026B00000104", "B00000104")).status_code == 202

    submission = look_up_until("2026B00000104", Status.FAILED)

    assert submission.failure_kind == FailureKind.CREDENTIAL_LOST
    assert submission.credential_requests == 2
    assert "no credential came" in submission.last_error
    assert "refused the request" in submission.last_error
    # MOSIP's own words stay on the record's timeline, call by call.
    refused = submission.attempts.filter(step=Step.CREDENTIAL_REQUEST).exclude(error="")
    assert refused.count() == 2
    assert all("IDR-CRG-005" in call.reason_params["verbatim"] for call in refused)
    assert live_pipeline.opencrvs.accepted == []


def test_with_the_setting_a_packet_mosip_rejects_is_rejected_in_opencrvs(live_pipeline, quick):
    quick.PORTAL_MOSIP_REJECTED_REJECT_IN_OPENCRVS = True
    live_pipeline.mosip.reject_packets = 1
    assert live_pipeline.register(birth_request("2026B00000105", "B00000105")).status_code == 202

    submission = look_up_until("2026B00000105", Status.REJECTED)

    [rejection] = live_pipeline.opencrvs.rejected
    assert rejection.input["eventId"] == submission.event_id
    assert live_pipeline.opencrvs.accepted == []
    assert submission.mosip_status == "REJECTED"


def test_when_the_credential_asked_again_is_lost_too_the_person_sees_mosip_issued_it(
    live_pipeline, quick
):
    quick.PORTAL_CREDENTIAL_REQUESTS_MAX = 1
    mosip = live_pipeline.mosip
    mosip.drop_credentials = 2  # the first credential and the one asked for again
    assert live_pipeline.register(birth_request("2026B00000106", "B00000106")).status_code == 202

    submission = look_up_until("2026B00000106", Status.FAILED)

    assert submission.failure_kind == FailureKind.CREDENTIAL_LOST
    [request_id] = mosip.credential_requests
    assert submission.mosip_stage == f"credential request {request_id}: ISSUED"
    assert len(mosip.dropped) == 2


def test_a_rejection_whose_steps_are_out_of_reach_waits_for_mosips_reason(live_pipeline, quick):
    live_pipeline.mosip.reject_packets = 1
    live_pipeline.mosip.rejection_reason = ("RPR-MA-REJECTED", "Duplicate of an existing UIN")
    live_pipeline.mosip.unavailable_transaction_searches = 2
    assert live_pipeline.register(birth_request("2026B00000107", "B00000107")).status_code == 202

    submission = look_up_until("2026B00000107", Status.FAILED)

    # Failed only once MOSIP said why: the two look-ups that met a 503 left it waiting.
    assert live_pipeline.mosip.unavailable_transaction_searches == 0
    assert "RPR-MA-REJECTED: Duplicate of an existing UIN" in submission.last_error
