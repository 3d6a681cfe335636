"""The fault suite's MOSIP (bench/faults/standins.py) publishes the workflow manager's
events as mocks/mosip.py does, through its retrying, journalled hub, so the boundaries
run exercises them: the portal in the test process (Django's live server) is the
subscriber, as it would be in a run."""

import time

import pytest
import requests

from bench.faults.standins import DurableMosip
from demo.stand_ins import configure_for_stand_ins
from integration.models import EventType, Status, Submission, TransactionId
from integration.models.submission import FailureKind
from integration.services import websub
from mocks.mosip import WORKFLOW_TOPIC
from tests.fixtures import birth_request
from tests.mocks.test_mocks_mosip import create_packet

pytestmark = pytest.mark.e2e

RID = "10001100010000120260101000301"


def waiting_record() -> Submission:
    submission = Submission.objects.create(
        event_type=EventType.BIRTH,
        tracking_id="B000301",
        certificate_number="2026B00000301",
        raw_request=birth_request("2026B00000301"),
        status=Status.AWAITING_CREDENTIAL,
        transaction_id=RID,
        event_id="evt-301",
        action_id="act-301",
    )
    TransactionId.objects.create(submission=submission, value=RID)
    return submission


def until(check, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.05)


def test_a_rejection_reaches_the_portal_as_a_workflow_event_and_is_remembered(
    live_server, transactional_db, tmp_path, portal_settings
):
    mosip = DurableMosip(tmp_path)
    mosip.start()
    try:
        configure_for_stand_ins(mosip.url, "http://127.0.0.1:1", live_server.url)
        websub.subscribe()
        assert mosip.hub.wait_for_subscription(topic=WORKFLOW_TOPIC, timeout=10)
        submission = waiting_record()
        with mosip._lock:  # what MOSIP's transaction search then says
            mosip._step(RID, "MANUAL_ADJUDICATION", "REJECTED", "RPR-MA-REJECTED", "Duplicate")

        assert mosip.publish_workflow_completed(RID, "REJECTED") == []  # in the background
        until(lambda: mosip.workflow_delivered[RID] == 1)

        submission.refresh_from_db()
        assert (submission.status, submission.failure_kind) == (
            Status.FAILED, FailureKind.MOSIP_REJECTED
        )  # fmt: skip
        assert "RPR-MA-REJECTED" in submission.last_error  # MOSIP's reason
        assert mosip.workflow_statuses == {"200": 1}
        assert mosip.delivered == {}  # the credential counts stay the credentials'
    finally:
        mosip.stop()

    # Restarted on its journal: the event is remembered, not delivered again, and the
    # portal is still subscribed to the topic.
    again = DurableMosip(tmp_path)
    again._token_secret = mosip._token_secret  # MOSIP's tokens outlive its restart
    assert again.workflow_published == {RID: ["REJECTED"]}
    assert again.workflow_delivered == {RID: 1} and not again._pending
    assert again.hub.active(WORKFLOW_TOPIC)

    # The topic emptied: the next subscription unsubscribes it, and the journal keeps that.
    again.start(port=int(mosip.url.rsplit(":", 1)[1]))  # where the suite restarts it
    try:
        portal_settings.MOSIP_WORKFLOW_TOPIC = ""
        websub.subscribe()
        until(lambda: not again.hub.active(WORKFLOW_TOPIC))
        until(lambda: "unsubscription" in again.journal.path.read_text())
    finally:
        again.stop()
    assert not DurableMosip(tmp_path).hub.active(WORKFLOW_TOPIC)
    assert DurableMosip(tmp_path).hub.active("CREDENTIAL_ISSUED")


def test_a_packet_sent_again_is_written_over_counted_and_remembered(tmp_path):
    """As MOSIP's packet writer, the fault suite's MOSIP takes a second createPacket for an
    id (other content too) and keeps the last; the boundaries report still counts both."""
    mosip = DurableMosip(tmp_path)
    mosip.start()
    try:
        assert create_packet(mosip, RID)["errors"] == []
        assert create_packet(mosip, RID, birthCertificateNumber="OTHER")["errors"] == []
        stats = requests.get(mosip.url + "/_stats", timeout=5).json()
        assert stats["create_packet_calls"] == {RID: 2}
    finally:
        mosip.stop()
    again = DurableMosip(tmp_path)  # restarted on its journal
    assert again.create_packet_calls == {RID: 2}
    assert again.packets[RID]["fields"]["birthCertificateNumber"] == "OTHER"
