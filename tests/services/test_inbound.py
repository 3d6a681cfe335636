"""Credential callbacks and OpenCRVS webhooks are stored raw before they are read; one
refused for a reason on our side is answered 503 and reprocessed from the console once
the set-up is fixed; a forged one is refused and kept for the audit."""

import json

import pytest

from integration.models import (
    InboundEvent,
    InboundKind,
    InboundOutcome,
    MosipSettings,
    OpenCrvsSettings,
    Status,
    Submission,
)
from mocks.opencrvs_webhooks import sign
from tests.console.conftest import client_for, make_user
from tests.fixtures import load_json

SECRET = "webhook-secret"


def webhook_body(bundle: object = None) -> bytes:
    bundle = bundle if bundle is not None else load_json(
        "opencrvs-fhir", "incoming-birth-bundle.json")  # fmt: skip
    body = {"id": "hook-1", "event": {"hub": {"topic": "BIRTH_REGISTERED"}, "context": [bundle]}}
    return json.dumps(body).encode()


def deliver(client, body: bytes, signature: str | None = "sign", **headers):
    if signature == "sign":
        signature = sign(body, SECRET)
    if signature:
        headers["HTTP_X_HUB_SIGNATURE"] = signature
    return client.post("/webhooks/opencrvs", data=body, content_type="application/json",
                       **headers)  # fmt: skip


@pytest.fixture
def webhook_secret(db):
    config = OpenCrvsSettings.load()
    config.webhook_secret = SECRET
    config.save()


@pytest.fixture
def support_client(db):
    from integration.roles import Role

    return client_for(make_user("sam", Role.SUPPORT))


def test_a_webhook_is_stored_as_it_came_with_its_outcome(client, webhook_secret):
    body = webhook_body()
    response = deliver(client, body, HTTP_AUTHORIZATION="Bearer abc.def.ghi",
                       HTTP_COOKIE="session=s3cret")  # fmt: skip
    assert response.status_code == 202

    event = InboundEvent.objects.get()
    assert (event.kind, event.outcome, event.signature_valid) == (
        InboundKind.OPENCRVS_WEBHOOK, InboundOutcome.ACCEPTED, True)  # fmt: skip
    assert bytes(event.body) == body and event.remote_address == "127.0.0.1"
    assert event.headers["X-Hub-Signature"] == sign(body, SECRET)
    assert event.headers["Authorization"] == "[redacted]"
    assert event.headers["Cookie"] == "[redacted]"
    assert event.submission == Submission.objects.get() and event.handled_at


def test_a_signed_webhook_of_an_unexpected_shape_is_kept(client, webhook_secret):
    body = webhook_body({"resourceType": "Patient", "name": "not a bundle"})
    response = deliver(client, body)
    assert response.status_code == 400 and "context" in response.json()

    event = InboundEvent.objects.get(pk=response.json()["kept_as"])
    assert event.outcome == InboundOutcome.INVALID and bytes(event.body) == body
    assert event.reprocessable and Submission.objects.count() == 0


def test_a_forged_webhook_is_refused_and_kept_for_the_audit(client, webhook_secret):
    body = webhook_body()
    assert deliver(client, body, sign(body, "another secret")).status_code == 401
    event = InboundEvent.objects.get()
    assert (event.outcome, event.signature_valid) == (InboundOutcome.FORGED, False)
    assert not event.reprocessable and Submission.objects.count() == 0


