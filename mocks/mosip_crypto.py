"""Credential signing and encryption as MOSIP's credential service does it (PROTOCOLS.md §5).

Written from the protocol description with ``cryptography`` primitives only, deliberately
independent of the portal's ``integration.crypto`` so that each side checks the other.
Checked against ``fixtures/wire/post_websub_callback.json``: the GCM nonce is the first 12
bytes of the 32-byte AAD, and the *whole* 32-byte AAD is the associated data.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import rfc8785
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = b"VER_R2"
KEY_SPLITTER = b"#KEY_SPLITTER#"
PSS_SALT_LENGTH = 32  # MOSIP's keymanager signs PS256 with a 32-byte salt


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def load_private_key(path: str | Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError(f"{path}: expected an RSA private key")
    return key


def load_certificate(path: str | Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(Path(path).read_bytes())


def public_key_pem(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def sign_credential(
    credential: dict[str, Any], key: rsa.RSAPrivateKey, verification_method: str, created: str
) -> dict[str, Any]:
    """Return a copy of ``credential`` with an RsaSignature2018 proof (detached PS256 JWS).

    The JWS uses ``b64: false`` (RFC 7797): the signing input is the ASCII of the encoded
    header, a dot, then the raw RFC 8785 canonical JSON of the credential without ``proof``.
    """
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    header = {"alg": "PS256", "b64": False, "crit": ["b64"], "kid": verification_method}
    encoded_header = b64url(json.dumps(header, separators=(",", ":")).encode())
    signing_input = encoded_header.encode("ascii") + b"." + rfc8785.dumps(unsigned)
    signature = key.sign(
        signing_input,
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=PSS_SALT_LENGTH),
        hashes.SHA256(),
    )
    proof = {
        "type": "RsaSignature2018",
        "created": created,
        "proofPurpose": "assertionMethod",
        "verificationMethod": verification_method,
        "jws": f"{encoded_header}..{b64url(signature)}",
    }
    return {**unsigned, "proof": proof}


def certificate_thumbprint(cert: x509.Certificate) -> bytes:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest()


def encrypt_for_partner(
    plaintext: bytes, cert: x509.Certificate, *, zero_thumbprint: bool = False
) -> str:
    """Encrypt for the partner holding ``cert``'s private key; returns standard base64.

    Layout: ``VER_R2`` + thumbprint(32) + RSA-OAEP-SHA256(aes key) + ``#KEY_SPLITTER#`` +
    aad(32, first 12 bytes = nonce) + AES-256-GCM(ciphertext + tag, associated data = aad).
    Real MOSIP writes the SHA-256 of the certificate's DER as thumbprint; the reference
    Node mock (the fixture) writes 32 zero bytes — ``zero_thumbprint`` reproduces that.
    """
    public_key = cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise TypeError("partner certificate must hold an RSA key")
    aes_key = AESGCM.generate_key(bit_length=256)
    wrapped = public_key.encrypt(
        aes_key,
        padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
    )
    thumbprint = bytes(32) if zero_thumbprint else certificate_thumbprint(cert)
    aad = os.urandom(32)
    sealed = AESGCM(aes_key).encrypt(aad[:12], plaintext, aad)
    blob = VERSION + thumbprint + wrapped + KEY_SPLITTER + aad + sealed
    return base64.b64encode(blob).decode("ascii")
