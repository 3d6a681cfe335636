"""Credential decryption and the JCS proof variant (OpenCRVS's MOSIP mock) against the captured
wire fixtures. URDNA2015 proofs, as MOSIP signs them: tests/crypto/test_ld_proof.py."""

import base64
import copy
import json
import os
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from integration.crypto import (
    CredentialError,
    KeystoreError,
    ProofError,
    decrypt_credential,
    load_pkcs12,
    verification_method,
    verify_jcs_proof,
)
from tests.fixtures import fixture_path, load_json


@pytest.fixture(scope="module")
def keypair():
    return load_pkcs12(fixture_path("certs", "keystore.p12").read_bytes(), "mosip123")


@pytest.fixture(scope="module")
def credential_b64() -> str:
    return load_json("wire", "post_websub_callback.json")["request"]["body"]["event"]["data"][
        "credential"
    ]


@pytest.fixture
def vc() -> dict:
    return load_json("wire", "credential_decrypted.json")


@pytest.fixture(scope="module")
def public_pem():
    key = serialization.load_pem_private_key(
        fixture_path("certs", "mock-only-private-key.pem").read_bytes(), None
    )
    return key.public_key()


def other_public_pem():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def with_header(vc: dict, **changes: Any) -> dict:
    """Return a copy of vc whose proof.jws header has ``changes`` applied (signature kept)."""
    header_b64, _, signature = vc["proof"]["jws"].split(".")
    header = json.loads(base64.urlsafe_b64decode(header_b64 + "=" * (-len(header_b64) % 4)))
    header.update(changes)
    out = copy.deepcopy(vc)
    out["proof"]["jws"] = f"{b64url(json.dumps(header).encode())}..{signature}"
    return out


def encrypt(plain: bytes, cert: x509.Certificate, thumbprint: bytes = bytes(32)) -> str:
    """Build a credential the way MOSIP does, for edge cases
    (docs/protocols.md#credential-issued)."""
    aes_key, aad = os.urandom(32), os.urandom(32)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    wrapped = cert.public_key().encrypt(aes_key, oaep)
    body = aad + AESGCM(aes_key).encrypt(aad[:12], plain, aad)
    return base64.b64encode(b"VER_R2" + thumbprint + wrapped + b"#KEY_SPLITTER#" + body).decode()


# --- keystore -------------------------------------------------------------------------


def test_keystore_matches_certificate(keypair):
    key, cert = keypair
    pem = fixture_path("certs", "ida-partner.crt").read_bytes()
    assert cert == x509.load_pem_x509_certificate(pem)
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()


def test_keystore_wrong_password():
    with pytest.raises(KeystoreError):
        load_pkcs12(fixture_path("certs", "keystore.p12").read_bytes(), "wrong")


def test_keystore_garbage_file():
    with pytest.raises(KeystoreError):
        load_pkcs12(b"not a keystore", "mosip123")


# --- credential decryption ------------------------------------------------------------


def test_fixture_decrypts_to_expected_credential(keypair, credential_b64, vc):
    key, cert = keypair
    assert decrypt_credential(credential_b64, key, cert) == vc


def test_accepts_urlsafe_unpadded_base64(keypair, credential_b64, vc):
    raw = base64.b64decode(credential_b64)
    assert decrypt_credential(b64url(raw), keypair[0]) == vc


def test_tampered_ciphertext(keypair, credential_b64):
    raw = bytearray(base64.b64decode(credential_b64))
    raw[-20] ^= 0x01  # inside the GCM ciphertext
    with pytest.raises(CredentialError):
        decrypt_credential(base64.b64encode(bytes(raw)).decode(), keypair[0])


def test_wrong_private_key(credential_b64):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(CredentialError):
        decrypt_credential(credential_b64, other)


