"""JWS (RS256, PS256, RS512), JWE (RSA-OAEP-256 + A256GCM) and RSA JWKs for the stand-in
E-Signet, from RFC 7515/7516/7517/7518 with ``cryptography`` primitives only, independently
of the portal's JOSE library (joserfc)."""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import json
import os

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

from .base import JSON


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _int_b64(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def certificate_jwk(cert: x509.Certificate, kid: str, expires_at: int) -> JSON:
    """A JWKS entry as E-Signet lists one from a certificate: no ``alg``, no ``use``, with
    ``x5c``, ``x5t#S256`` and the certificate's expiry as ``exp``."""
    der = cert.public_bytes(serialization.Encoding.DER)
    numbers = cert.public_key().public_numbers()
    return {
        "kid": kid,
        "kty": "RSA",
        "exp": expires_at,
        "x5c": [base64.b64encode(der).decode("ascii")],
        "x5t#S256": _b64url(hashlib.sha256(der).digest()),
        "e": _int_b64(numbers.e),
        "n": _int_b64(numbers.n),
    }


def self_signed(key: rsa.RSAPrivateKey, name: str, days: int = 365) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )


def private_key_from_jwk(jwk: JSON) -> rsa.RSAPrivateKey:
    def number(name: str) -> int:
        return int.from_bytes(_b64url_decode(jwk[name]), "big")

    public = rsa.RSAPublicNumbers(number("e"), number("n"))
    return rsa.RSAPrivateNumbers(
        number("p"), number("q"), number("d"), number("dp"), number("dq"), number("qi"), public
    ).private_key()


_SIGNERS = {
    "RS256": (padding.PKCS1v15(), hashes.SHA256()),
    "RS512": (padding.PKCS1v15(), hashes.SHA512()),  # signed, but not allowed by the portal
    # JWA 3.5: MGF1 with the same hash, salt as long as the hash.
    "PS256": (padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256()),
}


def sign_jwt(claims: JSON, key: rsa.RSAPrivateKey, kid: str | None, *, alg: str = "RS256") -> str:
    header = {"alg": alg, "typ": "JWT", **({"kid": kid} if kid else {})}
    signing_input = ".".join(
        _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    pad, digest = _SIGNERS[alg]
    signature = key.sign(signing_input.encode("ascii"), pad, digest)
    return f"{signing_input}.{_b64url(signature)}"


def encrypt_jwe(plaintext: str, key: rsa.RSAPublicKey, kid: str | None) -> str:
    """A compact JWE as E-Signet and the mock identity system make one for the client."""
    header = {
        "alg": "RSA-OAEP-256",
        "enc": "A256GCM",
        "cty": "JWT",
        **({"kid": kid} if kid else {}),
    }
    protected = _b64url(json.dumps(header, separators=(",", ":")).encode())
    cek, iv = os.urandom(32), os.urandom(12)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    sealed = AESGCM(cek).encrypt(iv, plaintext.encode("ascii"), protected.encode("ascii"))
    ciphertext, tag = sealed[:-16], sealed[-16:]
    parts = (key.encrypt(cek, oaep), iv, ciphertext, tag)
    return ".".join([protected, *(_b64url(p) for p in parts)])


def unsigned_jwt(claims: JSON) -> str:
    """An `alg: none` token, as a careless or hostile server might send."""
    header = {"alg": "none", "typ": "JWT"}
    parts = (_b64url(json.dumps(p, separators=(",", ":")).encode()) for p in (header, claims))
    return ".".join(parts) + "."


def verify_jwt(token: str, key: rsa.RSAPublicKey) -> JSON:
    """The claims of an RS256 JWT signed by ``key``; ValueError otherwise (alg is pinned)."""
    try:
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(_b64url_decode(header_b64))
        claims = json.loads(_b64url_decode(claims_b64))
        signature = _b64url_decode(signature_b64)
    except (ValueError, binascii.Error) as exc:
        raise ValueError("not a compact JWS") from exc
    if not isinstance(header, dict) or header.get("alg") != "RS256":
        raise ValueError("algorithm must be RS256")
    try:
        key.verify(
            signature,
            f"{header_b64}.{claims_b64}".encode("ascii"),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature as exc:
        raise ValueError("signature does not verify") from exc
    if not isinstance(claims, dict):
        raise ValueError("claims must be an object")
    return claims
