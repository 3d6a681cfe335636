"""The portal's IDA request crypto against the stand-in's, written separately from the spec:
each side checks the other (docs/protocols.md#nid-verification)."""

import base64
import hashlib
import json
from datetime import date

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from integration.clients.ida import Demographics, IdaClient
from integration.crypto.ida import (
    certificate_thumbprint,
    encrypt_auth_data,
    load_certificate,
    sign_detached,
)
from integration.crypto.keystore import load_pkcs12
from integration.models import IdaSettings
from mocks.ida_crypto import IdaError, decrypt_request, verify_signature
from mocks.paths import certs_dir

AUTH_DATA = b'{"demographics": {"dob": "2002/02/01"}}'


@pytest.fixture(scope="module")
def ida_cert() -> x509.Certificate:
    return load_certificate((certs_dir() / "ida-partner.crt").read_text())


@pytest.fixture(scope="module")
def ida_key() -> rsa.RSAPrivateKey:
    pem = (certs_dir() / "mock-only-private-key.pem").read_bytes()
    return serialization.load_pem_private_key(pem, None)


@pytest.fixture(scope="module")
def signer():
    return load_pkcs12((certs_dir() / "keystore.p12").read_bytes(), "mosip123")


def sealed_body(data: bytes, cert: x509.Certificate) -> dict:
    sealed = encrypt_auth_data(data, cert)
    return {
        "thumbprint": certificate_thumbprint(cert),
        "request": sealed.request,
        "requestSessionKey": sealed.request_session_key,
        "requestHMAC": sealed.request_hmac,
    }


def test_thumbprint_is_padded_base64url_of_the_der_sha256(ida_cert):
    der = ida_cert.public_bytes(serialization.Encoding.DER)
    expected = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).decode()
    assert certificate_thumbprint(ida_cert) == expected
    assert expected.endswith("=")


def test_the_stand_in_decrypts_what_the_portal_encrypts(ida_cert, ida_key):
    assert decrypt_request(sealed_body(AUTH_DATA, ida_cert), ida_key, ida_cert) == AUTH_DATA


def test_each_request_gets_a_fresh_key_and_nonce_appended_after_the_tag(ida_cert):
    first, second = sealed_body(AUTH_DATA, ida_cert), sealed_body(AUTH_DATA, ida_cert)
    assert first["request"] != second["request"]
    raw = base64.urlsafe_b64decode(first["request"])
    assert len(raw) == len(AUTH_DATA) + 16 + 16  # ciphertext, tag, 16-byte nonce
    hmac_raw = base64.urlsafe_b64decode(first["requestHMAC"])
    assert len(hmac_raw) == 64 + 16 + 16  # the uppercase hex SHA-256, tag, nonce


def test_a_changed_ciphertext_or_another_requests_hmac_is_refused(ida_cert, ida_key):
    body = sealed_body(AUTH_DATA, ida_cert)
    raw = bytearray(base64.urlsafe_b64decode(body["request"]))
    raw[0] ^= 1
    with pytest.raises(IdaError, match="IDA-MPA-003"):
        decrypt_request(
            {**body, "request": base64.urlsafe_b64encode(raw).decode()}, ida_key, ida_cert
        )
    other = sealed_body(b"{}", ida_cert)
    with pytest.raises(IdaError, match="IDA-MPA-003"):
        decrypt_request({**body, "requestHMAC": other["requestHMAC"]}, ida_key, ida_cert)


def test_the_detached_signature_verifies_and_names_the_signing_certificate(signer):
    key, cert = signer
    body = b'{"id": "mosip.identity.auth"}'
    signature = sign_detached(body, key, cert)
    header_b64, payload, _sig = signature.split(".")
    header = json.loads(base64.urlsafe_b64decode(header_b64 + "=="))
    assert payload == ""
    assert header["alg"] == "RS256"
    assert base64.b64decode(header["x5c"][0]) == cert.public_bytes(serialization.Encoding.DER)
    verify_signature(signature, body, cert)
    with pytest.raises(IdaError, match="IDA-MPA-001"):
        verify_signature(signature, body + b" ", cert)


def test_a_signature_by_another_key_is_refused(signer):
    _key, cert = signer
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(IdaError, match="IDA-MPA-001"):
        verify_signature(sign_detached(b"{}", stranger, cert), b"{}", cert)


def test_the_request_body_is_the_one_the_protocol_describes(ida_cert, ida_key, signer):
    config = IdaSettings(
        auth_url="http://ida.invalid/idauthentication/v1/auth",
        domain_uri="http://ida.invalid",
        partner_id="partner",
        misp_license_key="licence",
        partner_api_key="api-key",
        encryption_certificate=(certs_dir() / "ida-partner.crt").read_text(),
        signing_keystore=(certs_dir() / "keystore.p12").read_bytes(),
        signing_keystore_password="mosip123",
    )
    person = Demographics(date(2002, 2, 1), "Jenny", "Doe", "female")
    raw, signature, transaction_id = IdaClient(config).build_request("1234567891", person)
    body = json.loads(raw)

    assert set(body) == {
        "id", "version", "individualId", "individualIdType", "transactionID", "requestTime",
        "specVersion", "thumbprint", "domainUri", "env", "requestedAuth", "consentObtained",
        "request", "requestSessionKey", "requestHMAC",
    }  # fmt: skip
    assert body["transactionID"] == transaction_id and len(transaction_id) == 10
    assert transaction_id.isdigit()
    assert (body["id"], body["individualIdType"], body["env"]) == (
        "mosip.identity.auth",
        "UIN",
        "Staging",
    )
    assert body["requestedAuth"]["demo"] is False and body["consentObtained"] is True
    verify_signature(signature, raw, signer[1])
    auth_data = json.loads(decrypt_request(body, ida_key, ida_cert))
    assert auth_data["biometrics"] == [] and auth_data["otp"] == ""
    assert auth_data["demographics"] == {
        "dob": "2002/02/01",
        "name": [{"language": "eng", "value": "Jenny Doe"}],
        "gender": [{"language": "eng", "value": "female"}],
    }
