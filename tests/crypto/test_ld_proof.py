"""URDNA2015 credential proofs as MOSIP's signers produce them
(docs/protocols.md#credential-issued).

Credentials are signed by the MOSIP stand-in's signer (mocks/mosip_crypto.py), written
independently of integration.crypto with plain pyld, in the shape MOSIP's credential
service gives them.
"""

import base64
import copy
import hashlib
import json
from typing import Any

import base58
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from joserfc.jwk import RSAKey
from pyld import jsonld

from integration.crypto import ProofError, verify_ld_proof
from integration.crypto.ld_canon import canonical_nquads
from integration.crypto.ld_contexts import BUNDLED, ContextLoader, ContextUnavailable, bundled
from integration.crypto.ld_keys import key_for_method, key_from_did, method_ids
from mocks import mosip_crypto, mosip_issuer

BASE = "https://mosip.example"
CONTEXT_URL = f"{BASE}/.well-known/mosip-context.json"
KEY_URL = f"{BASE}/.well-known/public-key.json"
ED_KEY_URL = f"{BASE}/.well-known/ed25519-key.json"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ED_KEY = ed25519.Ed25519PrivateKey.generate()


def contexts(defines_vid: bool = True) -> dict[str, Any]:
    return {CONTEXT_URL: mosip_issuer.mosip_context(BASE, defines_vid=defines_vid)}


def load_for_signer(defines_vid: bool = True):
    mine = contexts(defines_vid)
    return lambda url: mine.get(url) or bundled(url)


def unsigned(vid: str = "2555480504") -> dict[str, Any]:
    subject = mosip_issuer.credential_subject(
        "100016232770034", "CRVS_NEW", {"birthCertificateNumber": "2026B1"}, vid
    )
    return mosip_issuer.unsigned_credential(BASE, subject)


def signed(key: Any = RSA_KEY, algorithm: str = "PS256", **options: Any) -> dict[str, Any]:
    method = ED_KEY_URL if isinstance(key, ed25519.Ed25519PrivateKey) else KEY_URL
    credential = options.pop("credential", None) or unsigned()
    return mosip_crypto.sign_ld_credential(
        credential,
        key,
        method,
        "2026-11-30T10:00:00.000Z",
        load_for_signer(options.pop("defines_vid", True)),
        algorithm=algorithm,
        **options,
    )


def rsa_public(key: rsa.RSAPrivateKey = RSA_KEY):
    return key.public_key()


def loader(defines_vid: bool = True) -> ContextLoader:
    return ContextLoader(contexts(defines_vid))


@pytest.mark.parametrize(
    ("key", "algorithm", "suite"),
    [
        (RSA_KEY, "PS256", "RsaSignature2018"),
        (RSA_KEY, "RS256", "RsaSignature2018"),
        (ED_KEY, "EdDSA", "Ed25519Signature2020"),
    ],
)
def test_mosip_signed_credentials_verify(key, algorithm, suite):
    credential = signed(key, algorithm)
    result = verify_ld_proof(credential, key.public_key(), loader())
    assert result.suite == suite
    subject = result.claims["credentialSubject"]
    assert subject["VID"] == "2555480504"
    assert subject["id"] == "http://credential.idrepo/credentials/100016232770034"
    assert result.claims["issuer"] == f"{BASE}/.well-known/controller.json"


@pytest.mark.parametrize("key", [RSA_KEY, ED_KEY], ids=["rsa", "ed25519"])
@pytest.mark.parametrize(
    "tamper",
    [
        lambda vc: vc["credentialSubject"].update(VID="9999999999"),
        lambda vc: vc["credentialSubject"].update(birthCertificateNumber="2026B2"),
        lambda vc: vc["credentialSubject"].update(id="http://credential.idrepo/credentials/1"),
        lambda vc: vc.update(issuer="https://evil.example/controller.json"),
        lambda vc: vc.update(issuanceDate="2020-01-01T00:00:00.000Z"),
        lambda vc: vc["proof"].update(created="2020-01-01T00:00:00.000Z"),
        lambda vc: vc["proof"].update(proofPurpose="authentication"),
        lambda vc: vc["@context"].append({"VID": "https://evil.example#VID"}),
    ],
    ids=["vid", "number", "subject", "issuer", "issued", "created", "purpose", "context"],
)
def test_tampering_with_a_signed_claim_the_issuer_or_the_proof_fails(key, tamper):
    credential = signed(key, "PS256")
    tamper(credential)
    with pytest.raises(ProofError, match="does not match"):
        verify_ld_proof(credential, key.public_key(), loader())


