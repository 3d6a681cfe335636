"""Decrypt the credential MOSIP's credential service pushes in CREDENTIAL_ISSUED events.

Layout (docs/protocols.md#credential-issued), after base64 decoding:
    VER_R2 (6) | cert thumbprint (32) | RSA-OAEP(AES key) || #KEY_SPLITTER# || AAD (32) | GCM ct+tag
"""

import base64
import binascii
import hashlib
import json
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_SPLITTER = b"#KEY_SPLITTER#"
VERSION = b"VER_R2"
THUMBPRINT_LEN = 32
AAD_LEN = 32
NONCE_LEN = 12  # the GCM nonce is the first 12 bytes of the AAD
TAG_LEN = 16
_OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


class CredentialError(ValueError):
    """The credential could not be decoded, decrypted or parsed."""


class MalformedCredential(CredentialError):
    """Not MOSIP's encrypted layout, or not a credential once decrypted: whatever key we
    hold, this delivery cannot be read (unlike a key that does not fit)."""


def _b64decode(text: str) -> bytes:
    # MOSIP deployments differ: accept standard or url-safe alphabet, padded or not.
    s = "".join(text.split()).replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(s + "=" * (-len(s) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedCredential("credential is not valid base64") from exc


def certificate_thumbprint(certificate: x509.Certificate) -> bytes:
    """How MOSIP names the certificate it encrypted for: SHA-256 of its DER."""
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).digest()


def recipient_thumbprint(credential_b64: str) -> bytes | None:
    """The thumbprint of the certificate MOSIP encrypted the credential for; None when
    the credential does not say (all zeros) or is not MOSIP's layout."""
    try:
        key_part, sep, _data = _b64decode(credential_b64).partition(KEY_SPLITTER)
    except CredentialError:
        return None
    thumbprint = key_part[len(VERSION) : len(VERSION) + THUMBPRINT_LEN]
    if not sep or key_part[: len(VERSION)] != VERSION or len(thumbprint) != THUMBPRINT_LEN:
        return None
    return thumbprint if any(thumbprint) else None


def decrypt_credential(
    credential_b64: str, private_key: RSAPrivateKey, certificate: x509.Certificate | None = None
) -> dict[str, Any]:
    """Decrypt a MOSIP-encrypted credential and return the verifiable credential as a dict."""
    key_part, sep, data = _b64decode(credential_b64).partition(KEY_SPLITTER)
    if not sep:
        raise MalformedCredential("credential has no #KEY_SPLITTER#")
    header_len = len(VERSION) + THUMBPRINT_LEN
    if key_part[: len(VERSION)] != VERSION or len(key_part) <= header_len:
        raise MalformedCredential("credential key part is not VER_R2")
    if len(data) <= AAD_LEN + TAG_LEN:
        raise MalformedCredential("credential data part is too short")

    thumbprint = key_part[len(VERSION) : header_len]
    # The thumbprint is SHA-256 of the recipient certificate's DER, letting us reject a
    # credential meant for another partner with a clear message. The wire fixture leaves
    # it all zeros (VER_R2 then 32 zero bytes), meaning "not stated", so zeros skip it:
    # a wrong key still fails at OAEP, and the GCM tag authenticates the payload.
    if certificate is not None and any(thumbprint):
        if thumbprint != certificate_thumbprint(certificate):
            raise CredentialError("credential was encrypted for a different certificate")

    try:
        aes_key = private_key.decrypt(key_part[header_len:], _OAEP)
        aad = data[:AAD_LEN]
        plain = AESGCM(aes_key).decrypt(aad[:NONCE_LEN], data[AAD_LEN:], aad)
    except (ValueError, InvalidTag) as exc:  # ValueError: OAEP failure or bad AES key size
        raise CredentialError("cannot decrypt credential: wrong key or tampered data") from exc

    try:
        vc = json.loads(plain)
        # Some producers JSON-encode the credential twice (a JSON string holding JSON).
        if isinstance(vc, str):
            vc = json.loads(vc)
    except ValueError as exc:  # includes JSONDecodeError and UnicodeDecodeError
        raise MalformedCredential("decrypted credential is not JSON") from exc
    if not isinstance(vc, dict):
        raise MalformedCredential("decrypted credential is not a JSON object")
    return vc
