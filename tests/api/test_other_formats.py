"""Raw EventDocuments and OpenCRVS webhooks become MOSIP packets through the mappings."""

import io
import json

import pytest
from django.core.management import call_command

from integration.models import OpenCrvsSettings, Status, Submission
from mocks.opencrvs_webhooks import DEFAULT_CLIENT, OpenCrvsWebhooksStandIn, sign
from tests.fixtures import load_json
from tests.support.mapping_defaults import load_defaults_with_address_default

SECRET = "webhook-sha-secret"


def event_document(event_type: str, declaration: dict, event_id: str = "evt-1") -> dict:
    return {
        "id": event_id,
        "type": event_type,
        "trackingId": "B46964567" if "birth" in event_type else "D46964567",
        "createdAt": "2026-01-31T10:00:00.000Z",
        "actions": [
            {"id": "a1", "type": "DECLARE", "status": "Accepted", "declaration": declaration},
            {"id": "a2", "type": "REGISTER", "status": "Requested", "declaration": {}},
        ],
    }


BIRTH = {
    "child.name": {"firstname": "Baby", "middlename": "", "surname": "Doe"},
    "child.dob": "2024-01-31",
    "child.gender": "male",
    "mother.name": {"firstname": "Jane", "surname": "Doe"},
    "mother.nid": "1234567891",
    "informant.email": "jane@example.com",
    "informant.phoneNo": "0911111111",
}
DEATH = {
    "deceased.name": {"firstname": "John", "middlename": "Dino", "surname": "Doe"},
    "deceased.dob": "2001-02-20",
    "deceased.gender": "male",
    "deceased.nid": "1234567892",
    "eventDetails.date": "2026-01-02",
    "informant.phoneNo": "0922222222",
}


