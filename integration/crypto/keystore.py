"""Load the partner key pair that MOSIP encrypts issued credentials for."""

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12
from django.utils.translation import gettext_lazy as _

from integration.reasons import StaffReadableError


class KeystoreError(StaffReadableError):
    """The PKCS#12 keystore could not be opened or holds no usable RSA key."""


def load_pkcs12(data: bytes, password: str) -> tuple[RSAPrivateKey, x509.Certificate]:
    """Return the RSA private key and its certificate from a PKCS#12 (.p12) file."""
    try:
        # cryptography raises the same ValueError for a wrong password and a corrupt
        # file (PKCS#12 cannot tell them apart), so the message names both.
        key, cert, _chain = pkcs12.load_key_and_certificates(
            data, password.encode() if password else None
        )
    except (ValueError, TypeError) as exc:
        raise KeystoreError(
            _("cannot open keystore: wrong password or not a PKCS#12 file")
        ) from exc
    if key is None:
        raise KeystoreError(_("keystore holds no private key"))
    # MOSIP encrypts the AES key with RSA-OAEP, so any other key type is useless here.
    if not isinstance(key, RSAPrivateKey):
        raise KeystoreError(_("keystore private key is not an RSA key"))
    if cert is None:
        raise KeystoreError(_("keystore holds no certificate for its private key"))
    return key, cert