def test_a_damaged_signature_fails():
    credential = signed()
    header, _, signature = credential["proof"]["jws"].split(".")
    flipped = bytearray(base64.urlsafe_b64decode(signature + "=="))
    flipped[10] ^= 1
    encoded = base64.urlsafe_b64encode(bytes(flipped)).rstrip(b"=").decode()
    credential["proof"]["jws"] = f"{header}..{encoded}"
    with pytest.raises(ProofError, match="does not match"):
        verify_ld_proof(credential, rsa_public(), loader())


def test_another_key_fails():
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(ProofError, match="does not match"):
        verify_ld_proof(signed(), other.public_key(), loader())


def test_an_extra_unsigned_claim_is_ignored():
    credential = signed()
    credential["credentialSubject"]["nickname"] = "added after signing"
    credential["unsignedTopLevel"] = {"anything": 1}
    result = verify_ld_proof(credential, rsa_public(), loader())
    assert "nickname" not in result.claims["credentialSubject"]
    assert "unsignedTopLevel" not in result.claims


def test_a_vid_outside_the_signed_graph_is_not_a_signed_claim():
    # MOSIP's older mosip-context.json did not define VID: JSON-LD drops it, the
    # signature verifies without it, and it must not be trusted.
    credential = signed(defines_vid=False)
    result = verify_ld_proof(credential, rsa_public(), loader(defines_vid=False))
    assert credential["credentialSubject"]["VID"] == "2555480504"
    assert "VID" not in result.claims["credentialSubject"]
    credential["credentialSubject"]["VID"] = "1111111111"  # changing it breaks nothing
    verify_ld_proof(credential, rsa_public(), loader(defines_vid=False))


def test_the_keymanager_kid_is_not_the_verification_method():
    credential = signed()
    header = json.loads(base64.urlsafe_b64decode(credential["proof"]["jws"].split(".")[0] + "=="))
    assert header["kid"] != credential["proof"]["verificationMethod"]
    verify_ld_proof(credential, rsa_public(), loader())


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def with_header(credential: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(credential)
    header, _, signature = out["proof"]["jws"].split(".")
    values = json.loads(base64.urlsafe_b64decode(header + "=="))
    values.update(changes)
    out["proof"]["jws"] = f"{b64url(json.dumps(values).encode())}..{signature}"
    return out


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"alg": "none"}, "not allowed"),
        ({"alg": "HS256"}, "not allowed"),
        ({"alg": "EdDSA"}, "not allowed"),  # not for RsaSignature2018
        ({"b64": True}, "b64=false"),
        ({"crit": ["b64", "exp"]}, "b64=false"),
    ],
)
def test_the_jws_header_is_pinned(changes, message):
    with pytest.raises(ProofError, match=message):
        verify_ld_proof(with_header(signed(), **changes), rsa_public(), loader())


def test_an_embedded_payload_is_refused():
    credential = signed()
    header, _, signature = credential["proof"]["jws"].split(".")
    credential["proof"]["jws"] = f"{header}.e30.{signature}"
    with pytest.raises(ProofError, match="detached"):
        verify_ld_proof(credential, rsa_public(), loader())


def test_an_algorithm_that_does_not_fit_the_key_is_refused():
    credential = signed()
    credential["proof"]["type"] = "JsonWebSignature2020"
    with pytest.raises(ProofError):
        verify_ld_proof(with_header(credential, alg="EdDSA"), rsa_public(), loader())


def test_unknown_suites_and_missing_proofs_are_refused():
    credential = signed()
    credential["proof"]["type"] = "BbsBlsSignature2020"
    with pytest.raises(ProofError, match="not supported"):
        verify_ld_proof(credential, rsa_public(), loader())
    del credential["proof"]
    with pytest.raises(ProofError, match="no proof"):
        verify_ld_proof(credential, rsa_public(), loader())


def test_a_context_that_is_not_available_is_not_fetched():
    credential = signed()
    with pytest.raises(ContextUnavailable, match="not allowlisted"):
        verify_ld_proof(credential, rsa_public(), ContextLoader())
    fetched: list[str] = []

    def fetch(url: str) -> dict[str, Any]:
        fetched.append(url)
        return contexts()[url]

    allowed = ContextLoader(fetch=fetch, allowed=[CONTEXT_URL])
    verify_ld_proof(credential, rsa_public(), allowed)
    verify_ld_proof(credential, rsa_public(), allowed)
    assert fetched == [CONTEXT_URL]  # once, then kept


# --- forms MOSIP's software may produce ------------------------------------------------