def post_event(pipeline, document: dict, **token_claims):
    import requests

    token = pipeline.opencrvs.mint_token(event_id=document["id"], **token_claims)
    return requests.post(
        f"{pipeline.portal_url}/trigger/events/{document['type']}/actions/REGISTER",
        json=document,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


@pytest.mark.e2e
def test_a_birth_event_document_reaches_confirmed_through_the_admin_mapping(pipeline):
    load_defaults_with_address_default()
    reply = post_event(pipeline, event_document("v2.birth", BIRTH))
    assert reply.status_code == 202, reply.text

    submission = Submission.objects.get()
    number = submission.certificate_number
    assert number.endswith("B46964567")  # {year}{trackingId}
    submission = pipeline.wait_for(number, Status.CONFIRMED)

    packet = pipeline.mosip.packets[submission.transaction_id]
    assert packet["fields"]["fullName"] == [{"language": "eng", "value": "Baby Doe"}]
    assert packet["fields"]["dateOfBirth"] == "2024/01/31"
    assert packet["fields"]["gender"] == [{"language": "eng", "value": "Male"}]
    assert packet["fields"]["birthCertificateNumber"] == number
    [accept] = pipeline.opencrvs.accepted
    assert accept.input["declaration"] == {"child.nid": submission.vid}
    assert accept.input["registrationNumber"] == number


@pytest.mark.e2e
def test_a_death_event_document_reaches_confirmed_without_a_child_nid(pipeline):
    load_defaults_with_address_default()
    reply = post_event(pipeline, event_document("death", DEATH, "evt-2"), event_type="death")
    assert reply.status_code == 202, reply.text

    submission = pipeline.wait_for(Submission.objects.get().certificate_number, Status.CONFIRMED)

    packet = pipeline.mosip.packets[submission.transaction_id]
    assert packet["process"] == "CRVS_DEATH"
    assert packet["fields"]["nationalIdNumber"] == "1234567892"
    assert packet["fields"]["dateOfDeath"] == "2026/01/02"
    [accept] = pipeline.opencrvs.accepted
    assert "child.nid" not in accept.input["declaration"]


@pytest.fixture
def event_client(client, configured, opencrvs):
    def post(document, path_type=None):
        token = opencrvs.mint_token(event_id=document.get("id", "x"))
        return client.post(
            f"/trigger/events/{path_type or document.get('type', 'birth')}/actions/REGISTER",
            data=json.dumps(document),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    return post


def test_an_event_type_without_a_profile_is_503_not_a_rejection(event_client):
    """A configuration gap must not make OpenCRVS reject the registration (400)."""
    load_defaults_with_address_default()
    response = event_client(event_document("tennis-club-membership", BIRTH))
    assert response.status_code == 503
    assert "mapping profile" in response.json()["detail"]
    assert Submission.objects.count() == 0


def test_a_token_for_another_event_is_403(client, configured, opencrvs):
    load_defaults_with_address_default()
    token = opencrvs.mint_token(event_id="some-other-event")
    response = client.post(
        "/trigger/events/birth/actions/REGISTER",
        data=json.dumps(event_document("birth", BIRTH, "evt-1")),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 403 and "id" in response.json()
    assert Submission.objects.count() == 0


def test_the_certificate_year_comes_from_the_register_action(event_client):
    load_defaults_with_address_default()
    document = event_document("birth", BIRTH)
    document["actions"][1]["createdAt"] = "2025-12-31T23:59:00.000Z"
    assert event_client(document).status_code == 202
    assert Submission.objects.get().certificate_number == "2025B46964567"


def test_an_event_document_without_actions_is_400(event_client):
    document = event_document("birth", BIRTH)
    document["actions"] = []
    response = event_client(document)
    assert response.status_code == 400 and "actions" in response.json()


def test_the_path_and_the_document_must_agree_on_the_type(event_client):
    load_defaults_with_address_default()
    response = event_client(event_document("birth", BIRTH), path_type="death")
    assert response.status_code == 400 and "type" in response.json()


def test_the_event_endpoint_needs_a_token(client, configured):
    response = client.post(
        "/trigger/events/birth/actions/REGISTER", data="{}", content_type="application/json"
    )
    assert response.status_code == 401


# --- webhooks ----------------------------------------------------------------------------


@pytest.fixture
def webhook_settings(db):
    config = OpenCrvsSettings.load()
    config.webhook_secret = SECRET
    config.save()


def deliver(client, body: bytes, signature: str | None):
    headers = {"HTTP_X_HUB_SIGNATURE": signature} if signature else {}
    return client.post("/webhooks/opencrvs", data=body, content_type="application/json", **headers)


def webhook_body(topic: str = "BIRTH_REGISTERED") -> bytes:
    bundle = load_json("opencrvs-fhir", "incoming-birth-bundle.json")
    return json.dumps(
        {
            "timestamp": "2026-01-31T10:00:00Z",
            "id": "hook-1",
            "event": {"hub": {"topic": topic}, "context": [bundle]},
        }
    ).encode()


def test_webhook_with_a_valid_sha256_signature_is_stored(client, webhook_settings):
    body = webhook_body()
    assert deliver(client, body, sign(body, SECRET, "sha256")).status_code == 202
    submission = Submission.objects.get()
    assert (submission.source_format, submission.confirm_in_opencrvs) == ("fhir", False)
    assert submission.tracking_id == "BXXDBIC"


def test_webhook_with_a_valid_sha1_signature_is_stored(client, webhook_settings):
    body = webhook_body()
    assert deliver(client, body, sign(body, SECRET, "sha1")).status_code == 202
    assert Submission.objects.count() == 1


def test_webhook_with_a_tampered_body_is_refused(client, webhook_settings):
    body = webhook_body()
    signature = sign(body, SECRET)
    tampered = body.replace(b"BXXDBIC", b"BXXDBIX")
    assert deliver(client, tampered, signature).status_code == 401
    assert Submission.objects.count() == 0


def test_webhook_without_a_signature_is_refused(client, webhook_settings):
    assert deliver(client, webhook_body(), None).status_code == 401


def test_webhook_signed_with_another_secret_is_refused(client, webhook_settings):
    body = webhook_body()
    assert deliver(client, body, sign(body, "not-the-secret")).status_code == 401


def test_webhook_with_an_unknown_topic_is_400(client, webhook_settings):
    body = webhook_body("MARRIAGE_REGISTERED")
    response = deliver(client, body, sign(body, SECRET))
    assert response.status_code == 400 and "topic" in response.json()


def test_webhook_is_refused_while_no_secret_is_configured(client, db):
    body = webhook_body()
    assert deliver(client, body, sign(body, "anything")).status_code == 503


def test_the_webhook_handshake_echoes_the_challenge_as_json(client, db):
    response = client.get("/webhooks/opencrvs?mode=subscribe&challenge=c-1&topic=BIRTH_REGISTERED")
    assert response.status_code == 200 and response.json() == {"challenge": "c-1"}
    assert client.get("/webhooks/opencrvs?challenge=c-1").status_code == 400


@pytest.fixture
def webhooks_api():
    server = OpenCrvsWebhooksStandIn()
    server.start()
    yield server
    server.stop()


@pytest.mark.e2e
def test_a_webhook_record_ends_when_the_credential_arrives(pipeline, webhooks_api):
    load_defaults_with_address_default()
    config = OpenCrvsSettings.load()
    config.auth_url = config.webhooks_url = webhooks_api.url
    config.client_id, config.client_secret = DEFAULT_CLIENT
    config.webhook_secret = SECRET
    config.webhook_callback_url = f"{pipeline.portal_url}/webhooks/opencrvs"
    config.save()
    out = io.StringIO()
    call_command("opencrvs_webhooks", "subscribe", stdout=out)
    assert "BIRTH_REGISTERED" in out.getvalue()
    _wait(lambda: all(w.verified for w in webhooks_api.webhooks.values()))
    call_command("opencrvs_webhooks", "list", stdout=out)
    assert out.getvalue().count("BIRTH_REGISTERED") == 2

    bundle = load_json("opencrvs-fhir", "incoming-birth-bundle-mother-father.json")
    [reply] = webhooks_api.deliver("BIRTH_REGISTERED", bundle)
    assert reply.status_code == 202

    number = Submission.objects.get().certificate_number
    submission = pipeline.wait_for(number, Status.COMPLETED)
    assert submission.vid and submission.token == ""
    packet = pipeline.mosip.packets[submission.transaction_id]
    assert packet["fields"]["fullName"] == [{"language": "eng", "value": "John Doe"}]
    assert pipeline.opencrvs.accepted == []  # already registered in OpenCRVS

    hook_id = next(iter(webhooks_api.webhooks))
    call_command("opencrvs_webhooks", "unsubscribe", hook_id, stdout=out)
    assert hook_id not in webhooks_api.webhooks


def _wait(condition, timeout: float = 5.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")