def test_thumbprint_of_another_certificate_is_refused(keypair, credential_b64):
    raw = bytearray(base64.b64decode(credential_b64))
    raw[6:38] = b"\x01" * 32  # a non-zero thumbprint that is not our certificate's
    with pytest.raises(CredentialError, match="different certificate"):
        decrypt_credential(base64.b64encode(bytes(raw)).decode(), *keypair)


def test_fixture_thumbprint_is_zero(credential_b64):
    # Documents what the fixture carries: VER_R2 then 32 zero bytes, i.e. "not stated".
    assert base64.b64decode(credential_b64)[:38] == b"VER_R2" + bytes(32)


def test_real_thumbprint_is_checked(keypair, vc):
    key, cert = keypair
    real = cert.fingerprint(hashes.SHA256())
    token = encrypt(json.dumps(vc).encode(), cert, thumbprint=real)
    assert decrypt_credential(token, key, cert) == vc


def test_json_string_inside_is_unwrapped(keypair, vc):
    key, cert = keypair
    token = encrypt(json.dumps(json.dumps(vc)).encode(), cert)
    assert decrypt_credential(token, key, cert) == vc


@pytest.mark.parametrize("plain", [b"not json", b"[1, 2]", b"\xff\xfe"])
def test_plaintext_not_a_json_object(keypair, plain):
    key, cert = keypair
    with pytest.raises(CredentialError):
        decrypt_credential(encrypt(plain, cert), key, cert)


@pytest.mark.parametrize("garbage", ["%% not base64 %%", "", base64.b64encode(b"x" * 64).decode()])
def test_garbage_input(keypair, garbage):
    with pytest.raises(CredentialError):
        decrypt_credential(garbage, keypair[0])


# --- proof verification ---------------------------------------------------------------


def test_fixture_proof_verifies(vc, public_pem):
    assert verification_method(vc) == "http://127.0.0.1:20240/.well-known/public-key.json"
    verify_jcs_proof(vc, public_pem)


def test_verification_method_missing(vc):
    del vc["proof"]["verificationMethod"]
    with pytest.raises(ProofError):
        verification_method(vc)


@pytest.mark.parametrize("field", ["VID", "birthCertificateNumber", "id"])
def test_tampered_subject(vc, public_pem, field):
    vc["credentialSubject"][field] += "0"
    with pytest.raises(ProofError):
        verify_jcs_proof(vc, public_pem)


def test_unknown_member_added(vc, public_pem):
    vc["credentialSubject"]["UIN"] = "123"
    with pytest.raises(ProofError):
        verify_jcs_proof(vc, public_pem)


def test_other_key(vc):
    with pytest.raises(ProofError):
        verify_jcs_proof(vc, other_public_pem())


@pytest.mark.parametrize("alg", ["none", "HS256", "PS512", "ES512"])
def test_algorithm_is_pinned(vc, public_pem, alg):
    with pytest.raises(ProofError, match="not allowed"):
        verify_jcs_proof(with_header(vc, alg=alg), public_pem)


def test_b64_true_refused(vc, public_pem):
    with pytest.raises(ProofError, match="b64=false"):
        verify_jcs_proof(with_header(vc, b64=True), public_pem)


def test_kid_mismatch(vc, public_pem):
    # The signature stays valid; only the declared key URL changes, so the kid check
    # is the sole thing that can refuse it.
    vc["proof"]["verificationMethod"] = "https://evil.example/key.json"
    with pytest.raises(ProofError, match="kid"):
        verify_jcs_proof(vc, public_pem)


def test_rs256_still_needs_a_valid_signature(vc, public_pem):
    # Allowing RS256 must not let a PS256 signature pass when relabelled as RS256.
    with pytest.raises(ProofError, match="does not match"):
        verify_jcs_proof(with_header(vc, alg="RS256"), public_pem)


def test_embedded_payload_refused(vc, public_pem):
    header, _, signature = vc["proof"]["jws"].split(".")
    vc["proof"]["jws"] = f"{header}.e30.{signature}"
    with pytest.raises(ProofError, match="detached"):
        verify_jcs_proof(vc, public_pem)
