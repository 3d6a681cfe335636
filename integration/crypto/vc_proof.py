"""What every credential proof check shares: the proof object, its verification method,
detached RFC 7797 JWS verification with pinned algorithms, and the JCS variant.

The JCS variant (``verify_jcs_proof``) is what OpenCRVS's MOSIP mock signs: a detached JWS
over the RFC 8785 canonical JSON of the credential without ``proof``. Real MOSIP signs
JSON-LD (``ld_proof``); the JCS variant is a setting, off by default.
"""

import base64
import binascii
import json
from collections.abc import Collection
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from .ld_keys import PublicKey

# Pinned: each only with its own key type. MOSIP's credential service signs PS256, other
# MOSIP issuers RS256; EdDSA, ES256 and ES256K are what JsonWebSignature2020 issuers use
# (MOSIP's own verifier accepts the same five).
JWS_ALGORITHMS = ("PS256", "RS256", "EdDSA", "ES256", "ES256K")
_CURVES = {"ES256": ec.SECP256R1, "ES256K": ec.SECP256K1}
PSS_SALT_LENGTH = 32  # RFC 7518 §3.5: the salt is as long as the hash


class ProofError(ValueError):
    """The credential's proof is missing, malformed or does not verify."""


def proof_of(credential: dict[str, Any]) -> dict[str, Any]:
    proof = credential.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if isinstance(proof, list):
        raise ProofError("credential has more than one proof")
    if not isinstance(proof, dict):
        raise ProofError("credential has no proof")
    return proof


def verification_method(credential: dict[str, Any]) -> str:
    """Return proof.verificationMethod: the URL or DID URL of the issuer's public key."""
    method = proof_of(credential).get("verificationMethod")
    if isinstance(method, dict):  # an embedded method object carries its id
        method = method.get("id")
    if not isinstance(method, str) or not method:
        raise ProofError("proof has no verificationMethod")
    return method


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ProofError("proof.jws is not base64url") from exc


def signature_valid(key: PublicKey, algorithm: str, data: bytes, signature: bytes) -> bool:
    """Check one signature; raises ProofError when ``algorithm`` does not fit ``key``."""
    try:
        if algorithm in ("PS256", "RS256") and isinstance(key, rsa.RSAPublicKey):
            pad = (
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=PSS_SALT_LENGTH)
                if algorithm == "PS256"
                else padding.PKCS1v15()
            )
            key.verify(signature, data, pad, hashes.SHA256())
        elif algorithm == "EdDSA" and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        elif (
            algorithm in _CURVES
            and isinstance(key, ec.EllipticCurvePublicKey)
            and isinstance(key.curve, _CURVES[algorithm])
        ):
            if len(signature) != 64:
                return False
            r, s = int.from_bytes(signature[:32]), int.from_bytes(signature[32:])
            key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
        else:
            raise ProofError(f"algorithm {algorithm} does not fit the issuer's key")
    except InvalidSignature:
        return False
    return True


def detached_jws_valid(
    token: Any,
    payload: bytes,
    key: PublicKey,
    algorithms: Collection[str] = JWS_ALGORITHMS,
) -> tuple[bool, dict[str, Any]]:
    """Check a detached, unencoded-payload JWS (RFC 7797, ``b64: false``) over ``payload``.
    Returns whether it verifies, and its header."""
    # An embedded payload segment would be verified *instead of* what we hold.
    if not isinstance(token, str) or token.count(".") != 2 or token.split(".")[1]:
        raise ProofError("proof.jws is not a detached JWS")
    encoded_header, _, encoded_signature = token.split(".")
    try:
        header = json.loads(b64url_decode(encoded_header))
    except ValueError as exc:
        raise ProofError("proof.jws header is not JSON") from exc
    if not isinstance(header, dict):
        raise ProofError("proof.jws header is not a JSON object")
    algorithm = header.get("alg")
    if algorithm not in algorithms:
        raise ProofError(f"proof algorithm {algorithm!r} is not allowed")
    # b64=false is what makes the raw bytes the signing input (RFC 7797); crit must name
    # it, and nothing we do not understand.
    if header.get("b64") is not False or header.get("crit") != ["b64"]:
        raise ProofError("proof header must be b64=false with crit=['b64']")
    data = encoded_header.encode("ascii") + b"." + payload
    return signature_valid(key, algorithm, data, b64url_decode(encoded_signature)), header


def verify_jcs_proof(credential: dict[str, Any], key: PublicKey) -> None:
    """OpenCRVS's MOSIP mock: proof.jws over the JCS of the credential without ``proof``."""
    method = verification_method(credential)
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    try:
        payload = rfc8785.dumps(unsigned)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise ProofError(f"cannot canonicalize the credential: {exc}") from exc
    valid, header = detached_jws_valid(proof_of(credential).get("jws"), payload, key)
    # Here the proof object itself is not signed, so kid (in the signed header) is what
    # binds the signature to the method the key was looked up by.
    if header.get("kid") != method:
        raise ProofError("proof kid does not match verificationMethod")
    if not valid:
        raise ProofError("proof signature does not match the credential")
