"""Encrypt and sign a demographic-auth request for MOSIP IDA (docs/protocols.md#nid-verification).

    authData ─AES-256-GCM(fresh key)──────────────▶ request            ciphertext ‖ tag ‖ nonce
    AES key  ─RSA-OAEP-SHA256(IDA certificate)────▶ requestSessionKey
    uppercase hex SHA-256(authData) ─AES-GCM(same key)─▶ requestHMAC
    whole JSON body ─RS256, detached, x5c = signing cert─▶ `Signature` header

All values are base64url. The reference pads `request` and `requestHMAC` but not
`requestSessionKey`; IDA's decoder takes either, and we send what is known to work.
"""

import base64
import hashlib
import os
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.utils.translation import gettext_lazy as _
from joserfc import jws
from joserfc.jwk import RSAKey

from integration.reasons import StaffReadableError

AES_KEY_BITS = 256
GCM_NONCE_LEN = 16  # IDA reads the nonce from the last 16 bytes
SIGNING_ALGORITHM = "RS256"  # pinned: IDA verifies partner signatures as RS256
_OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


class IdaCryptoError(StaffReadableError):
    """The configured IDA certificate cannot be used."""


@dataclass(frozen=True)
class EncryptedAuthData:
    request: str
    request_session_key: str
    request_hmac: str


def b64url(data: bytes, *, pad: bool = False) -> str:
    text = base64.urlsafe_b64encode(data).decode("ascii")
    return text if pad else text.rstrip("=")


def load_certificate(pem: str) -> x509.Certificate:
    """The IDA encryption certificate from PEM text; it must hold an RSA key."""
    try:
        cert = x509.load_pem_x509_certificate(pem.strip().encode())
    except ValueError as exc:
        raise IdaCryptoError(_("the IDA certificate is not a PEM X.509 certificate")) from exc
    if not isinstance(cert.public_key(), RSAPublicKey):
        raise IdaCryptoError(_("the IDA certificate does not hold an RSA key"))
    return cert


def certificate_thumbprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, base64url with padding (IDA finds its key by it)."""
    digest = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest()
    return b64url(digest, pad=True)


def _seal(key: bytes, plaintext: bytes) -> bytes:
    nonce = os.urandom(GCM_NONCE_LEN)
    return AESGCM(key).encrypt(nonce, plaintext, None) + nonce  # ciphertext ‖ tag ‖ nonce


def encrypt_auth_data(auth_data: bytes, cert: x509.Certificate) -> EncryptedAuthData:
    """Encrypt the serialised authData for the holder of `cert` (MOSIP IDA)."""
    public_key = cert.public_key()
    if not isinstance(public_key, RSAPublicKey):
        raise IdaCryptoError(_("the IDA certificate does not hold an RSA key"))
    key = AESGCM.generate_key(bit_length=AES_KEY_BITS)
    digest = hashlib.sha256(auth_data).hexdigest().upper().encode("ascii")
    return EncryptedAuthData(
        request=b64url(_seal(key, auth_data), pad=True),
        request_session_key=b64url(public_key.encrypt(key, _OAEP)),
        request_hmac=b64url(_seal(key, digest), pad=True),
    )


def sign_detached(body: bytes, key: RSAPrivateKey, cert: x509.Certificate) -> str:
    """A compact JWS over `body` with the payload left out (RFC 7515 appendix F).

    `x5c` carries the signing certificate as standard base64 DER (RFC 7515 §4.1.6).
    """
    protected = {
        "alg": SIGNING_ALGORITHM,
        "x5c": [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()],
    }
    token = jws.serialize_compact(
        protected, body, RSAKey.import_key(key), algorithms=[SIGNING_ALGORITHM]
    )
    return jws.detach_content(token)