def test_a_single_string_context_and_embedded_subject_terms():
    credential = {
        "@context": "https://www.w3.org/2018/credentials/v1",
        "type": ["VerifiableCredential"],
        "issuer": f"{BASE}/issuer",
        "issuanceDate": "2026-11-30T10:00:00Z",
        "credentialSubject": {"id": "did:example:123"},
    }
    result = verify_ld_proof(signed(credential=credential), rsa_public(), loader())
    # A subject with only an id compacts to the id (services.credential.subject_of reads it)
    assert result.claims["credentialSubject"] == "did:example:123"


def test_data_integrity_signers_that_use_the_document_context_for_the_proof():
    # Signers following the Data Integrity convention canonicalize the proof options
    # with the credential's own @context instead of security v3.
    credential = unsigned()
    proof = {
        "type": "Ed25519Signature2020",
        "created": "2026-11-30T10:00:00Z",
        "proofPurpose": "assertionMethod",
        "verificationMethod": ED_KEY_URL,
    }
    load = load_for_signer()
    digest = lambda doc: hashlib.sha256(  # noqa: E731
        jsonld.normalize(
            doc,
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "base": None,
                "documentLoader": lambda url, options=None: {
                    "contextUrl": None,
                    "documentUrl": url,
                    "document": load(url),
                },
            },
        ).encode()
    ).digest()
    context = credential["@context"] + ["https://w3id.org/security/suites/ed25519-2020/v1"]
    credential["@context"] = context
    tbs = digest({**proof, "@context": context}) + digest(credential)
    proof["proofValue"] = "z" + base58.b58encode(ED_KEY.sign(tbs)).decode()
    verify_ld_proof({**credential, "proof": proof}, ED_KEY.public_key(), loader())


def test_our_canonicalization_equals_plain_pyld():
    # ld_canon keeps pyld's processed contexts between calls; the output must not change.
    documents = [
        {k: v for k, v in signed().items() if k != "proof"},
        {
            **{k: v for k, v in signed()["proof"].items() if k != "jws"},
            "@context": "https://w3id.org/security/v3",
        },
        {k: v for k, v in signed(ED_KEY)["proof"].items() if k != "proofValue"}
        | {"@context": "https://w3id.org/security/v3"},
        {
            "@context": "https://www.w3.org/ns/did/v1",
            "id": "did:example:1",
            "verificationMethod": [
                {"id": "did:example:1#k", "type": "JsonWebKey2020", "controller": "did:example:1"}
            ],
        },
        {
            "@context": ["https://www.w3.org/2018/credentials/v1", CONTEXT_URL],
            "type": "VerifiableCredential",
            "credentialSubject": {
                "UIN": "1",
                "vcVer": "2",
                "fullName": [{"lang": "eng", "value": "Jane"}],
            },
        },
    ]
    mine = loader()
    load = load_for_signer()

    def plain(url, options=None):
        return {"contextUrl": None, "documentUrl": url, "document": load(url)}

    for document in documents * 2:
        expected = jsonld.normalize(
            copy.deepcopy(document),
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "base": None,
                "documentLoader": plain,
            },
        )
        assert canonical_nquads(copy.deepcopy(document), mine) == expected
        assert expected


def test_every_bundled_context_loads():
    for url in BUNDLED:
        assert "@context" in bundled(url)


# --- key documents ---------------------------------------------------------------------


def pem(key: Any) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def test_mosip_public_key_document_with_crlf_pem():
    document = mosip_issuer.public_key_document(KEY_URL, BASE, pem(RSA_KEY))
    assert "\r\n" in document["publicKeyPem"]
    assert key_for_method(KEY_URL, document).public_numbers() == rsa_public().public_numbers()
    assert method_ids(document) == [KEY_URL]


def test_a_certificate_pem_jwk_and_multibase_keys():
    from tests.fixtures import fixture_path

    cert = fixture_path("certs", "ida-partner.crt").read_text()
    assert key_for_method("u", {"id": "u", "publicKeyPem": cert})
    jwk = RSAKey.import_key(pem(RSA_KEY)).as_dict(private=False)
    found = key_for_method("u", {"id": "u", "publicKeyJwk": jwk})
    assert found.public_numbers() == rsa_public().public_numbers()
    raw = ED_KEY.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    ed_doc = mosip_issuer.ed25519_key_document(ED_KEY_URL, BASE, raw)
    assert key_for_method(ED_KEY_URL, ed_doc).public_bytes_raw() == raw


