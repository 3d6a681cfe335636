"""The MOSIP stand-in's behaviour: credentials, WebSub, packets and tokens."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from mocks.mosip import MosipStandIn
from mocks.paths import certs_dir
from tests.fixtures import fixture_path
from tests.mocks.test_mocks_support import (
    Subscriber,
    decrypt_credential,
    keystore,
    serving,
    verify_ld_proof,
    verify_proof,
    wire,
)

PACKET = "/commons/v1/packetmanager/createPacket"
WORKFLOW = "/registrationprocessor/v1/workflowmanager/workflowinstance"
SECRET = "mosip-websub-secret"


@pytest.fixture
def subscriber() -> Iterator[tuple[Subscriber, str]]:
    app = Subscriber()
    with serving(app) as url:
        yield app, url + "/websub/callback"


def cookies(mosip: MosipStandIn, client: str = "mosip-regproc-client") -> dict[str, str]:
    return {"Authorization": mosip.mint_token(client)}


def subscribe(mosip: MosipStandIn, callback: str, mode: str = "subscribe") -> requests.Response:
    form = {
        "hub.mode": mode,
        "hub.topic": "CREDENTIAL_ISSUED",
        "hub.callback": callback,
        "hub.secret": SECRET,
    }
    return requests.post(
        mosip.url + "/websub/hub",
        data=form,
        timeout=5,
        cookies=cookies(mosip, "mosip-websub-client"),
    )


OFFICER = json.dumps([{"label": "officerId", "value": "registrar.one"}])


def create_packet(
    mosip: MosipStandIn, reg_id: str, process: str = "CRVS_NEW", **fields: Any
) -> dict[str, Any]:
    """The captured packet (with an officer, which MOSIP's CRVS_NEW route wants)."""
    body = copy.deepcopy(wire("put_commons_v1_packetmanager_createPacket")["request"]["body"])
    body["request"].update(id=reg_id, process=process)
    body["request"]["metaInfo"]["operationsData"] = OFFICER
    body["request"]["fields"].update(fields)
    fields = {k: v for k, v in body["request"]["fields"].items() if v is not None}
    body["request"]["fields"] = fields
    return requests.put(mosip.url + PACKET, json=body, cookies=cookies(mosip), timeout=5).json()


def rejection(mosip: MosipStandIn, reg_id: str, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while reg_id not in mosip.rejections and time.monotonic() < deadline:
        time.sleep(0.02)
    return mosip.rejections.get(reg_id)


def start_workflow(mosip: MosipStandIn, reg_id: str) -> dict[str, Any]:
    body = copy.deepcopy(
        wire("post_registrationprocessor_v1_workflowmanager_workflowinstance")["request"]["body"]
    )
    body["request"]["registrationId"] = reg_id
    return requests.post(mosip.url + WORKFLOW, json=body, cookies=cookies(mosip), timeout=5).json()


def mock_public_key(directory: Path | None = None) -> Any:
    pem = ((directory or certs_dir()) / "mock-only-private-key.pem").read_bytes()
    return serialization.load_pem_private_key(pem, None).public_key()


def test_helpers_read_the_captured_credential() -> None:
    """The test-side decryption and proof check agree with the real capture."""
    captured = wire("post_websub_callback")["request"]["body"]["event"]["data"]["credential"]
    captured_for = fixture_path("certs")  # the public demo keystore of the capture
    credential, thumbprint = decrypt_credential(captured, keystore(captured_for)[0])
    assert credential == wire("credential_decrypted")
    assert thumbprint == bytes(32)  # the reference mock writes no thumbprint
    verify_proof(credential, mock_public_key(captured_for))


def test_workflow_delivers_a_signed_encrypted_credential(
    mosip: MosipStandIn, subscriber: tuple[Subscriber, str]
) -> None:
    app, callback = subscriber
    assert subscribe(mosip, callback).text == "Subscribed successfully."
    assert mosip.wait_for_subscription(callback) is not None
    assert app.challenges[0]["hub.mode"] == "subscribe"
    assert create_packet(mosip, "100011234567890", phone="0911111111")["errors"] == []
    assert start_workflow(mosip, "100011234567890")["errors"] is None
    assert app.got_post.wait(5)

    headers, raw = app.posts[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert headers["X-Hub-Signature"] == expected
    data = json.loads(raw)["event"]["data"]
    assert data["registrationId"] == "100011234567890"
    credential, thumbprint = decrypt_credential(data["credential"])
    _, cert = keystore()
    assert thumbprint == hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest()
    subject = credential["credentialSubject"]
    assert mosip.rejections == {}
    assert subject == {
        "birthCertificateNumber": "2026B46964567",
        "VID": mosip.issued["100011234567890"],
        "id": "http://credential.idrepo/credentials/100011234567890",
        "vcVer": "VC-V1",
    }
    assert len(subject["VID"]) == 10 and subject["VID"].isdigit()
    verify_ld_proof(credential, mock_public_key(), served_context(mosip))
    [delivery] = mosip.wait_for_deliveries(1)
    assert delivery.status == 200 and delivery.reply == '{"status": "RECEIVED"}'


def test_proof_points_at_the_served_key(mosip: MosipStandIn) -> None:
    credential = mosip.issue_credential("100011111111111").credential
    method = credential["proof"]["verificationMethod"]
    assert method == mosip.url + "/.well-known/public-key.json"
    document = requests.get(method, timeout=5).json()
    assert document["type"] == "RsaVerificationKey2018" and document["id"] == method
    assert document["controller"] == mosip.url + "/.well-known/controller.json"
    served = serialization.load_pem_public_key(document["publicKeyPem"].encode())
    verify_ld_proof(credential, served, served_context(mosip))  # type: ignore[arg-type]


def test_death_credential_has_no_vid(mosip: MosipStandIn) -> None:
    create_packet(mosip, "100012222222222", "CRVS_DEATH")
    credential = mosip.issue_credential("100012222222222").credential
    assert set(credential["credentialSubject"]) == {"id", "vcVer"}
    assert mosip.issued["100012222222222"] is None
    with_number = mosip.issue_credential(
        "100013333333333", process="CRVS_DEATH", fields={"deathCertificateNumber": "D-1"}
    ).credential
    assert with_number["credentialSubject"]["deathCertificateNumber"] == "D-1"


@pytest.mark.parametrize("tamper", ["proof", "signing_key", "verification_method"])
def test_tampered_credentials_fail_the_proof(mosip: MosipStandIn, tamper: Any) -> None:
    credential = mosip.issue_credential("100014444444444", tamper=tamper).credential
    method = credential["proof"]["verificationMethod"]
    if tamper == "verification_method":
        assert method == mosip.unlisted_key_url != mosip.public_key_url
        served = requests.get(method, timeout=5).json()["publicKeyPem"]
        verify_ld_proof(
            credential,
            serialization.load_pem_public_key(served.encode()),  # type: ignore[arg-type]
            served_context(mosip),
        )
    else:
        assert method == mosip.public_key_url
    with pytest.raises(InvalidSignature):
        verify_ld_proof(credential, mock_public_key(), served_context(mosip))


def served_context(mosip: MosipStandIn) -> Any:
    """The context documents as a verifier gets them: mosip-context.json over HTTP, the
    W3C ones from the stand-in's published copies."""

    def load(url: str) -> Any:
        if url == mosip.context_url:
            return requests.get(url, timeout=5).json()
        return mosip.context_document(url)

    return load


def test_jcs_proof_option(mosip: MosipStandIn) -> None:
    mosip.proof = "jcs"
    credential = mosip.issue_credential("100015555555555").credential
    verify_proof(credential, mock_public_key())


def test_zero_thumbprint_option() -> None:
    stand_in = MosipStandIn(zero_thumbprint=True)
    encrypted = stand_in.encrypt_credential({"a": 1})
    assert decrypt_credential(encrypted) == ({"a": 1}, bytes(32))


def test_non_echoing_subscriber_stays_inactive(mosip: MosipStandIn) -> None:
    app = Subscriber(echo=False)
    with serving(app) as url:
        assert subscribe(mosip, url).status_code == 200
        attempt = mosip.hub.attempts[-1]
        assert attempt.done.wait(5)
        assert not attempt.verified and attempt.verification_reply == "not the challenge"
        assert mosip.subscriptions == {}
        assert mosip.issue_credential("100015555555555").deliveries == []
        assert app.posts == []


def test_unsubscribe_is_verified_then_removes(
    mosip: MosipStandIn, subscriber: tuple[Subscriber, str]
) -> None:
    app, callback = subscriber
    subscribe(mosip, callback)
    assert mosip.wait_for_subscription(callback)
    assert subscribe(mosip, callback, "unsubscribe").text == "Unsubscribed successfully."
    assert mosip.hub.attempts[-1].done.wait(5)
    assert app.challenges[-1]["hub.mode"] == "unsubscribe"
    assert mosip.subscriptions == {}


def test_hub_needs_a_token(mosip: MosipStandIn) -> None:
    reply = requests.post(mosip.url + "/websub/hub", data={"hub.mode": "subscribe"}, timeout=5)
    assert reply.status_code == 401 and mosip.hub.attempts == []


def test_duplicate_callbacks_deliver_twice(
    mosip: MosipStandIn, subscriber: tuple[Subscriber, str]
) -> None:
    app, callback = subscriber
    subscribe(mosip, callback)
    assert mosip.wait_for_subscription(callback)
    requests.post(mosip.url + "/_control", json={"duplicate_callbacks": True}, timeout=5)
    issuance = mosip.issue_credential("100016666666666")
    assert [d.status for d in issuance.deliveries] == [200, 200]
    assert app.posts[0][1] == app.posts[1][1] == issuance.body


def test_a_packet_it_cannot_write_is_answered_200_with_nothing_written(mosip) -> None:
    body = copy.deepcopy(wire("put_commons_v1_packetmanager_createPacket")["request"]["body"])
    del body["request"]["schemaJson"]
    body["request"]["fields"] = []
    reply = requests.put(mosip.url + PACKET, json=body, cookies=cookies(mosip), timeout=5)
    # As MOSIP's packet writer: no packet infos, and no error either.
    assert reply.status_code == 200
    assert (reply.json()["response"], reply.json()["errors"]) == (None, [])
    assert mosip.packets == {} and len(mosip.unwritten) == 1
    assert mosip.create_packet_calls == {}  # counted only where written
    assert start_workflow(mosip, "100016232770034")["errors"]  # nothing to process


def test_a_packet_repeated_under_its_id_is_written_over_and_counted(mosip: MosipStandIn) -> None:
    """As MOSIP's packet writer: a second createPacket for an id is not refused, even with
    other content; it is written over the stored packet and answered as the first was."""
    rid = "100017777777777"
    first = create_packet(mosip, rid)
    again = create_packet(mosip, rid)  # identical: a retry
    other = create_packet(mosip, rid, birthCertificateNumber="OTHER")
    for reply in (first, again, other):
        assert reply["errors"] == []
        assert [i["packetName"] for i in reply["response"]] == [
            f"{rid}_evidence", f"{rid}_optional", f"{rid}_id",
        ]  # fmt: skip
    # The last one written is the one held, and the processor starts on it.
    assert mosip.packets[rid]["fields"]["birthCertificateNumber"] == "OTHER"
    assert list(mosip.packets) == [rid]
    assert mosip.create_packet_calls == {rid: 3}
    assert start_workflow(mosip, rid)["errors"] is None


def test_the_packet_reader_says_what_it_holds_under_an_id(mosip: MosipStandIn) -> None:
    def info(rid: str) -> dict:
        body = {"id": "string", "version": "v1", "request": {"id": rid}}
        reply = requests.post(
            mosip.url + "/commons/v1/packetmanager/info", json=body, cookies=cookies(mosip),
            timeout=5,
        )  # fmt: skip
        assert reply.status_code == 200
        return reply.json()

    assert create_packet(mosip, "100017777777778")["errors"] == []
    held = info("100017777777778")
    assert held["id"] == "mosip.registration.packet.reader" and held["errors"] is None
    assert held["response"]["packetId"] == "100017777777778"
    [container] = held["response"]["info"]
    assert {"source", "process", "lastModified", "demographics"} <= set(container)
    assert container["process"] == "CRVS_NEW" and container["demographics"]
    # Nothing stored under an id: an empty list, not an error.
    assert info("100017777777779")["response"]["info"] == []
    assert mosip.packet_info_calls == ["100017777777778", "100017777777779"]


def test_workflow_for_an_unknown_packet_is_an_error(mosip: MosipStandIn) -> None:
    reply = start_workflow(mosip, "100018888888888")
    assert reply["response"] is None and reply["errors"]
    assert mosip.issuances == []


def test_revoked_token_is_refused(mosip: MosipStandIn) -> None:
    jar = cookies(mosip)
    mosip.revoke_tokens()
    reply = requests.put(mosip.url + PACKET, json={}, cookies=jar, timeout=5)
    assert reply.status_code == 401


def test_a_packet_breaking_the_id_schema_is_written_then_fails_at_validation(mosip):
    reg_id = "100019999999999"
    # No addressLine1 (required and mandatory for CRVS_NEW), gender as plain text, and
    # the captured phone (12 digits, the schema's validator wants 10).
    written = create_packet(mosip, reg_id, addressLine1=None, gender="Female")
    assert written["errors"] == [] and written["response"]  # createPacket cannot tell
    assert start_workflow(mosip, reg_id)["response"]["workflowInstanceId"]

    failed = rejection(mosip, reg_id)

    assert failed.stage == "packet validator"
    assert set(failed.errors) == {
        ("KER-IOV-005", "Missing input parameter - identity/addressLine1"),
        ("KER-IOV-004", "Invalid input parameter - identity/gender"),
        ("KER-IOV-004", "Invalid input parameter - identity/phone"),
    }
    time.sleep(0.3)
    assert mosip.issuances == [] and reg_id not in mosip.issued  # no credential, ever


def test_a_field_the_schema_requires_counts_only_if_the_process_lists_it(mosip):
    schema = mosip.id_schemas[0.1]
    schema["properties"]["identity"]["required"].append("postalCode")  # not in the list
    reg_id = "100019999999998"
    create_packet(mosip, reg_id, phone="0911111111")
    start_workflow(mosip, reg_id)
    deadline = time.monotonic() + 5
    while reg_id not in mosip.issued and time.monotonic() < deadline:
        time.sleep(0.02)
    assert reg_id in mosip.issued and reg_id not in mosip.rejections


@pytest.mark.parametrize(
    ("fields", "operations", "reason"),
    [
        ({"dateOfBirth": "1990/01/31"}, OFFICER, "MINOR/ADULT"),
        ({}, "[]", "no officerId or supervisorId"),
    ],
    ids=["adult", "no-officer"],
)
def test_the_crvs_new_route_takes_infants_with_an_officer(mosip, fields, operations, reason):
    reg_id = "100019999999997"
    body = copy.deepcopy(wire("put_commons_v1_packetmanager_createPacket")["request"]["body"])
    body["request"]["id"] = reg_id
    body["request"]["fields"].update(phone="0911111111", **fields)
    body["request"]["metaInfo"]["operationsData"] = operations
    requests.put(mosip.url + PACKET, json=body, cookies=cookies(mosip), timeout=5)
    start_workflow(mosip, reg_id)

    failed = rejection(mosip, reg_id)

    assert failed.stage == "crvs_new route" and reason in failed.errors[0][1]
    assert mosip.issuances == []


def test_a_date_of_birth_in_the_future_fails_at_uin_generation(mosip: MosipStandIn) -> None:
    reg_id = "100019999999996"
    create_packet(mosip, reg_id, "CRVS_DEATH", dateOfBirth="2099/01/01", phone="0911111111")
    start_workflow(mosip, reg_id)

    failed = rejection(mosip, reg_id)

    assert failed.stage == "UIN generation"
    assert failed.errors == [("KER-IOV-004", "Invalid input parameter - identity/dateOfBirth")]
