"""The keys E-Signet's answers may be signed with, read from the shapes deployments publish:

- a JWK set (E-Signet's `/oauth/.well-known/jwks.json`: its own keys plus its identity
  plugin's KYC certificates, usually without `alg` or `use`, with `x5c` and an `exp`);
- MOSIP's response wrapper listing PEM certificates (the mock identity system's
  `keys.json`: `{"response": {"allCertificates": [{"keyId", "certificateData", ...}]}}`);
- PEM certificates or public keys pasted into the admin (pinned), or a JWK / JWK set.

Only RSA keys are kept: E-Signet and MOSIP sign with RS256 or PS256. A JWK's `use` is not
taken as a signal: E-Signet infers it from the certificate's key usage (nimbus-jose-jwt's
`KeyUse.from`), which calls a MOSIP key-manager certificate with digitalSignature and
keyEncipherment "enc" although it signs. Trust comes from the publisher listing the key;
the signature must still verify with it.
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from integration.reasons import StaffReadableError

SIGNING_ALGORITHMS = ("RS256", "PS256")
_PEM_BLOCK = re.compile(
    r"-----BEGIN (CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY)-----.+?-----END \1-----", re.DOTALL
)


class EsignetKeyError(StaffReadableError):
    """E-Signet's key document, or a key of ours for it, cannot be read."""


@dataclass(frozen=True)
class TrustedKey:
    key: RSAKey
    kid: str | None
    alg: str | None  # the JWK's `alg` when it names one
    source: str  # where it came from, for messages ("E-Signet's JWKS", a URL, "pinned")

    def fits(self, kid: str | None) -> bool:
        """Whether a token with this `kid` may be checked with this key: any key when the
        token names none, a pinned key without a kid always, else the same key id. MOSIP's
        key manager may put a configured prefix and `#` before the key id."""
        if kid is None or self.kid is None:
            return True
        return kid == self.kid or kid.rsplit("#", 1)[-1] == self.kid

    def allows(self, alg: str) -> bool:
        return self.alg is None or self.alg == alg


def keys_from_document(document: object, source: str) -> list[TrustedKey]:
    """The RSA signing keys of a JWK set, a single JWK or a MOSIP certificate list."""
    if isinstance(document, dict) and isinstance(document.get("keys"), list):
        return [k for jwk in document["keys"] if (k := _from_jwk(jwk, source)) is not None]
    response = document.get("response") if isinstance(document, dict) else None
    if isinstance(response, dict) and isinstance(response.get("allCertificates"), list):
        keys = []
        for entry in response["allCertificates"]:
            if isinstance(entry, dict) and isinstance(entry.get("certificateData"), str):
                kid = entry.get("keyId") if isinstance(entry.get("keyId"), str) else None
                keys.extend(_from_pem(entry["certificateData"], source, kid))
        return keys
    if isinstance(document, dict) and "kty" in document:
        key = _from_jwk(document, source)
        return [key] if key else []
    raise EsignetKeyError(
        _("%(source)s is neither a JWK set nor a MOSIP certificate list"), source=source
    )


def keys_from_text(text: str, source: str = "pinned keys") -> list[TrustedKey]:
    """Keys pasted into the admin: PEM blocks, or JSON (a JWK, a JWK set, a MOSIP list).
    The admin names the `source` in its reader's language (a gettext_lazy text)."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise EsignetKeyError(_("%(source)s: not valid JSON"), source=source) from exc
        keys = keys_from_document(document, source)
    else:
        blocks = [m.group(0) for m in _PEM_BLOCK.finditer(text)]
        if not blocks:
            raise EsignetKeyError(
                _("%(source)s: no PEM certificate or public key found"), source=source
            )
        keys = [k for block in blocks for k in _from_pem(block, source, None)]
    if not keys:
        raise EsignetKeyError(_("%(source)s: no RSA signing key found"), source=source)
    return keys


def describe(key: TrustedKey) -> str:
    """One line for the admin (in its reader's language): where from, its kid and size,
    never anything secret."""
    words = {"source": key.source, "size": key.key.raw_value.key_size, "kid": key.kid}
    if key.kid is None:
        return gettext("%(source)s: RSA %(size)s bits, no kid") % words
    return gettext("%(source)s: RSA %(size)s bits, kid %(kid)s") % words


def _from_jwk(jwk: object, source: str) -> TrustedKey | None:
    if not isinstance(jwk, dict) or jwk.get("kty") != "RSA":
        return None
    alg = jwk.get("alg")
    if alg is not None and alg not in SIGNING_ALGORITHMS:
        return None
    public = {k: jwk[k] for k in ("kty", "n", "e") if k in jwk}
    try:
        key = RSAKey.import_key(public)
    except (JoseError, ValueError, TypeError) as exc:
        raise EsignetKeyError(
            _("%(source)s: an RSA key cannot be read (%(error)s)"), source=source, error=exc
        ) from exc
    kid = jwk.get("kid") if isinstance(jwk.get("kid"), str) else None
    return TrustedKey(key, kid, alg, source)


def _from_pem(pem: str, source: str, kid: str | None) -> list[TrustedKey]:
    data = pem.strip().encode()
    try:
        if b"CERTIFICATE" in data:
            public = x509.load_pem_x509_certificate(data).public_key()
        else:
            public = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise EsignetKeyError(_("%(source)s: a PEM block cannot be read"), source=source) from exc
    if not isinstance(public, RSAPublicKey):
        return []
    return [TrustedKey(RSAKey.import_key(public), kid, None, source)]


def load_private_key(text: str) -> RSAKey:
    """The client's decryption key: an RSA private key as PEM (PKCS#8 or PKCS#1), as JWK
    JSON, or as base64 of that JSON (the shape OpenCRVS keeps its client key in)."""

    text = text.strip()
    if "-----BEGIN" in text:
        try:
            key = serialization.load_pem_private_key(text.encode(), password=None)
        except (ValueError, TypeError) as exc:
            raise EsignetKeyError(_("the encryption key is not an unencrypted PEM key")) from exc
        if not isinstance(key, RSAPrivateKey):
            raise EsignetKeyError(_("the encryption key is not an RSA key"))
        return RSAKey.import_key(key)
    try:
        if not text.startswith("{"):
            text = base64.b64decode(text, validate=True).decode()
        data = json.loads(text)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise EsignetKeyError(_("the encryption key is not PEM, JWK JSON or base64 JWK")) from exc
    if not isinstance(data, dict) or data.get("kty") != "RSA" or "d" not in data:
        raise EsignetKeyError(_("the encryption key is not an RSA private JWK"))
    try:
        return RSAKey.import_key(data)
    except (JoseError, ValueError, TypeError) as exc:
        raise EsignetKeyError(
            _("the encryption key cannot be loaded: %(error)s"), error=exc
        ) from exc
