"""The proof check as the callback and `manage.py verify_credential` run it: allowlist,
key documents (fetched, stored in the admin, or given with --trust), contexts, and what
MOSIP is answered."""

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command

from integration.crypto.ld_contexts import bundled
from integration.models import MosipSettings, Status, TrustedDocument, TrustedDocumentKind
from integration.services.credential_proof import check_proof, trust_from_settings
from mocks import mosip_crypto, mosip_issuer
from tests.crypto.test_ld_proof import (
    BASE,
    CONTEXT_URL,
    ED_KEY,
    ED_KEY_URL,
    KEY_URL,
    RSA_KEY,
    contexts,
    pem,
    signed,
    unsigned,
)
from tests.services.test_credential import awaiting, status_of


def key_document() -> dict[str, Any]:
    return mosip_issuer.public_key_document(KEY_URL, BASE, pem(RSA_KEY))


def run(*args: str) -> tuple[int, str]:
    """manage.py verify_credential, as an operator runs it: exit code and output."""
    from io import StringIO

    out = StringIO()
    try:
        call_command("verify_credential", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def files(tmp_path: Path):
    def write(name: str, content: Any) -> str:
        path = tmp_path / name
        path.write_text(json.dumps(content))
        return str(path)

    write("mosip-context.json", contexts()[CONTEXT_URL])
    write("contexts.json", {CONTEXT_URL: "mosip-context.json"})
    return write


def test_verify_credential_valid_with_trusted_key_and_context_map(db, files):
    credential = files("vc.json", signed())
    code, out = run(
        credential,
        "--trust",
        files("key.json", key_document()),
        "--contexts",
        files("contexts.json", {CONTEXT_URL: "mosip-context.json"}),
    )
    assert code == 0, out
    assert out.splitlines()[0] == "valid"
    claims = json.loads(out.split("claims covered by the signature:", 1)[1])
    assert claims["credentialSubject"]["VID"] == "2555480504"


def test_verify_credential_invalid_when_tampered(db, files):
    credential = signed()
    credential["credentialSubject"]["VID"] = "1234567890"
    code, out = run(
        files("vc.json", credential),
        "--trust",
        files("key.json", key_document()),
        "--contexts",
        files("contexts.json", {CONTEXT_URL: "mosip-context.json"}),
    )
    assert code == 1
    assert out.startswith("invalid: proof signature does not match the credential")


def test_verify_credential_refuses_an_unlisted_method(db, files):
    code, out = run(files("vc.json", signed()))
    assert code == 1
    assert out.startswith(f"invalid: verification method {KEY_URL} is not on the allowlist")


def test_verify_credential_refuses_a_vid_outside_the_signed_graph(db, files):
    files("old-context.json", contexts(defines_vid=False)[CONTEXT_URL])
    code, out = run(
        files("vc.json", signed(defines_vid=False)),
        "--trust",
        files("key.json", key_document()),
        "--contexts",
        files("contexts.json", {CONTEXT_URL: "old-context.json"}),
    )
    assert code == 1
    assert "VID is not covered by its signature" in out


def test_verify_credential_with_a_did_document(db, files):
    raw = ED_KEY.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    did = {
        "@context": "https://www.w3.org/ns/did/v1",
        "id": BASE,
        "verificationMethod": [mosip_issuer.ed25519_key_document(ED_KEY_URL, BASE, raw)],
    }
    code, out = run(
        files("vc.json", signed(ED_KEY)),
        "--trust",
        files("did.json", did),
        "--contexts",
        files("contexts.json", {CONTEXT_URL: "mosip-context.json"}),
    )
    assert code == 0, out


def test_an_unknown_context_is_not_fetched_unless_allowlisted(db, files):
    # On another host than any allowed or pinned key, and not listed: never fetched.
    elsewhere = "https://contexts.example/mosip-context.json"
    credential = unsigned()
    credential["@context"][1] = elsewhere
    vc = mosip_crypto.sign_ld_credential(
        credential,
        RSA_KEY,
        KEY_URL,
        "2026-11-30T10:00:00Z",
        lambda url: contexts()[CONTEXT_URL] if url == elsewhere else bundled(url),
    )
    code, out = run(files("vc.json", vc), "--trust", files("key.json", key_document()))
    assert code == 1
    assert f"invalid: the JSON-LD context {elsewhere} is not bundled" in out


def test_keys_and_contexts_stored_in_the_admin_work_offline(db):
    # Nothing at https://mosip.example is reachable: everything comes from the database.
    TrustedDocument.objects.create(
        url=KEY_URL, kind=TrustedDocumentKind.KEY, document=key_document()
    )
    TrustedDocument.objects.create(
        url=CONTEXT_URL, kind=TrustedDocumentKind.CONTEXT, document=contexts()[CONTEXT_URL]
    )
    claims = check_proof(signed(), trust_from_settings(MosipSettings.load()))
    assert claims["credentialSubject"]["VID"] == "2555480504"


# --- end to end, with credentials from the MOSIP stand-in --------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize("proof", ["RS256", "Ed25519Signature2020"])
def test_other_mosip_signers_are_confirmed(pipeline, proof):
    pipeline.mosip.proof = proof
    awaiting(pipeline, "100016666666666")
    issuance = pipeline.mosip.issue_credential("100016666666666")
    assert [status_of(d) for d in issuance.deliveries] == ["RECEIVED"]
    submission = pipeline.wait_for("2026B99", Status.CONFIRMED)
    assert submission.vid == issuance.vid


@pytest.mark.e2e
def test_a_vid_that_mosip_context_does_not_define_is_refused(pipeline):
    pipeline.mosip.context_defines_vid = False
    submission = awaiting(pipeline, "100017777777777")
    issuance = pipeline.mosip.issue_credential("100017777777777")
    assert [status_of(d) for d in issuance.deliveries] == ["ERROR"]
    submission.refresh_from_db()
    assert submission.status == Status.AWAITING_CREDENTIAL and submission.vid == ""
    attempt = submission.attempts.get(step="credential")
    assert "VID is not covered by its signature" in attempt.error


@pytest.mark.e2e
def test_jcs_proofs_only_with_the_setting(pipeline):
    pipeline.mosip.proof = "jcs"
    submission = awaiting(pipeline, "100018888888888")
    issuance = pipeline.mosip.issue_credential("100018888888888")
    assert [status_of(d) for d in issuance.deliveries] == ["ERROR"]
    config = MosipSettings.load()
    config.jcs_proofs = True
    config.save()
    again = pipeline.mosip.issue_credential("100018888888888")
    assert [status_of(d) for d in again.deliveries] == ["RECEIVED"]
    assert pipeline.wait_for("2026B99", Status.CONFIRMED).pk == submission.pk


# --- the admin ------------------------------------------------------------------------


def test_an_admin_stores_a_pem_key_and_a_context(admin_client):
    response = admin_client.post(
        "/admin/integration/trusteddocument/add/",
        {"url": KEY_URL, "kind": "key", "content": pem(RSA_KEY), "note": "pinned"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = TrustedDocument.objects.get(url=KEY_URL)
    assert stored.document == {"id": KEY_URL, "publicKeyPem": pem(RSA_KEY).strip()}
    response = admin_client.post(
        "/admin/integration/trusteddocument/add/",
        {"url": CONTEXT_URL, "kind": "context", "content": json.dumps(contexts()[CONTEXT_URL])},
    )
    assert response.status_code == 302
    # Stored key counts as allowlisted; stored context means nothing is fetched.
    claims = check_proof(signed(), trust_from_settings(MosipSettings.load()))
    assert claims["credentialSubject"]["VID"] == "2555480504"


def test_the_admin_refuses_a_key_that_does_not_name_the_method(admin_client):
    response = admin_client.post(
        "/admin/integration/trusteddocument/add/",
        {
            "url": "https://other.example/key.json",
            "kind": "key",
            "content": json.dumps(key_document()),
        },
    )
    assert response.status_code == 200
    assert f"the document defines {KEY_URL}, not https://other.example/key.json" in (
        response.content.decode()
    )
    assert not TrustedDocument.objects.exists()


def test_verify_credential_on_the_captured_jcs_credential(db, files):
    # OpenCRVS's MOSIP mock signs JCS: refused by default, valid with the setting on.
    from tests.fixtures import fixture_path, load_json

    captured = str(fixture_path("wire", "credential_decrypted.json"))
    method = load_json("wire", "credential_decrypted.json")["proof"]["verificationMethod"]
    private = serialization.load_pem_private_key(
        fixture_path("certs", "mock-only-private-key.pem").read_bytes(), None
    )
    key = files("key.json", mosip_issuer.public_key_document(method, BASE, pem(private)))
    code, out = run(captured, "--trust", key)
    assert code == 1 and out.startswith("invalid:")
    config = MosipSettings.load()
    config.jcs_proofs = True
    config.save()
    code, out = run(captured, "--trust", key)
    assert code == 0, out
    assert '"VID": "2555480504"' in out


def test_verify_credential_refuses_a_subject_outside_the_signed_graph(db, files):
    credential = unsigned()
    credential["credentialSubject"]["id"] = "100016232770034"  # relative: not in RDF
    code, out = run(
        files("vc.json", signed(credential=credential)),
        "--trust",
        files("key.json", key_document()),
        "--contexts",
        files("contexts.json", {CONTEXT_URL: "mosip-context.json"}),
    )
    assert code == 1
    assert "VID is not covered by its signature" in out
