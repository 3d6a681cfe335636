"""Outages, repeats and expiries: nothing is lost and nothing is sent twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integration.models import Status, Submission
from integration.services.sweep import sweep
from tests.fixtures import birth_request

pytestmark = pytest.mark.e2e


def test_mosip_down_for_a_while_is_retried_until_confirmed(pipeline):
    pipeline.mosip.controls.down = True
    assert pipeline.register(birth_request("2026B1", "B1")).status_code == 202

    waiting = pipeline.wait_for("2026B1", Status.DELIVERY_RETRY)
    assert "503" in waiting.last_error
    pipeline.wait_for_attempts("2026B1", failures=2)
    pipeline.mosip.controls.down = False

    submission = pipeline.wait_for("2026B1", Status.CONFIRMED)
    assert len(pipeline.mosip.packets) == 1
    assert len(pipeline.opencrvs.accepted) == 1
    assert submission.attempts.filter(step="auth").exclude(error="").exists()


def test_opencrvs_down_at_confirmation_is_retried(pipeline):
    assert pipeline.register(birth_request("2026B2", "B2")).status_code == 202
    pipeline.opencrvs.controls.down = True

    waiting = pipeline.wait_for("2026B2", Status.CONFIRMATION_RETRY)
    assert waiting.failed_step == "confirm"
    pipeline.opencrvs.controls.down = False

    submission = pipeline.wait_for("2026B2", Status.CONFIRMED)
    assert submission.vid and len(pipeline.mosip.packets) == 1


def test_the_same_request_twice_makes_one_packet(pipeline):
    token = pipeline.opencrvs.mint_token()
    first = pipeline.register(birth_request("2026B3", "B3"), token=token)
    second = pipeline.register(birth_request("2026B3", "B3"), token=token)

    assert (first.status_code, second.status_code) == (202, 202)
    pipeline.wait_for("2026B3", Status.CONFIRMED)
    assert len(pipeline.mosip.packets) == 1
    assert len(pipeline.opencrvs.accepted) == 1


def test_a_mosip_refusal_fails_with_the_reason_and_is_not_retried(pipeline):
    pipeline.mosip.client_secrets["mosip-regproc-client"] = "changed"
    assert pipeline.register(birth_request("2026B4", "B4")).status_code == 202

    submission = pipeline.wait_for("2026B4", Status.FAILED)
    assert submission.failed_step == "create_packet"
    assert "401" in submission.last_error
    assert submission.next_attempt_at is None


def test_the_auth_token_is_reused_across_records(pipeline):
    for n in range(3):
        pipeline.register(birth_request(f"2026B5{n}", f"B5{n}"))
    for n in range(3):
        pipeline.wait_for(f"2026B5{n}", Status.CONFIRMED)
    packet_auths = [c for c in pipeline.mosip.auth_clients if c == "mosip-regproc-client"]
    assert len(packet_auths) == 1


def test_a_token_past_its_expiry_ends_in_token_expired(pipeline):
    pipeline.mosip.credential_delay_seconds = 3.0
    assert pipeline.register(birth_request("2026B6", "B6"), expires_in=2).status_code == 202

    submission = pipeline.wait_for("2026B6", Status.TOKEN_EXPIRED)
    assert "expired" in submission.last_error
    assert pipeline.opencrvs.accepted == []


def test_the_sweep_requeues_work_whose_message_was_lost(
    transactional_db, worker, configured, mosip, opencrvs
):
    """A row committed without its broker message is delivered by the sweep."""
    old = timezone.now() - timedelta(minutes=5)
    Submission.objects.create(
        event_type="birth",
        tracking_id="B7",
        certificate_number="2026B7",
        raw_request=birth_request("2026B7", "B7"),
        token=opencrvs.mint_token(),
    )
    Submission.objects.filter(certificate_number="2026B7").update(updated_at=old)

    assert sweep()["deliveries"] == 1

    from tests.conftest import Pipeline

    Pipeline("", mosip, opencrvs).wait_for(
        "2026B7",
        Status.AWAITING_CREDENTIAL,
        Status.CREDENTIAL_RECEIVED,
        Status.CONFIRMING,
        Status.CONFIRMED,
    )
    assert len(mosip.packets) == 1


def test_the_sweep_frees_a_claim_left_by_a_dead_worker(db):
    long_ago = timezone.now() - timedelta(hours=1)
    Submission.objects.create(
        event_type="birth",
        tracking_id="B8",
        certificate_number="2026B8",
        raw_request=birth_request("2026B8", "B8"),
        status=Status.SENDING,
        claimed_at=long_ago,
        lease_expires_at=long_ago,
    )

    assert sweep()["freed"] == 1
    assert Submission.objects.get().status == Status.DELIVERY_RETRY