def test_did_documents_and_did_key():
    raw = ED_KEY.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    multibase = "z" + base58.b58encode(b"\xed\x01" + raw).decode()
    did = "did:web:issuer.example"
    document = {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": "#key-1",
                "type": "Ed25519VerificationKey2020",
                "controller": did,
                "publicKeyMultibase": multibase,
            },
            {
                "id": f"{did}#key-2",
                "type": "JsonWebKey2020",
                "controller": did,
                "publicKeyJwk": RSAKey.import_key(pem(RSA_KEY)).as_dict(private=False),
            },
        ],
        "assertionMethod": ["#key-1"],
    }
    assert method_ids(document) == [f"{did}#key-1", f"{did}#key-2"]
    assert key_for_method(f"{did}#key-1", document).public_bytes_raw() == raw
    assert isinstance(key_for_method(f"{did}#key-2", document), rsa.RSAPublicKey)
    did_key = f"did:key:{multibase}#{multibase}"
    assert key_from_did(did_key).public_bytes_raw() == raw
    with pytest.raises(ValueError, match="not defined"):
        key_for_method(f"{did}#key-3", document)


def test_mosip_proof_purpose_and_created_as_configured():
    # The credential service takes proofPurpose from its configuration (not always
    # assertionMethod) and writes created without milliseconds.
    vc = mosip_crypto.sign_ld_credential(
        unsigned(),
        RSA_KEY,
        KEY_URL,
        "2026-11-30T10:00:00Z",
        load_for_signer(),
        proof_purpose="PublicKey",
    )
    verify_ld_proof(vc, rsa_public(), loader())


def test_ed25519_signature_2018_detached_eddsa_jws():
    credential = unsigned()
    proof = {
        "type": "Ed25519Signature2018",
        "created": "2026-11-30T10:00:00Z",
        "proofPurpose": "assertionMethod",
        "verificationMethod": ED_KEY_URL,
    }
    digest = lambda doc: hashlib.sha256(  # noqa: E731
        canonical_nquads(doc, loader()).encode()
    ).digest()
    tbs = digest({**proof, "@context": "https://w3id.org/security/v3"}) + digest(credential)
    header = b64url(json.dumps({"alg": "EdDSA", "b64": False, "crit": ["b64"]}).encode())
    signature = b64url(ED_KEY.sign(header.encode() + b"." + tbs))
    vc = {**credential, "proof": {**proof, "jws": f"{header}..{signature}"}}
    verify_ld_proof(vc, ED_KEY.public_key(), loader())
    with pytest.raises(ProofError, match="not allowed"):  # RS256 is not this suite's
        verify_ld_proof(with_header(vc, alg="RS256"), ED_KEY.public_key(), loader())


@pytest.mark.parametrize(("curve", "algorithm"), [("P-256", "ES256"), ("secp256k1", "ES256K")])
def test_json_web_signature_2020_with_ecdsa_keys(curve, algorithm):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    from joserfc.jwk import ECKey

    private = ECKey.generate_key(curve).raw_value
    credential = unsigned()
    proof = {
        "type": "JsonWebSignature2020",
        "created": "2026-11-30T10:00:00Z",
        "proofPurpose": "assertionMethod",
        "verificationMethod": "did:web:issuer.example#key-0",
    }
    digest = lambda doc: hashlib.sha256(  # noqa: E731
        canonical_nquads(doc, loader()).encode()
    ).digest()
    tbs = digest({**proof, "@context": "https://w3id.org/security/v3"}) + digest(credential)
    header = b64url(json.dumps({"alg": algorithm, "b64": False, "crit": ["b64"]}).encode())
    r, s = decode_dss_signature(
        private.sign(header.encode() + b"." + tbs, ec.ECDSA(hashes.SHA256()))
    )
    signature = b64url(r.to_bytes(32) + s.to_bytes(32))
    vc = {**credential, "proof": {**proof, "jws": f"{header}..{signature}"}}
    document = {
        "id": "did:web:issuer.example",
        "verificationMethod": [
            {
                "id": "#key-0",
                "type": "JsonWebKey2020",
                "publicKeyJwk": ECKey.import_key(private).as_dict(private=False),
            }
        ],
    }
    key = key_for_method("did:web:issuer.example#key-0", document)
    verify_ld_proof(vc, key, loader())
    vc["credentialSubject"]["VID"] = "1"
    with pytest.raises(ProofError, match="does not match"):
        verify_ld_proof(vc, key, loader())


def test_relative_ids_and_types_are_not_signed_claims():
    # With no base IRI, RDF leaves out relative IRIs: MOSIP's own type name (undefined in
    # its context) and a subject id without a scheme are not covered by the signature.
    credential = unsigned()
    credential["credentialSubject"]["id"] = "100016232770034"
    vc = signed(credential=credential)
    result = verify_ld_proof(vc, rsa_public(), loader())
    assert result.claims["type"] == "VerifiableCredential"  # not MOSIPVerifiableCredential
    assert "credentialSubject" not in result.claims  # its id, so all it says, is unsigned
    vc["credentialSubject"]["id"] = "100019999999999"
    verify_ld_proof(vc, rsa_public(), loader())  # changing it breaks nothing
