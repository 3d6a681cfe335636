"""The whole loop over real HTTP: portal served by gunicorn, a real Celery worker, the
stand-in MOSIP and OpenCRVS servers."""

import http.client
import json

import pytest

from integration.models import Status
from tests.fixtures import birth_request, death_request

pytestmark = pytest.mark.e2e


def test_a_birth_reaches_confirmed_with_the_vid_in_the_accept_call(pipeline):
    reply = pipeline.register(birth_request("2026B00000001", "B00000001"))
    assert reply.status_code == 202
    assert reply.json() == {}

    submission = pipeline.wait_for("2026B00000001", Status.CONFIRMED)

    vid = pipeline.mosip.issued[submission.transaction_id]
    assert vid and submission.vid == vid
    [accept] = pipeline.opencrvs.accepted
    assert accept.input["declaration"] == {"child.nid": vid}
    assert accept.input["registrationNumber"] == "2026B00000001"
    assert accept.input["eventId"] == submission.event_id
    packet = pipeline.mosip.packets[submission.transaction_id]
    assert packet["process"] == "CRVS_NEW"
    assert packet["fields"]["birthCertificateNumber"] == "2026B00000001"
    assert submission.token == ""  # wiped once confirmed


def test_a_death_reaches_confirmed_without_a_child_nid(pipeline):
    reply = pipeline.register(death_request("2026D00000001"), event_type="death")
    assert reply.status_code == 202

    submission = pipeline.wait_for("2026D00000001", Status.CONFIRMED)

    packet = pipeline.mosip.packets[submission.transaction_id]
    assert packet["process"] == "CRVS_DEATH"
    assert "deathCertificateNumber" not in packet["fields"]
    [accept] = pipeline.opencrvs.accepted
    assert "child.nid" not in accept.input["declaration"]


def test_a_death_can_be_confirmed_without_waiting_for_a_credential(pipeline):
    from integration.models import MosipSettings

    config = MosipSettings.load()
    config.death_waits_for_credential = False
    config.save()
    pipeline.mosip.credential_delay_seconds = 60  # MOSIP sends nothing in time

    assert pipeline.register(death_request("2026D00000002"), event_type="death").status_code == 202

    submission = pipeline.wait_for("2026D00000002", Status.CONFIRMED)
    assert submission.vid == ""
    [accept] = pipeline.opencrvs.accepted
    assert accept.input["declaration"] == {}


def test_registrations_over_one_kept_alive_connection_are_all_answered(pipeline):
    """OpenCRVS's Node client keeps its connection open between requests; Django's
    development server reset such connections. The portal is served by gunicorn."""
    connection = http.client.HTTPConnection(pipeline.portal_url.removeprefix("http://"))
    try:
        for number in ("2026B00000011", "2026B00000012", "2026B00000013"):
            token = pipeline.opencrvs.mint_token()
            body = json.dumps(birth_request(number, number[5:]))
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            connection.request("POST", "/events/registration", body=body, headers=headers)
            reply = connection.getresponse()
            assert reply.status == 202 and json.loads(reply.read()) == {}
            assert not reply.will_close, "the portal closed a kept-alive connection"
    finally:
        connection.close()

    for number in ("2026B00000011", "2026B00000012", "2026B00000013"):
        pipeline.wait_for(number, Status.CONFIRMED)