def test_a_webhook_before_its_secret_is_set_is_kept_and_reprocessed(client, support_client, db):
    body = webhook_body()
    response = deliver(client, body)
    assert response.status_code == 503 and response["Retry-After"]
    event = InboundEvent.objects.get()
    assert event.outcome == InboundOutcome.KEPT_FOR_RETRY and Submission.objects.count() == 0

    page = support_client.get("/console/inbound/?outcome=kept_for_retry")
    assert f"/console/inbound/{event.pk}/reprocess/" in page.content.decode()

    config = OpenCrvsSettings.load()
    config.webhook_secret = SECRET  # the set-up is fixed
    config.save()
    answer = support_client.post(f"/console/inbound/{event.pk}/reprocess/", follow=True)
    assert "reprocessed: accepted" in answer.content.decode()

    event.refresh_from_db()
    assert event.outcome == InboundOutcome.ACCEPTED and event.reprocessed_count == 1
    assert event.reprocessed_by.startswith("Sam") and event.submission == Submission.objects.get()
    # Nothing left to do: a second press changes nothing.
    support_client.post(f"/console/inbound/{event.pk}/reprocess/")
    assert Submission.objects.count() == 1
    event.refresh_from_db()
    assert event.reprocessed_count == 1


def test_an_auditor_sees_deliveries_but_cannot_reprocess(client, db):
    from integration.roles import Role

    deliver(client, webhook_body())  # no secret yet: kept
    event = InboundEvent.objects.get()
    auditor = client_for(make_user("ann", Role.AUDITOR))
    page = auditor.get("/console/inbound/").content.decode()
    assert "Kept: refused for a reason on our side" in page and "Reprocess" not in page
    assert auditor.post(f"/console/inbound/{event.pk}/reprocess/").status_code == 403
    event.refresh_from_db()
    assert event.reprocessed_count == 0


@pytest.mark.e2e
def test_a_credential_refused_for_our_keystore_password_is_kept_and_reprocessed(pipeline):
    from tests.services.test_credential import awaiting

    awaiting(pipeline, "100018888888888")
    config = MosipSettings.load()
    password = config.credential_keystore_password
    config.credential_keystore_password = "not-the-password"
    config.save()

    issuance = pipeline.mosip.issue_credential("100018888888888")
    assert [d.status for d in issuance.deliveries] == [503]  # the hub will send it again
    event = InboundEvent.objects.get(kind=InboundKind.CREDENTIAL)
    assert event.outcome == InboundOutcome.KEPT_FOR_RETRY
    assert "keystore" in event.error and Submission.objects.get().vid == ""

    config.credential_keystore_password = password  # the set-up is fixed
    config.save()
    from integration.roles import Role

    support = client_for(make_user("sam", Role.SUPPORT))
    support.post(f"/console/inbound/{event.pk}/reprocess/")
    event.refresh_from_db()
    assert event.outcome == InboundOutcome.ACCEPTED
    submission = pipeline.wait_for("2026B99", Status.CONFIRMED)
    assert submission.vid == issuance.vid and event.submission == submission


@pytest.mark.e2e
def test_a_credential_with_a_forged_proof_is_answered_error_and_kept(pipeline):
    from tests.services.test_credential import awaiting, status_of

    awaiting(pipeline, "100019999999999")
    issuance = pipeline.mosip.issue_credential("100019999999999", tamper="proof")
    assert [status_of(d) for d in issuance.deliveries] == ["ERROR"]
    assert [d.status for d in issuance.deliveries] == [200]  # not sent again
    event = InboundEvent.objects.get(kind=InboundKind.CREDENTIAL)
    assert (event.outcome, event.signature_valid) == (InboundOutcome.FORGED, True)
    assert not event.reprocessable
    assert Submission.objects.get().status == Status.AWAITING_CREDENTIAL


@pytest.mark.e2e
def test_a_credential_with_a_wrong_hub_signature_is_kept_as_forged(pipeline):
    from tests.services.test_credential import awaiting

    awaiting(pipeline, "100011212121212")
    issuance = pipeline.mosip.issue_credential("100011212121212", hub_signature="wrong")
    assert [d.status for d in issuance.deliveries] == [401]
    event = InboundEvent.objects.get(kind=InboundKind.CREDENTIAL)
    assert (event.outcome, event.signature_valid) == (InboundOutcome.FORGED, False)
