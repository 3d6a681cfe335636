"""`POST /verify` over HTTP against the stand-in IDA, which decrypts and checks each request
(docs/protocols.md#nid-verification)."""

import json
import socket
from collections.abc import Iterator
from datetime import date

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import connection

from demo.verification import configure_demo
from integration.clients.ida import Demographics, IdaClient
from integration.models import IdaSettings, OpenCrvsSettings, VerificationRecord
from mocks.ida import IdaStandIn
from mocks.opencrvs import OpenCrvsStandIn

JENNY = {
    "nid": "1234567891",
    "dob": "2002-02-01",
    "name": {"firstname": "Jenny", "surname": "Doe"},
    "gender": "female",
    "transactionId": "tx-jenny-1",
}


@pytest.fixture(scope="module")
def opencrvs_server() -> Iterator[OpenCrvsStandIn]:
    with OpenCrvsStandIn() as server:
        yield server


@pytest.fixture(scope="module")
def ida() -> Iterator[IdaStandIn]:
    with IdaStandIn() as server:
        yield server


@pytest.fixture
def configured(db, opencrvs_server, ida) -> Iterator[None]:
    crvs = OpenCrvsSettings.load()
    crvs.public_key_url = f"{opencrvs_server.url}/.well-known"
    crvs.save()
    configure_demo(ida.url, "http://127.0.0.1:9")
    yield
    ida.controls.down = ida.answer_garbage = False


@pytest.fixture
def token(opencrvs_server) -> str:
    return opencrvs_server.mint_token()


