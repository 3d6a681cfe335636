"""What goes wrong in production, and what the portal does about it."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from integration.models import MosipSettings, OpenCrvsSettings, Status, Submission
from integration.services import delivery, intake
from integration.services.sweep import sweep
from mocks.opencrvs_webhooks import sign
from tests.fixtures import birth_request, load_json, put_in_state


def post_registration(client, token, body=None):
    return client.post(
        "/events/registration",
        data=json.dumps(body or birth_request()),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


@pytest.mark.parametrize(
    "claims",
    [{"scope": ["record.read"]}, {"scope": []}],
    ids=["other-scope", "no-scope"],
)
def test_a_token_that_may_not_confirm_the_record_is_403(client, configured, opencrvs, claims):
    response = post_registration(client, opencrvs.mint_token(**claims))
    assert response.status_code == 403
    assert Submission.objects.count() == 0


def test_a_public_key_url_answering_html_is_not_cached(client, configured, opencrvs):
    config = OpenCrvsSettings.load()
    config.public_key_url = f"{opencrvs.url}/_control"  # JSON, not a PEM key
    config.save()
    assert post_registration(client, opencrvs.mint_token()).status_code == 503

    config.public_key_url = f"{opencrvs.url}/.well-known"
    config.save()
    assert post_registration(client, opencrvs.mint_token()).status_code == 202


def test_a_broker_outage_still_stores_and_answers_202(
    client, configured, opencrvs, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from integration import tasks

    publishes = []

    def broker_down(*args, **kwargs):
        publishes.append(args)
        raise OperationalError("Error 111 connecting to the broker. Connection refused.")

    monkeypatch.setattr(tasks.deliver, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_registration(client, opencrvs.mint_token())
    assert len(publishes) == 1  # the publish was tried, and failed
    assert response.status_code == 202
    assert Submission.objects.get().status == Status.RECEIVED  # the sweep queues it later


def test_a_missing_url_in_the_settings_fails_with_a_reason_instead_of_looping(configured):
    config = MosipSettings.load()
    config.auth_url = ""
    config.save()
    submission = Submission.objects.create(
        event_type="birth",
        tracking_id="B1",
        certificate_number="C1",
        raw_request=birth_request("C1", "B1"),
    )

    delivery.deliver(submission.pk)

    submission.refresh_from_db()
    assert submission.status == Status.FAILED
    assert "not valid" in submission.last_error and "settings" in submission.last_error


def test_a_record_that_keeps_killing_its_worker_ends_failed(db, portal_settings):
    portal_settings.MAX_ATTEMPTS = 3
    long_ago = timezone.now() - timedelta(hours=1)
    submission = Submission.objects.create(
        event_type="birth",
        tracking_id="B2",
        certificate_number="C2",
        raw_request=birth_request("C2", "B2"),
    )
    for _ in range(3):
        put_in_state(submission, Status.SENDING, claimed_at=long_ago, lease_expires_at=long_ago)
        sweep()
    submission.refresh_from_db()
    assert submission.status == Status.FAILED
    assert "worker stopped" in submission.last_error


@pytest.mark.e2e
def test_a_birth_credential_without_a_vid_is_refused(pipeline):
    from tests.services.test_credential import awaiting, status_of

    awaiting(pipeline, "100015555555555")
    issuance = pipeline.mosip.issue_credential("100015555555555", process="CRVS_DEATH")
    assert [status_of(d) for d in issuance.deliveries] == ["ERROR"]
    assert Submission.objects.get().status == Status.AWAITING_CREDENTIAL


@pytest.mark.e2e
def test_an_unreachable_key_document_asks_the_hub_to_deliver_again(pipeline):
    from tests.services.test_credential import awaiting

    awaiting(pipeline, "100016666666666")
    pipeline.mosip.controls.down = True  # the key document is on MOSIP
    issuance = pipeline.mosip.issue_credential("100016666666666")
    pipeline.mosip.controls.down = False

    assert [d.status for d in issuance.deliveries] == [503]
    retried = pipeline.mosip.deliver(issuance.body)
    assert [d.status for d in retried] == [200]
    pipeline.wait_for("2026B99", Status.CONFIRMED)


def webhook(client, bundle, secret="s"):
    body = json.dumps({"event": {"hub": {"topic": "BIRTH_REGISTERED"}, "context": [bundle]}})
    return client.post(
        "/webhooks/opencrvs",
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE=sign(body.encode(), secret),
    )


def test_an_odd_webhook_bundle_is_stored_not_lost(client, db):
    config = OpenCrvsSettings.load()
    config.webhook_secret = "s"
    config.save()
    odd = {
        "resourceType": "Bundle",
        "entry": [{"resource": {"resourceType": "Task", "identifier": ["x"]}}],
    }
    assert webhook(client, odd).status_code == 202
    assert webhook(client, odd).status_code == 202  # the same delivery again: one record
    assert Submission.objects.count() == 1


def test_a_very_long_tracking_id_does_not_break_intake(client, db):
    config = OpenCrvsSettings.load()
    config.webhook_secret = "s"
    config.save()
    bundle = load_json("opencrvs-fhir", "incoming-birth-bundle.json")
    task = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Task")
    task["identifier"][1]["value"] = "B" * 300
    assert webhook(client, bundle).status_code == 202
    assert len(Submission.objects.get().tracking_id) == 64


def test_a_fresh_token_lets_an_expired_record_be_confirmed(
    db, opencrvs, configured, django_capture_on_commit_callbacks
):
    from integration.services.record_token import verify_record_token

    token = verify_record_token(opencrvs.mint_token(event_id="e1"))
    submission = Submission.objects.create(
        event_type="birth",
        tracking_id="B3",
        certificate_number="C3",
        event_id="e1",
        raw_request=birth_request("C3", "B3"),
        status=Status.TOKEN_EXPIRED,
        vid="123",
        credential_received_at=timezone.now(),
        token_expires_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=False) as queued:
        intake._refresh_token(submission, token)
    submission.refresh_from_db()
    assert submission.status == Status.CREDENTIAL_RECEIVED
    assert submission.token == token.raw and len(queued) == 1

    stranger = verify_record_token(opencrvs.mint_token(event_id="another"))
    intake._refresh_token(submission, stranger)
    submission.refresh_from_db()
    assert submission.token == token.raw  # a token for another event changes nothing
