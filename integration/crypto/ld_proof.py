"""Verify a JSON-LD credential proof as MOSIP's signers produce it
(docs/protocols.md#credential-issued).

MOSIP's credential service, IDA and Inji Certify sign with ld-signatures-java's URDNA2015
canonicalizer, and MOSIP's own verifier checks the same way:

    proof options = the proof without jws/proofValue, "@context": security v3
    document      = the credential without proof, with its own @context
    to-be-signed  = SHA-256(URDNA2015(options)) ‖ SHA-256(URDNA2015(document))   64 bytes

``RsaSignature2018``, ``Ed25519Signature2018`` and ``JsonWebSignature2020`` carry a detached
``b64: false`` JWS over those 64 bytes; ``Ed25519Signature2020`` carries
``proofValue = "z" + base58btc(signature)``. Signers that follow the Data Integrity
convention instead give the proof options the document's own ``@context``; that form is
tried when the first does not verify.

JSON-LD drops every term its contexts do not define, so such a term is not signed. The
result therefore includes the credential *as its signature covers it*: callers must read
claims from there, never from the JSON they received.
"""

import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519
from pyld.jsonld import _is_absolute_iri

from .ld_canon import CanonicalizationError, canonical_nquads, compact, expand
from .ld_contexts import ContextLoader
from .ld_keys import LdKeyError, PublicKey, multibase_decode
from .vc_proof import (
    JWS_ALGORITHMS,
    ProofError,
    detached_jws_valid,
    proof_of,
    verification_method,
)

SECURITY_V3 = "https://w3id.org/security/v3"  # ld-signatures-java's default proof context
PROOF_VALUE_TERMS = ("jws", "proofValue", "signatureValue")
# Each suite with the JWS algorithms it allows (None: a multibase proofValue, EdDSA).
SUITES: dict[str, tuple[str, ...] | None] = {
    "RsaSignature2018": ("PS256", "RS256"),
    "Ed25519Signature2018": ("EdDSA",),
    "JsonWebSignature2020": JWS_ALGORITHMS,
    "Ed25519Signature2020": None,
}


@dataclass(frozen=True)
class VerifiedCredential:
    suite: str
    method: str
    claims: dict[str, Any]  # the credential as the signature covers it, compacted


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _option_contexts(proof: dict[str, Any], document: dict[str, Any]) -> list[Any]:
    own = proof.get("@context")
    candidates = [[SECURITY_V3, *_as_list(own)], own] if own else [SECURITY_V3]
    if "@context" in document:
        candidates.append(document["@context"])
    unique: list[Any] = []
    for candidate in candidates:
        if candidate not in unique:
            unique.append(candidate)
    return unique


def _in_graph(iri: Any) -> bool:
    return isinstance(iri, str) and (iri.startswith("_:") or _is_absolute_iri(iri))


def signed_only(value: Any) -> Any:
    """The expanded document less what RDF leaves out, and so what no signature covers:
    a node whose @id is a relative IRI (with everything said about it), a reference to
    one, and relative @type values. (Terms the contexts do not define are gone already.)"""
    if isinstance(value, list):
        kept = (signed_only(item) for item in value)
        return [item for item in kept if item is not None]
    if not isinstance(value, dict) or "@value" in value:
        return value
    if "@id" in value and not _in_graph(value["@id"]):
        return None
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "@type":
            item = [t for t in item if _in_graph(t)]
        elif key != "@id":
            item = signed_only(item)
        if item != []:
            out[key] = item
    return out


def _digest(document: Any, loader: ContextLoader) -> bytes:
    return hashlib.sha256(canonical_nquads(document, loader).encode("utf-8")).digest()


def _signature_matches(suite: str, proof: dict[str, Any], key: PublicKey, tbs: bytes) -> bool:
    algorithms = SUITES[suite]
    if algorithms is None:
        value = proof.get("proofValue")
        if not isinstance(value, str):
            raise ProofError(f"{suite} proof has no proofValue")
        try:
            signature = multibase_decode(value)
        except LdKeyError as exc:
            raise ProofError(f"proofValue: {exc}") from exc
        # A bare Ed25519 signature, not a JWS: nothing for a JOSE library to do.
        if not isinstance(key, ed25519.Ed25519PublicKey):
            raise ProofError(f"{suite} does not fit the issuer's key")
        try:
            key.verify(signature, tbs)
        except InvalidSignature:
            return False
        return True
    valid, _header = detached_jws_valid(proof.get("jws"), tbs, key, algorithms)
    return valid


def verify_ld_proof(
    credential: dict[str, Any], key: PublicKey, loader: ContextLoader
) -> VerifiedCredential:
    """Raise ProofError unless the proof verifies with ``key``; return what it signs."""
    proof, method = proof_of(credential), verification_method(credential)
    suite = proof.get("type")
    if suite not in SUITES:
        raise ProofError(f"proof type {suite!r} is not supported ({', '.join(SUITES)})")
    document = {k: v for k, v in credential.items() if k != "proof"}
    try:
        expanded = expand(document, loader)
        document_digest = _digest(expanded, loader)
        for context in _option_contexts(proof, document):
            options = {k: v for k, v in proof.items() if k not in PROOF_VALUE_TERMS}
            options["@context"] = context
            if _signature_matches(suite, proof, key, _digest(options, loader) + document_digest):
                break
        else:
            raise ProofError("proof signature does not match the credential")
        claims = compact(signed_only(expanded), document.get("@context", {}), loader)
    except CanonicalizationError as exc:
        raise ProofError(str(exc)) from exc
    return VerifiedCredential(suite=suite, method=method, claims=claims)
