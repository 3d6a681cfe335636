"""MOSIP IDA's side of a demographic-auth request
(docs/protocols.md#nid-verification): check the detached
signature and decrypt the request, written from the protocol with ``cryptography``
primitives, independently of the portal's ``integration.crypto.ida``."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .base import JSON

NONCE_LEN = 16  # IDA's layout: ciphertext ‖ tag(16) ‖ nonce(16)
_OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


class IdaError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.entry = {"errorCode": code, "errorMessage": message}


def _b64decode(text: Any, field: str, *, urlsafe: bool = True) -> bytes:
    """Base64(url) with or without padding, as IDA's decoder takes it."""
    if not isinstance(text, str):
        raise IdaError("IDA-MLC-009", f"Invalid Input Parameter - {field}")
    try:
        padded = text + "=" * (-len(text) % 4)
        return base64.b64decode(padded, altchars=b"-_" if urlsafe else None, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise IdaError("IDA-MLC-009", f"Invalid Input Parameter - {field}") from exc


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def verify_signature(header: str, body: bytes, partner_cert: x509.Certificate) -> None:
    """Check ``header`` is ``protected..signature`` over ``body`` (RFC 7515 appendix F)."""
    parts = header.split(".")
    if len(parts) != 3 or parts[1] or not parts[0] or not parts[2]:
        raise IdaError("IDA-MPA-001", "Digital signature verification failed")
    try:
        protected = json.loads(_b64decode(parts[0], "Signature"))
        signature = _b64decode(parts[2], "Signature")
    except (IdaError, ValueError) as exc:
        raise IdaError("IDA-MPA-001", "Digital signature verification failed") from exc
    if not isinstance(protected, dict) or protected.get("alg") != "RS256":
        raise IdaError("IDA-MPA-001", "Digital signature verification failed")
    chain = protected.get("x5c")
    try:
        cert = x509.load_der_x509_certificate(_b64decode(chain[0], "x5c", urlsafe=False))
    except (IdaError, ValueError, TypeError, IndexError, KeyError) as exc:
        raise IdaError("IDA-MPA-002", "Invalid certificate in digital signature") from exc
    if cert != partner_cert:
        raise IdaError("IDA-MPA-002", "Invalid certificate in digital signature")
    public_key = cert.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    signing_input = parts[0].encode("ascii") + b"." + _b64url(body).encode("ascii")
    try:
        public_key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise IdaError("IDA-MPA-001", "Digital signature verification failed") from exc


def decrypt_request(body: JSON, key: rsa.RSAPrivateKey, cert: x509.Certificate) -> bytes:
    """The authData, after checking the thumbprint, the AES-GCM tags and requestHMAC."""
    der = cert.public_bytes(serialization.Encoding.DER)
    if _b64decode(body["thumbprint"], "thumbprint") != hashlib.sha256(der).digest():
        raise IdaError("IDA-MPA-003", "Unable to decrypt Request")
    try:
        session_key = key.decrypt(_b64decode(body["requestSessionKey"], "requestSessionKey"), _OAEP)
        aes = AESGCM(session_key)

        def unseal(field: str) -> bytes:
            sealed = _b64decode(body[field], field)
            return aes.decrypt(sealed[-NONCE_LEN:], sealed[:-NONCE_LEN], None)

        auth_data, request_hmac = unseal("request"), unseal("requestHMAC")
    except (ValueError, InvalidTag) as exc:
        raise IdaError("IDA-MPA-003", "Unable to decrypt Request") from exc
    expected = hashlib.sha256(auth_data).hexdigest().upper().encode("ascii")
    if not hmac.compare_digest(request_hmac, expected):
        raise IdaError("IDA-MPA-016", "HMAC Validation failed")
    return auth_data
