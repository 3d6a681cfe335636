"""Credential signing and encryption as MOSIP's credential service does it
(docs/protocols.md#credential-issued).

Written from the protocol description with ``cryptography`` primitives and plain pyld,
deliberately independent of the portal's ``integration.crypto`` so that each side checks
the other.
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

import base58
import rfc8785
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pyld import jsonld

VERSION = b"VER_R2"
KEY_SPLITTER = b"#KEY_SPLITTER#"
PSS_SALT_LENGTH = 32  # MOSIP's keymanager signs PS256 with a 32-byte salt
SECURITY_V3 = "https://w3id.org/security/v3"  # ld-signatures-java's proof-options context


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def load_private_key(path: str | Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError(f"{path}: expected an RSA private key")
    return key


def load_certificate(path: str | Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(Path(path).read_bytes())


def public_key_pem(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def _canonical_hash(document: dict[str, Any], load_document) -> bytes:
    def loader(url: str, options: Any = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": load_document(url)}

    nquads = jsonld.normalize(
        document,
        {
            "algorithm": "URDNA2015",
            "base": None,
            "format": "application/n-quads",
            "documentLoader": loader,
        },
    )
    return hashlib.sha256(nquads.encode()).digest()


def _sign_jws(data: bytes, key: rsa.RSAPrivateKey, algorithm: str, kid: str | None) -> str:
    header: dict[str, Any] = {"b64": False, "crit": ["b64"], "alg": algorithm}
    if kid:
        header["kid"] = kid
    encoded_header = b64url(json.dumps(header, separators=(",", ":")).encode())
    pad = (
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=PSS_SALT_LENGTH)
        if algorithm == "PS256"
        else padding.PKCS1v15()
    )
    signature = key.sign(encoded_header.encode("ascii") + b"." + data, pad, hashes.SHA256())
    return f"{encoded_header}..{b64url(signature)}"


def sign_ld_credential(
    credential: dict[str, Any],
    key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey,
    verification_method: str,
    created: str,
    load_document,
    *,
    algorithm: str = "PS256",
    proof_purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """Return a copy of ``credential`` signed as ld-signatures-java's URDNA2015 canonicalizer
    and MOSIP's keymanager do: RsaSignature2018 (detached ``b64: false`` JWS, PS256 or
    RS256) for an RSA key, Ed25519Signature2020 (``proofValue`` z-base58btc) for Ed25519.

    The keymanager's ``kid`` is its own key id, not the verification method.
    """
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    suite = (
        "Ed25519Signature2020"
        if isinstance(key, ed25519.Ed25519PrivateKey)
        else ("RsaSignature2018")
    )
    proof: dict[str, Any] = {
        "type": suite,
        "created": created,
        "proofPurpose": proof_purpose,
        "verificationMethod": verification_method,
    }
    tbs = _canonical_hash({**proof, "@context": SECURITY_V3}, load_document) + _canonical_hash(
        unsigned, load_document
    )
    if isinstance(key, ed25519.Ed25519PrivateKey):
        proof["proofValue"] = "z" + base58.b58encode(key.sign(tbs)).decode("ascii")
    else:
        kid = b64url(hashlib.sha256(public_key_pem(key).encode()).digest())
        proof["jws"] = _sign_jws(tbs, key, algorithm, kid)
    return {**unsigned, "proof": proof}


def sign_credential(
    credential: dict[str, Any], key: rsa.RSAPrivateKey, verification_method: str, created: str
) -> dict[str, Any]:
    """OpenCRVS's MOSIP mock: an RsaSignature2018 proof (detached PS256 JWS) over JCS.

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
