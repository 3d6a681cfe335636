"""A delivery MOSIP's hub signed correctly but that is no CREDENTIAL_ISSUED event is
stored and answered 200 with status ERROR, so the hub stops delivering it again (it
retries anything else); only a credential our set-up cannot read is answered 503."""

import json

import pytest

from demo.stand_ins import DEMO_WEBSUB_SECRET
from integration.models import InboundEvent, InboundOutcome, Status
from tests.services.test_key_rotation import (
    credential_body,
    new_keystore,
    post_credential,
    waiting_for,
)

pytestmark = pytest.mark.django_db


def _event(data: object) -> bytes:
    return json.dumps(
        {"publisher": "CREDENTIAL_SERVICE", "topic": "CREDENTIAL_ISSUED",
         "event": {"id": "e-1", "transactionId": "t-1", "data": data}}
    ).encode()  # fmt: skip


@pytest.mark.parametrize(
    "body",
    [
        b"not json at all",
        b'["a list"]',
        json.dumps({"event": "a string"}).encode(),
        _event("a string"),
        _event({"registrationId": "100017000000009"}),  # no credential
        _event({"registrationId": "100017000000009", "credential": "%%% not base64"}),
        _event({"registrationId": "100017000000009", "credential": "QUJDRA"}),  # not MOSIP's
    ],
    ids=["not-json", "list", "event-string", "data-string", "no-credential", "bad-b64", "layout"],
)
def test_a_signed_malformed_event_is_kept_and_answered_so_the_hub_stops(configured, client, body):
    submission = waiting_for("100017000000009", "2027M9")
    response = post_credential(client, body, DEMO_WEBSUB_SECRET)

    assert response.status_code == 200, response.content
    assert response.json()["event"]["status"] == "ERROR"
    event = InboundEvent.objects.get()
    assert (event.outcome, event.signature_valid) == (InboundOutcome.INVALID, True)
    assert bytes(event.body) == body and event.error
    submission.refresh_from_db()
    assert submission.status == Status.AWAITING_CREDENTIAL


def test_a_wrong_signature_is_401_and_a_credential_we_cannot_decrypt_503(configured, client, mosip):
    assert post_credential(client, b"nope", "not-the-secret").status_code == 401
    waiting_for("100017000000010", "2027M10")
    _keystore, other_cert = new_keystore("pw")
    # Well formed, but for a certificate whose key we do not hold: our set-up's side.
    response = post_credential(
        client, credential_body(mosip, "100017000000010", other_cert), DEMO_WEBSUB_SECRET
    )
    assert response.status_code == 503
    outcomes = set(InboundEvent.objects.values_list("outcome", flat=True))
    assert outcomes == {InboundOutcome.FORGED, InboundOutcome.KEPT_FOR_RETRY}
