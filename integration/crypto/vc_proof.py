"""What every credential proof check shares: the proof object, its verification method,
detached RFC 7797 JWS verification with pinned algorithms (by joserfc), and the JCS variant.

The JCS variant (``verify_jcs_proof``) is what OpenCRVS's MOSIP mock signs: a detached JWS
over the RFC 8785 canonical JSON of the credential without ``proof``. Real MOSIP signs
JSON-LD (``ld_proof``); the JCS variant is a setting, off by default.
"""

import sys
import warnings
from collections.abc import Collection
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc import jws
from joserfc.errors import (
    InvalidKeyCurveError,
    InvalidKeyTypeError,
    JoseError,
    MissingCritHeaderError,
    SecurityWarning,
)
from joserfc.jwk import ECKey, Key, OKPKey, RSAKey

from .ld_keys import PublicKey

# Pinned: each only with its own key type. MOSIP's credential service signs PS256, other
# MOSIP issuers RS256; EdDSA, ES256 and ES256K are what JsonWebSignature2020 issuers use
# (MOSIP's own verifier accepts the same five).
JWS_ALGORITHMS = ("PS256", "RS256", "EdDSA", "ES256", "ES256K")
# RFC 9864 deprecates "EdDSA" in favour of "Ed25519", and joserfc warns on every use;
# the issuers above still write "EdDSA", which is the same Ed25519 signature.
warnings.filterwarnings("ignore", message="EdDSA is deprecated", category=SecurityWarning)


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


class _DetachedRegistry(jws.JWSRegistry):
    # The payload is the canonical form we computed ourselves, not part of the token, so
    # joserfc's cap on a token's payload (128 kB) must not refuse a large credential (a
    # photo inside). Headers that carry a certificate chain (x5c) exceed its 512 bytes.
    max_payload_length = sys.maxsize
    max_header_length = 16_384


def _jwk(key: PublicKey) -> Key:
    if isinstance(key, rsa.RSAPublicKey):
        return RSAKey.import_key(key)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return ECKey.import_key(key)
    return OKPKey.import_key(key)


def detached_jws_valid(
    token: Any,
    payload: bytes,
    key: PublicKey,
    algorithms: Collection[str] = JWS_ALGORITHMS,
) -> tuple[bool, dict[str, Any]]:
    """Check a detached, unencoded-payload JWS (RFC 7797, ``b64: false``) over ``payload``.
    Returns whether it verifies, and its header; raises ProofError when the token is not
    such a JWS, names an algorithm not in ``algorithms``, or one that does not fit ``key``."""
    # An embedded payload segment would be verified *instead of* what we hold (joserfc
    # takes the token's own payload when it has one).
    if not isinstance(token, str) or token.count(".") != 2 or token.split(".")[1]:
        raise ProofError("proof.jws is not a detached JWS")
    # Extra header members are allowed, as the signers' libraries allow them.
    registry = _DetachedRegistry(algorithms=list(algorithms), strict_check_header=False)
    try:
        signed = jws.extract_compact(token.encode("ascii"), payload=payload, registry=registry)
    except MissingCritHeaderError as exc:
        raise ProofError("proof header must be b64=false with crit=['b64']") from exc
    except (JoseError, UnicodeEncodeError) as exc:
        raise ProofError(f"proof.jws is not a JWS: {exc}") from exc
    header = signed.headers()
    algorithm = header.get("alg")
    if algorithm not in algorithms:
        raise ProofError(f"proof algorithm {algorithm!r} is not allowed")
    # b64=false is what makes the raw bytes the signing input (RFC 7797); crit must name
    # it, and nothing we do not understand.
    if header.get("b64") is not False or header.get("crit") != ["b64"]:
        raise ProofError("proof header must be b64=false with crit=['b64']")
    try:
        return jws.validate_compact(signed, _jwk(key), registry=registry), header
    except (InvalidKeyTypeError, InvalidKeyCurveError) as exc:
        raise ProofError(f"algorithm {algorithm} does not fit the issuer's key") from exc
    except JoseError as exc:
        raise ProofError(f"proof.jws is not a valid JWS: {exc}") from exc


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
