"""Cryptography for MOSIP credentials: keystore, credential decryption, VC proof checks."""

from .credential import CredentialError, decrypt_credential
from .keystore import KeystoreError, load_pkcs12
from .ld_proof import VerifiedCredential, verify_ld_proof
from .vc_proof import ProofError, verification_method, verify_jcs_proof

__all__ = [
    "CredentialError",
    "KeystoreError",
    "ProofError",
    "VerifiedCredential",
    "decrypt_credential",
    "load_pkcs12",
    "verification_method",
    "verify_jcs_proof",
    "verify_ld_proof",
]
