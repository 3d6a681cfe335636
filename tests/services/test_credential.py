"""MOSIP's credential callback: what MOSIP is answered, and what happens to the record."""

import hashlib
import hmac
import json

import pytest

from integration.models import EventType, MosipSettings, Status, Submission, TransactionId
from tests.fixtures import birth_request, fixture_path, load_json

pytestmark = pytest.mark.e2e


def awaiting(pipeline, transaction_id: str, number: str = "2026B99") -> Submission:
    """A submission whose packet MOSIP has, waiting for its credential."""
    token = pipeline.opencrvs.mint_token(event_id="evt-99", action_id="act-99")
    submission = Submission.objects.create(
        event_type=EventType.BIRTH,
        tracking_id="B99",
        certificate_number=number,
        raw_request=birth_request(number),
        status=Status.AWAITING_CREDENTIAL,
        transaction_id=transaction_id,
        token=token,
        event_id="evt-99",
        action_id="act-99",
    )
    TransactionId.objects.create(submission=submission, value=transaction_id)
    return submission


def reply_of(delivery) -> dict:
    return json.loads(delivery.reply)


def status_of(delivery) -> str:
    return reply_of(delivery)["event"]["status"]


def test_the_fixture_credential_is_received(pipeline):
    captured = load_json("wire", "post_websub_callback.json")["request"]["body"]
    awaiting(pipeline, "100016232770034")
    config = MosipSettings.load()
    # The captured credential was signed by the reference mock at its own address.
    config.verification_method_allowlist = [pipeline.mosip.public_key_url]
    config.verify_credential_proof = False
    # ...and encrypted for the public demo keystore kept with the capture.
    config.credential_keystore = fixture_path("certs", "keystore.p12").read_bytes()
    config.save()

    [delivery] = pipeline.mosip.deliver(captured)

    assert delivery.status == 200 and status_of(delivery) == "RECEIVED"
    assert reply_of(delivery)["event"]["requestId"] == captured["event"]["transactionId"]
    submission = pipeline.wait_for("2026B99", Status.CONFIRMED)
    assert submission.vid == "2555480504"


def test_a_credential_twice_confirms_once(pipeline):
    awaiting(pipeline, "100011111111111")
    issuance = pipeline.mosip.issue_credential("100011111111111", times=2)

    assert [status_of(d) for d in issuance.deliveries] == ["RECEIVED", "RECEIVED"]
    submission = pipeline.wait_for("2026B99", Status.CONFIRMED)
    assert submission.vid == issuance.vid
    assert len(pipeline.opencrvs.accepted) == 1


@pytest.mark.parametrize("tamper", ["proof", "signing_key", "verification_method"])
def test_a_credential_whose_proof_fails_is_error_and_nothing_confirmed(pipeline, tamper):
    submission = awaiting(pipeline, "100012222222222")

    issuance = pipeline.mosip.issue_credential("100012222222222", tamper=tamper)

    assert [status_of(d) for d in issuance.deliveries] == ["ERROR"]
    submission.refresh_from_db()
    assert submission.status == Status.AWAITING_CREDENTIAL and submission.vid == ""
    assert pipeline.opencrvs.accepted == []
    attempt = submission.attempts.get(step="credential")
    assert "proof" in attempt.error or "allowlist" in attempt.error


def test_turning_the_proof_check_off_accepts_an_unlisted_method(pipeline):
    awaiting(pipeline, "100013333333333")
    config = MosipSettings.load()
    config.verify_credential_proof = False
    config.save()

    issuance = pipeline.mosip.issue_credential("100013333333333", tamper="verification_method")

    assert [status_of(d) for d in issuance.deliveries] == ["RECEIVED"]


def test_a_credential_for_an_unknown_transaction_is_error(pipeline):
    issuance = pipeline.mosip.issue_credential("100019999999999")
    assert [status_of(d) for d in issuance.deliveries] == ["ERROR"]


@pytest.mark.parametrize("signature", ["wrong", "missing"])
def test_a_bad_websub_signature_is_rejected(pipeline, signature):
    submission = awaiting(pipeline, "100014444444444")

    issuance = pipeline.mosip.issue_credential("100014444444444", hub_signature=signature)

    assert [d.status for d in issuance.deliveries] == [401]
    submission.refresh_from_db()
    assert submission.status == Status.AWAITING_CREDENTIAL


def test_the_signature_is_hmac_sha256_of_the_raw_body(client, db):
    config = MosipSettings.load()
    config.websub_secret = "s3cret"
    config.save()
    body = json.dumps(
        {"event": {"id": "1", "transactionId": "t", "data": {"credential": "x"}}}
    ).encode()
    good = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()

    def post(signature, path="/websub/callback"):
        headers = {"HTTP_X_HUB_SIGNATURE": signature} if signature else {}
        return client.post(path, data=body, content_type="application/json", **headers)

    # Past the signature check; with no keystore configured yet the portal cannot read
    # the credential, so it answers 503 and the hub delivers it again later.
    accepted = post(good)
    assert accepted.status_code == 503
    assert accepted.json()["event"]["status"] == "ERROR"
    assert post(good, "/websub/callback/").status_code == 503  # MOSIP may add a slash
    assert post("sha256=" + "0" * 64).status_code == 401
    assert post(good.replace("sha256", "sha1")).status_code == 401
    assert post(None).status_code == 401


def test_intent_verification_echoes_the_challenge(client, db):
    response = client.get("/websub/callback?hub.mode=subscribe&hub.challenge=abc-123")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"abc-123"
    assert client.get("/websub/callback").status_code == 400


def test_a_callback_that_is_not_json_is_400(client, db):
    response = client.post("/websub/callback", data="nope", content_type="application/json")
    assert response.status_code == 400