def verify(client, body, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post("/verify", data=data, content_type="application/json", headers=headers)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_matching_person_is_verified(client, configured, token, ida):
    response = verify(client, JENNY, token)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"verified"
    sent = ida.authentications[-1]["authData"]["demographics"]
    assert sent == {
        "dob": "2002/02/01",
        "name": [{"language": "eng", "value": "Jenny Doe"}],
        "gender": [{"language": "eng", "value": "female"}],
    }
    record = VerificationRecord.objects.get()
    assert (record.kind, record.result, record.transaction_id) == ("ida", "verified", "tx-jenny-1")
    assert record.upstream_transaction_id == ida.authentications[-1]["body"]["transactionID"]


@pytest.mark.parametrize(
    ("change", "attribute"),
    [
        ({"name": {"firstname": "Jenny", "surname": "Smith"}}, "name"),
        ({"dob": "2002-02-02"}, "dob"),
        ({"gender": "male"}, "gender"),
    ],
)
def test_a_mismatch_fails_with_idas_reason_recorded(client, configured, token, change, attribute):
    response = verify(client, {**JENNY, **change}, token)

    assert (response.status_code, response.content) == (200, b"failed")
    record = VerificationRecord.objects.get()
    assert (record.result, record.error_code) == ("failed", "IDA-DEA-001")
    assert f"Demographic data {attribute}" in record.error_message


@pytest.mark.parametrize(
    "name",
    [
        {"firstname": "", "surname": "Doe"},
        {"firstname": "Jenny", "surname": ""},
        {"firstname": "Jenny", "middlename": None, "surname": " "},
    ],
)
def test_an_empty_name_part_is_taken_as_mosip_api_took_it_and_fails(
    client, configured, token, ida, name
):
    response = verify(client, {**JENNY, "name": name}, token)

    assert (response.status_code, response.content) == (200, b"failed")
    assert response["Content-Type"].startswith("text/plain")
    sent = ida.authentications[-1]["authData"]["demographics"]["name"][0]["value"]
    assert sent == (name["firstname"] or name["surname"]).strip()  # no stray spaces
    assert VerificationRecord.objects.get().result == "failed"


def test_no_name_at_all_fails_without_asking_ida(client, configured, token, ida):
    calls = len(ida.authentications)

    response = verify(client, {**JENNY, "name": {"firstname": "", "surname": ""}}, token)

    assert (response.status_code, response.content) == (200, b"failed")
    assert len(ida.authentications) == calls
    record = VerificationRecord.objects.get()
    assert (record.result, record.transaction_id) == ("failed", "tx-jenny-1")


@pytest.mark.parametrize(
    "body",
    [
        {k: v for k, v in JENNY.items() if k not in ("gender", "transactionId")},
        {**JENNY, "gender": None, "transactionId": None},
        {**JENNY, "gender": ""},
    ],
)
def test_gender_and_transaction_id_may_be_missing(client, configured, token, ida, body):
    response = verify(client, body, token)

    assert (response.status_code, response.content) == (200, b"verified")
    assert "gender" not in ida.authentications[-1]["authData"]["demographics"]


def test_an_unknown_nid_fails(client, configured, token):
    response = verify(client, {**JENNY, "nid": "9999999999"}, token)

    assert (response.status_code, response.content) == (200, b"failed")
    assert VerificationRecord.objects.get().error_code == "IDA-MLC-018"


def test_ida_down_is_a_502_with_a_clear_message(client, configured, token, ida):
    ida.controls.down = True
    response = verify(client, JENNY, token)

    assert response.status_code == 502
    assert "MOSIP IDA" in response.json()["detail"] and "503" in response.json()["detail"]
    record = VerificationRecord.objects.get()
    assert (record.result, record.http_status) == ("error", 503)


def test_ida_unreachable_is_a_502_that_does_not_reveal_the_partner_secrets(
    client, configured, token
):
    config = IdaSettings.load()
    config.auth_url = f"http://127.0.0.1:{closed_port()}/idauthentication/v1/auth"
    config.save()
    response = verify(client, JENNY, token)

    assert response.status_code == 502
    detail = response.json()["detail"]
    assert "could not connect" in detail
    assert config.partner_api_key not in detail and config.misp_license_key not in detail
    assert config.partner_api_key not in VerificationRecord.objects.get().error_message


def test_ida_answering_garbage_is_a_502(client, configured, token, ida):
    ida.answer_garbage = True
    response = verify(client, JENNY, token)

    assert response.status_code == 502
    assert "not its JSON" in response.json()["detail"]


def test_ida_refusing_the_portals_own_request_is_a_502_naming_the_error(client, configured, token):
    config = IdaSettings.load()
    config.partner_api_key = "revoked-key"
    config.save()
    response = verify(client, JENNY, token)

    assert response.status_code == 502
    assert "IDA-MPA-014" in response.json()["detail"]
    assert VerificationRecord.objects.get().error_code == "IDA-MPA-014"


def test_without_ida_settings_the_answer_is_503(client, db, opencrvs_server, token):
    crvs = OpenCrvsSettings.load()
    crvs.public_key_url = f"{opencrvs_server.url}/.well-known"
    crvs.save()
    response = verify(client, JENNY, token)

    assert response.status_code == 503
    assert "not configured" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({k: v for k, v in JENNY.items() if k != "nid"}, "nid"),
        ({**JENNY, "nid": "12 34"}, "nid"),
        ({**JENNY, "dob": "01/02/2002"}, "dob"),
        ({**JENNY, "name": {"firstname": "Jenny"}}, "name"),
        ({**JENNY, "name": "Jenny Doe"}, "name"),
    ],
)
def test_malformed_input_is_a_400_naming_the_field(client, configured, token, ida, body, field):
    calls = len(ida.authentications)
    response = verify(client, body, token)

    assert response.status_code == 400
    assert field in response.json()
    assert len(ida.authentications) == calls
    assert not VerificationRecord.objects.exists()


def test_a_body_that_is_not_json_is_a_400(client, configured, token):
    response = verify(client, "{nid: 1", token)

    assert response.status_code == 400


