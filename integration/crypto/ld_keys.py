"""Public keys of verification methods, from the documents issuers publish them in.

A verification method's document is either the method itself (MOSIP's ``public-key.json``:
``id``, ``type``, ``controller`` and the key) or a controller / DID document whose
``verificationMethod`` (or older ``publicKey``, or embedded ``assertionMethod``) entries
carry it, with absolute ids or ids relative to the document's. The key is in
``publicKeyPem`` (SubjectPublicKeyInfo or an X.509 certificate), ``publicKeyJwk``,
``publicKeyMultibase``, ``publicKeyBase58`` or ``publicKeyHex``. ``did:key`` and
``did:jwk`` carry the key in the identifier itself.
"""

import base64
import binascii
import json
from typing import Any
from urllib.parse import urldefrag, urljoin

import base58
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.utils.translation import gettext_lazy as _
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry

from integration.reasons import StaffReadableError

PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
ED25519_MULTICODEC = b"\xed\x01"
KEY_PROPERTIES = (
    "publicKeyPem",
    "publicKeyJwk",
    "publicKeyMultibase",
    "publicKeyBase58",
    "publicKeyHex",
)
_METHOD_LISTS = (
    "verificationMethod",
    "publicKey",
    "assertionMethod",
    "authentication",
    "capabilityInvocation",
)


class LdKeyError(StaffReadableError):
    """A Linked Data proof's key document gives no usable key for the verification method
    (esignet_keys.EsignetKeyError is E-Signet's)."""


def _pem(text: str) -> PublicKey:
    # MOSIP publishes the PEM with CRLF line ends; some copies keep them escaped.
    data = text.replace("\\r", "").replace("\\n", "\n").replace("\r", "").strip().encode()
    try:
        if b"CERTIFICATE" in data:
            key = x509.load_pem_x509_certificate(data).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise LdKeyError(_("publicKeyPem is not a PEM public key or certificate")) from exc
    return _supported(key)


def _supported(key: Any) -> PublicKey:
    if isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey):
        return key
    raise LdKeyError(_("unsupported key type %(type)s"), type=type(key).__name__)


def _jwk(jwk: Any) -> PublicKey:
    if not isinstance(jwk, dict) or "d" in jwk:
        raise LdKeyError(_("publicKeyJwk must be a public JWK object"))
    try:
        return _supported(JWKRegistry.import_key(jwk).raw_value)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise LdKeyError(_("publicKeyJwk cannot be read: %(error)s"), error=exc) from exc


def _ed25519(raw: bytes) -> PublicKey:
    if raw.startswith(ED25519_MULTICODEC) and len(raw) == 34:
        raw = raw[2:]
    if len(raw) != 32:
        raise LdKeyError(_("only Ed25519 keys are supported in multibase/base58/hex form"))
    return ed25519.Ed25519PublicKey.from_public_bytes(raw)


def multibase_decode(text: str) -> bytes:
    """Multibase: "z" + base58btc, or "u" + base64url (what proofs and keys use)."""
    try:
        if text.startswith("z"):
            return base58.b58decode(text[1:])
        if text.startswith("u"):
            return base64.urlsafe_b64decode(text[1:] + "=" * (-len(text[1:]) % 4))
    except (ValueError, binascii.Error) as exc:
        raise LdKeyError(_("not valid multibase")) from exc
    raise LdKeyError(_("unsupported multibase encoding (expected z or u)"))


def key_material(entry: dict[str, Any]) -> PublicKey:
    """The key in one verification-method object."""
    if isinstance(entry.get("publicKeyPem"), str):
        return _pem(entry["publicKeyPem"])
    if "publicKeyJwk" in entry:
        return _jwk(entry["publicKeyJwk"])
    try:
        if isinstance(entry.get("publicKeyMultibase"), str):
            return _ed25519(multibase_decode(entry["publicKeyMultibase"]))
        if isinstance(entry.get("publicKeyBase58"), str):
            return _ed25519(base58.b58decode(entry["publicKeyBase58"]))
        if isinstance(entry.get("publicKeyHex"), str):
            return _ed25519(bytes.fromhex(entry["publicKeyHex"]))
    except ValueError as exc:
        raise LdKeyError(_("the key cannot be decoded: %(error)s"), error=exc) from exc
    raise LdKeyError(_("no key material (%(names)s)"), names=", ".join(KEY_PROPERTIES))


def _entries(document: dict[str, Any]):
    yield document
    for name in _METHOD_LISTS:
        listed = document.get(name)
        for entry in listed if isinstance(listed, list) else [listed]:
            if isinstance(entry, dict):
                yield entry


def method_ids(document: dict[str, Any]) -> list[str]:
    """The verification-method ids a key document defines (absolute)."""
    base = str(document.get("id") or "")
    return [
        _absolute(entry["id"], base)
        for entry in _entries(document)
        if isinstance(entry.get("id"), str) and any(p in entry for p in KEY_PROPERTIES)
    ]


def _absolute(ref: str, base: str) -> str:
    if ref.startswith("#"):
        return urldefrag(base).url + ref
    return urljoin(base, ref) if base and not ref.startswith("did:") else ref


def key_for_method(method: str, document: dict[str, Any]) -> PublicKey:
    """The public key of verification method ``method`` as ``document`` publishes it."""
    base = str(document.get("id") or "")
    for entry in _entries(document):
        entry_id = entry.get("id")
        if isinstance(entry_id, str) and _absolute(entry_id, base) == method:
            return key_material(entry)
    raise LdKeyError(_("%(method)s is not defined in its key document"), method=method)


def key_from_did(method: str) -> PublicKey | None:
    """did:key and did:jwk carry their key in the identifier; other methods return None."""
    did = urldefrag(method).url
    if did.startswith("did:key:"):
        return _ed25519(multibase_decode(did.removeprefix("did:key:")))
    if did.startswith("did:jwk:"):
        encoded = did.removeprefix("did:jwk:")
        try:
            jwk = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        except (ValueError, binascii.Error) as exc:
            raise LdKeyError(_("did:jwk does not hold a JWK")) from exc
        return _jwk(jwk)
    return None


def did_web_url(method: str) -> str | None:
    """Where a did:web document is published (did:web:host[:path...] → https URL)."""
    did = urldefrag(method).url
    if not did.startswith("did:web:"):
        return None
    host, *path = did.removeprefix("did:web:").split(":")
    host = host.replace("%3A", ":").replace("%3a", ":")
    return (
        f"https://{host}/{'/'.join(path)}/did.json"
        if path
        else (f"https://{host}/.well-known/did.json")
    )


def document_url(method: str) -> str:
    """The URL to fetch a method's key document from."""
    return did_web_url(method) or urldefrag(method).url
