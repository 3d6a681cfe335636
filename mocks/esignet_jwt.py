"""RS256 JWTs and RSA JWKs for the stand-in E-Signet, from RFC 7515/7517/7518 with
``cryptography`` primitives only, independently of the portal's PyJWT use."""

from __future__ import annotations

import base64
import binascii
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .base import JSON


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _int_b64(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def public_jwk(key: rsa.RSAPublicKey, kid: str) -> JSON:
    numbers = key.public_numbers()
    return {
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "kid": kid,
        "n": _int_b64(numbers.n),
        "e": _int_b64(numbers.e),
    }


def public_key_from_jwk(jwk: JSON) -> rsa.RSAPublicKey:
    n = int.from_bytes(_b64url_decode(jwk["n"]), "big")
    e = int.from_bytes(_b64url_decode(jwk["e"]), "big")
    return rsa.RSAPublicNumbers(e, n).public_key()


def sign_jwt(claims: JSON, key: rsa.RSAPrivateKey, kid: str) -> str:
    header = {"alg": "RS256", "typ": "JWT", "kid": kid}
    signing_input = ".".join(
        _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64url(signature)}"


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
