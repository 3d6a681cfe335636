"""The documents MOSIP's credential service produces: the verifiable credential, the
CREDENTIAL_ISSUED event that carries it, and the key documents its proof points to.
Shapes follow ``fixtures/wire/credential_decrypted.json`` and ``post_websub_callback.json``.
"""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import base58

from .base import JSON, iso_now
from .paths import REPO_DIR

BIRTH, DEATH, UPDATE = "CRVS_NEW", "CRVS_DEATH", "CRVS_UPDATE"
TOPIC = "CREDENTIAL_ISSUED"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
# The published W3C documents the stand-in's signer loads (as MOSIP's signers bundle them).
PUBLISHED_CONTEXTS = {
    "https://www.w3.org/2018/credentials/v1": "credentials-v1.jsonld",
    "https://w3id.org/security/v1": "security-v1.jsonld",
    "https://w3id.org/security/v3": "security-v3-unstable.jsonld",
    "https://www.w3.org/ns/odrl.jsonld": "odrl.jsonld",
}
CONTEXTS_DIR = REPO_DIR / "integration" / "crypto" / "contexts"


@cache
def published_context(url: str) -> dict[str, Any] | None:
    name = PUBLISHED_CONTEXTS.get(url)
    return json.loads((CONTEXTS_DIR / name).read_text()) if name else None


def mosip_context(base_url: str, *, defines_vid: bool = True) -> dict[str, Any]:
    """mosip-context.json in MOSIP's shape (it imports ODRL); an installation serving
    OpenCRVS defines the certificate numbers. Older ones did not define ``VID``."""
    terms: dict[str, Any] = {
        "mosip": f"{base_url}/mosip#",
        "schema": "http://schema.org/",
        "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "vcVer": "mosip:vcVer",
        "UIN": "mosip:UIN",
        "birthCertificateNumber": "mosip:birthCertificateNumber",
        "deathCertificateNumber": "mosip:deathCertificateNumber",
        "fullName": {
            "@id": f"{base_url}/mosip#fullName",
            "@context": {"value": "rdf:value", "lang": "@language"},
        },
    }
    if defines_vid:
        terms["VID"] = "mosip:VID"
    return {"@context": [{"@version": 1.1}, "https://www.w3.org/ns/odrl.jsonld", terms]}


def new_vid() -> str:
    """A random 10-digit VID (no leading zero, as MOSIP's ID generator never makes one)."""
    return str(10**9 + secrets.randbelow(9 * 10**9))


def credential_subject(
    registration_id: str,
    process: str,
    fields: JSON,
    vid: str | None,
    national_id_key: str = "VID",
) -> JSON:
    """Birth: certificate number + new VID. Update (a corrected birth): the person's
    existing VID again. Death: only the certificate number, when the packet still
    carries one (the portal normally strips it from death packets). ``national_id_key``
    is the subject key the national id is written under (MOSIP's credential template)."""
    subject: JSON = {}
    if process == BIRTH:
        subject["birthCertificateNumber"] = fields.get("birthCertificateNumber")
        subject[national_id_key] = vid
    elif process == UPDATE:
        subject[national_id_key] = vid
    elif process == DEATH and "deathCertificateNumber" in fields:
        subject["deathCertificateNumber"] = fields["deathCertificateNumber"]
    subject["id"] = f"http://credential.idrepo/credentials/{registration_id}"
    subject["vcVer"] = "VC-V1"
    return subject


def unsigned_credential(base_url: str, subject: JSON) -> JSON:
    return {
        "issuanceDate": iso_now(),
        "credentialSubject": subject,
        "id": f"http://credential.idrepo/credentials/{uuid.uuid4()}",
        "type": ["VerifiableCredential", "MOSIPVerifiableCredential"],
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            f"{base_url}/.well-known/mosip-context.json",
            {"sec": "https://w3id.org/security#"},
        ],
        "issuer": f"{base_url}/.well-known/controller.json",
    }


def tamper_content(credential: JSON) -> None:
    """Change a signed credential in place so its proof no longer matches: swap the VID
    (the attack that matters) or, for subjects without one, move the issuance date."""
    subject = credential["credentialSubject"]
    if subject.get("VID"):
        genuine = subject["VID"]
        while subject["VID"] == genuine:
            subject["VID"] = new_vid()
    else:
        issued = datetime.fromisoformat(credential["issuanceDate"].replace("Z", "+00:00"))
        credential["issuanceDate"] = (
            (issued - timedelta(days=1))
            .astimezone(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z")
        )


def callback_body(
    registration_id: str, encrypted_credential: str, credential_type: str = "vercred"
) -> JSON:
    """The CREDENTIAL_ISSUED event as MOSIP's hub posts it (key order as captured)."""
    now = iso_now()
    return {
        "publisher": "CREDENTIAL_SERVICE",
        "topic": TOPIC,
        "publishedOn": now,
        "event": {
            "id": str(uuid.uuid4()),
            "transactionId": str(uuid.uuid4()),
            "type": {"namespace": "mosip", "name": "mosip"},
            "timestamp": now,
            "data": {
                "registrationId": registration_id,
                "templateTypeCode": "RPR_UIN_CARD_TEMPLATE",
                "ExpiryTimestamp": now,
                "TransactionLimit": None,
                "credential": encrypted_credential,
                "credentialType": credential_type,
                "protectionKey": f"{secrets.randbelow(10**6):06d}",
            },
        },
    }


def public_key_document(key_url: str, base_url: str, pem: str) -> dict[str, Any]:
    return {
        "@context": SECURITY_CONTEXT,
        "type": "RsaVerificationKey2018",
        "id": key_url,
        "controller": f"{base_url}/.well-known/controller.json",
        # MOSIP's keymanager writes the PEM with CRLF line ends.
        "publicKeyPem": pem.strip().replace("\n", "\r\n"),
    }


def ed25519_key_document(key_url: str, base_url: str, public_raw: bytes) -> dict[str, Any]:
    multibase = "z" + base58.b58encode(b"\xed\x01" + public_raw).decode("ascii")
    return {
        "@context": "https://w3id.org/security/suites/ed25519-2020/v1",
        "type": "Ed25519VerificationKey2020",
        "id": key_url,
        "controller": f"{base_url}/.well-known/controller.json",
        "publicKeyMultibase": multibase,
    }


def controller_document(base_url: str, *key_urls: str) -> dict[str, Any]:
    return {
        "@context": SECURITY_CONTEXT,
        "id": f"{base_url}/.well-known/controller.json",
        "assertionMethod": list(key_urls),
    }
