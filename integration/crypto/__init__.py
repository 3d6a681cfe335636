"""Cryptography for MOSIP credentials: keystore, credential decryption, VC proof check."""

from .credential import CredentialError, decrypt_credential
from .keystore import KeystoreError, load_pkcs12
from .vc_proof import ProofError, verification_method, verify_proof

__all__ = [
    "CredentialError",
    "KeystoreError",
    "ProofError",
    "decrypt_credential",
    "load_pkcs12",
    "verification_method",
    "verify_proof",
]
