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
from mocks.base import json_response
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


def test_a_call_ends_inside_the_lease(client, configured, mosip, opencrvs, portal_settings):
    portal_settings.LEASE_SECONDS = 5.0
    portal_settings.LEASE_MARGIN_SECONDS = 3.0
    portal_settings.HTTP_READ_TIMEOUT = 30.0
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


def test_a_packet_an_earlier_try_sent_is_not_sent_again_when_mosip_holds_it(
    client, configured, mosip, opencrvs, portal_settings
):
    # MOSIP writes the packet, but its answer is lost on the way back (the call times
    # out): to the worker this is a createPacket without a recorded answer, as it is to
    # the worker after one that lost its lease mid-call.
    portal_settings.HTTP_READ_TIMEOUT = 1.0
    held_back = {"createPacket": 1}
    answer = mosip.on_create_packet

    def written_then_slow(request):  # noqa: ANN001, ANN202
        reply = answer(request)
        if held_back["createPacket"]:
            held_back["createPacket"] -= 1
            time.sleep(2.5)
        return reply

    mosip.on_create_packet = written_then_slow
    submission = received(client, opencrvs, "2026F4")
    deliver(submission.pk)
    submission.refresh_from_db()
    assert submission.status == Status.DELIVERY_RETRY, submission.last_error
    rid = submission.transaction_id
    assert rid in mosip.packets and rid not in mosip.workflows

    put_in_state(submission, Status.DELIVERY_RETRY, next_attempt_at=None)
    deliver(submission.pk)  # the next holder
    submission.refresh_from_db()
    creates = [r for r in mosip.received if r.path.endswith("/createPacket")]
    assert len(creates) == 1  # not sent again
    assert mosip.packet_info_calls == [rid]  # MOSIP was asked instead
    assert len(mosip.workflows[rid]) == 1
    assert submission.status in (Status.AWAITING_CREDENTIAL, Status.CREDENTIAL_RECEIVED)
    assert submission.packet_created_at is not None


def test_a_packet_mosip_does_not_hold_is_sent_again_under_the_same_id(
    client, configured, mosip, opencrvs
):
    # MOSIP's packet writer catches its own failure and answers 200 with nothing written.
    answer = mosip.on_create_packet
    unwritten = {"createPacket": 1}

    def writes_nothing_once(request):  # noqa: ANN001, ANN202
        if unwritten["createPacket"]:
            unwritten["createPacket"] -= 1
            return json_response({"id": "mosip.registration.packet.writer", "version": "v1",
                                  "response": None, "errors": []})  # fmt: skip
        return answer(request)

    mosip.on_create_packet = writes_nothing_once
    submission = received(client, opencrvs, "2026F5")
    deliver(submission.pk)
    submission.refresh_from_db()
    assert submission.status == Status.DELIVERY_RETRY, submission.last_error
    rid = submission.transaction_id

    put_in_state(submission, Status.DELIVERY_RETRY, next_attempt_at=None)
    deliver(submission.pk)
    submission.refresh_from_db()
    creates = [r for r in mosip.received if r.path.endswith("/createPacket")]
    assert len(creates) == 2 and rid in mosip.packets  # sent again, same transaction id
    assert mosip.packet_info_calls == [rid]
    assert len(mosip.workflows[rid]) == 1
    assert submission.transaction_id == rid
    assert submission.status in (Status.AWAITING_CREDENTIAL, Status.CREDENTIAL_RECEIVED)


def test_the_first_try_asks_mosip_nothing_before_sending(client, configured, mosip, opencrvs):
    submission = received(client, opencrvs, "2026F6")
    deliver(submission.pk)
    submission.refresh_from_db()
    assert submission.status in (Status.AWAITING_CREDENTIAL, Status.CREDENTIAL_RECEIVED)
    assert submission.packet_sent_for == submission.transaction_id
    assert mosip.packet_info_calls == []
    assert not Attempt.objects.filter(step=Step.PACKET_INFO).exists()
