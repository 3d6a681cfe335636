"""The fence on a worker's remote calls, in one process against the stand-ins: a worker
whose record another worker took sends nothing, a call ends inside the lease, and a
workflow an earlier worker may have started is looked up at MOSIP, not started again."""

import time

import pytest

from integration.clients import fence, http
from integration.models import Attempt, Status, Submission
from integration.models.submission import Step
from integration.services import lifecycle
from integration.services.delivery import deliver
from tests.fixtures import birth_request, put_in_state


def received(client, opencrvs, number: str) -> Submission:
    reply = client.post(
        "/events/registration",
        data=birth_request(number, tracking_id=number),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {opencrvs.mint_token(event_id=number)}",
    )
    assert reply.status_code == 202, reply.content
    return Submission.objects.get(certificate_number=number)


def test_a_worker_whose_record_was_taken_sends_nothing(client, configured, mosip, opencrvs):
    submission = lifecycle.claim(received(client, opencrvs, "2026F1").pk, "claim_delivery")
    with lifecycle.heartbeat(submission):
        Submission.objects.filter(pk=submission.pk).update(claimed_at=submission.claimed_at.replace(
            microsecond=(submission.claimed_at.microsecond + 1) % 1_000_000
        ))  # another worker's claim  # fmt: skip
        with pytest.raises(fence.LeaseLost, match="another worker holds"):
            http.send("GET", f"{mosip.url}/v1/authmanager/authenticate/clientidsecretkey")
    assert mosip.auth_calls == 0
    assert not submission.attempts.exists()


def test_a_call_ends_inside_the_lease(client, configured, mosip, opencrvs, settings):
    settings.PORTAL_LEASE_SECONDS = 5.0
    settings.PORTAL_LEASE_MARGIN_SECONDS = 3.0
    settings.PORTAL_HTTP_READ_TIMEOUT = 30.0
    submission = lifecycle.claim(received(client, opencrvs, "2026F2").pk, "claim_delivery")
    mosip.controls.latency_seconds = 4.0
    with lifecycle.heartbeat(submission):
        started = time.monotonic()
        with pytest.raises(http.RemoteError) as raised:
            url = f"{mosip.url}/v1/authmanager/authenticate/clientidsecretkey"
            http.send("POST", url, json={})
        took = time.monotonic() - started
    assert raised.value.retriable
    assert took < 3.0  # the 5 s lease minus the 3 s margin, not the 30 s read timeout


def test_a_workflow_an_earlier_worker_started_is_not_started_again(
    client, configured, mosip, opencrvs
):
    submission = received(client, opencrvs, "2026F3")
    deliver(submission.pk)
    submission.refresh_from_db()
    assert submission.status == Status.AWAITING_CREDENTIAL
    # As if that worker hung before writing the workflow start down and lost its lease.
    put_in_state(submission, Status.DELIVERY_RETRY, workflow_started_at=None, next_attempt_at=None)
    deliver(submission.pk)
    submission.refresh_from_db()
    assert len(mosip.workflows[submission.transaction_id]) == 1
    assert submission.status in (Status.AWAITING_CREDENTIAL, Status.CREDENTIAL_RECEIVED)
    assert Attempt.objects.filter(step=Step.MOSIP_STATUS).count() == 1  # MOSIP was asked
