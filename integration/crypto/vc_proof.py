"""Verify the RsaSignature2018 proof on a MOSIP verifiable credential.

proof.jws is a detached RFC 7797 JWS (``<header>..<signature>``, b64=false) over the
RFC 8785 (JCS) canonical JSON of the credential without its ``proof`` member.
"""

from collections.abc import Collection
from typing import Any

import rfc8785
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

# MOSIP's credential service signs with PS256. Its key manager can also sign RS256,
# so callers may opt in via ``algorithms``, but nothing else is ever accepted.
DEFAULT_ALGORITHMS = ("PS256",)


class ProofError(ValueError):
    """The credential's proof is missing, malformed or does not verify."""


def _proof(credential: dict[str, Any]) -> dict[str, Any]:
    proof = credential.get("proof")
    if not isinstance(proof, dict):
        raise ProofError("credential has no proof")
    return proof


def verification_method(credential: dict[str, Any]) -> str:
    """Return proof.verificationMethod: the URL of the issuer's public key document."""
    method = _proof(credential).get("verificationMethod")
    if not isinstance(method, str) or not method:
        raise ProofError("proof has no verificationMethod")
    return method


def verify_proof(
    credential: dict[str, Any],
    public_key_pem: str,
    algorithms: Collection[str] = DEFAULT_ALGORITHMS,
) -> None:
    """Raise ProofError unless proof.jws is a valid signature of ``credential``."""
    method = verification_method(credential)
    token = _proof(credential).get("jws")
    # An embedded payload segment would be verified *instead of* the credential we
    # hold (joserfc prefers it), so insist on the detached form.
    if not isinstance(token, str) or token.count(".") != 2 or token.split(".")[1]:
        raise ProofError("proof.jws is not a detached JWS")
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    try:
        payload = rfc8785.dumps(unsigned)
        key = RSAKey.import_key(public_key_pem)
        obj = jws.extract_compact(token.encode(), payload)
    except (JoseError, ValueError, TypeError, rfc8785.CanonicalizationError) as exc:
        raise ProofError(f"cannot read proof: {exc}") from exc

    header = obj.headers()
    if header.get("alg") not in algorithms:
        raise ProofError(f"proof algorithm {header.get('alg')!r} is not allowed")
    # b64=false is what makes the raw JCS bytes the signing input (RFC 7797).
    if header.get("b64") is not False or header.get("crit") != ["b64"]:
        raise ProofError("proof header must be b64=false with crit=['b64']")
    # kid must name the key we were told to use, or a signature from one allowlisted
    # key could be passed off as another's.
    if header.get("kid") != method:
        raise ProofError("proof kid does not match verificationMethod")
    try:
        valid = jws.validate_compact(obj, key, algorithms=list(algorithms))
    except (JoseError, ValueError) as exc:
        raise ProofError(f"cannot verify proof: {exc}") from exc
    if not valid:
        raise ProofError("proof signature does not match the credential")