def test_a_missing_or_expired_or_foreign_token_is_a_401(client, configured, opencrvs_server, ida):
    calls = len(ida.authentications)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    foreign = jwt.encode(
        {"iss": "opencrvs:auth-service", "exp": 4102444800}, stranger, algorithm="RS256"
    )
    for token in (None, opencrvs_server.mint_token(expires_in=-60), foreign):
        response = verify(client, JENNY, token)
        assert response.status_code == 401, token
    assert len(ida.authentications) == calls


def test_records_hold_no_personal_data(client, configured, token):
    verify(client, JENNY, token)
    verify(client, {**JENNY, "dob": "2002-02-02"}, token)

    stored = json.dumps(list(VerificationRecord.objects.values()), default=str)
    for personal in ("1234567891", "Jenny", "Doe", "2002-02", "2002/02", "female"):
        assert personal not in stored


def test_staff_see_records_read_only_and_settings_without_secrets(admin_client, configured, token):
    verify(client=admin_client, body=JENNY, token=token)
    record = VerificationRecord.objects.get()

    listing = admin_client.get("/admin/integration/verificationrecord/")
    assert listing.status_code == 200 and b"tx-jenny-1" in listing.content
    detail = admin_client.get(f"/admin/integration/verificationrecord/{record.pk}/change/")
    assert detail.status_code == 200 and b'name="_save"' not in detail.content
    assert admin_client.get("/admin/integration/verificationrecord/add/").status_code == 403

    settings_page = admin_client.get("/admin/integration/idasettings/1/change/")
    assert settings_page.status_code == 200
    config = IdaSettings.load()
    for secret in (config.partner_api_key, config.misp_license_key, "mosip123"):
        assert secret.encode() not in settings_page.content


def test_the_stand_in_refuses_a_body_changed_after_signing_or_unsigned(configured, ida):
    """The stand-in is only a check on the portal if it is strict."""
    config = IdaSettings.load()
    person = Demographics(date(2002, 2, 1), "Jenny", "Doe", "female")
    body, signature, _tx = IdaClient(config).build_request("1234567891", person)
    parts = (config.auth_url, config.misp_license_key, config.partner_id, config.partner_api_key)
    url = "/".join(parts)

    for headers, data in (
        ({"Signature": signature}, body.replace(b"1234567891", b"1234567892")),
        ({}, body),
    ):
        answer = requests.post(url, data=data, headers=headers, timeout=5).json()
        assert answer["response"]["authStatus"] is False
        assert answer["errors"][0]["errorCode"] == "IDA-MPA-001"


def ida_form(config: IdaSettings, **changes) -> dict:
    """The IDA settings change form as the admin page posts it, secrets left blank."""
    form = {
        "auth_url": config.auth_url,
        "domain_uri": config.domain_uri,
        "env": config.env,
        "individual_id_type": config.individual_id_type,
        "partner_id": config.partner_id,
        "misp_license_key": "",
        "partner_api_key": "",
        "encryption_certificate": config.encryption_certificate,
        "signing_keystore_password": "",
    }
    return {**form, **changes}


def test_ida_secrets_are_write_only_and_encrypted_at_rest(admin_client, configured):
    config = IdaSettings.load()
    page = "/admin/integration/idasettings/1/change/"

    saved = admin_client.post(page, ida_form(config, partner_id="partner-2"))
    assert saved.status_code == 302
    kept = IdaSettings.load()
    assert (kept.partner_id, kept.partner_api_key) == ("partner-2", config.partner_api_key)
    with connection.cursor() as cursor:
        cursor.execute("SELECT partner_api_key, misp_license_key FROM integration_idasettings")
        stored = " ".join(cursor.fetchone())
    assert config.partner_api_key not in stored and config.misp_license_key not in stored

    wrong = admin_client.post(page, ida_form(config, signing_keystore_password="not-it"))
    assert wrong.status_code == 200 and b"wrong password" in wrong.content
    bad_cert = admin_client.post(page, ida_form(config, encryption_certificate="nope"))
    assert bad_cert.status_code == 200 and b"not a PEM" in bad_cert.content
    assert IdaSettings.load().signing_keystore_password == "mosip123"
