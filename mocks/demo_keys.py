"""The demo's key material, generated on first use into ``var/demo-keys`` (never committed).

One RSA key pair plays MOSIP's credential signer, the IDA partner certificate and the
portal's partner keystore (as in a single-machine demo); the E-Signet client has a key of
its own. The files keep the names of opencrvs/mosip's example keys (``docs/example-certs/``
there; the captured ones are in ``tests/fixtures/certs/``):

- ``keystore.p12``: the partner keystore (PKCS#12, password ``mosip123``);
- ``mock-only-private-key.pem``: the same private key, PEM, for the stand-ins;
- ``ida-partner.crt``: its self-signed certificate;
- ``esignet-jwk.txt``: the E-Signet client's private JWK, base64 of the JSON.

Demo only: anyone with the repository knows the password.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

KEYSTORE_PASSWORD = "mosip123"
FILES = ("keystore.p12", "mock-only-private-key.pem", "ida-partner.crt", "esignet-jwk.txt")


def _int_b64(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def private_jwk(key: rsa.RSAPrivateKey) -> dict[str, str]:
    private, public = key.private_numbers(), key.public_key().public_numbers()
    numbers = {
        "n": public.n, "e": public.e, "d": private.d, "p": private.p, "q": private.q,
        "dp": private.dmp1, "dq": private.dmq1, "qi": private.iqmp,
    }  # fmt: skip
    return {"kty": "RSA", "use": "sig", "alg": "RS256"} | {
        name: _int_b64(value) for name, value in numbers.items()
    }


def _self_signed(key: rsa.RSAPrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "opencrvs-mosip-portal demo")])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


def write_demo_keys(directory: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _self_signed(key)
    client_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    keystore = pkcs12.serialize_key_and_certificates(
        b"partner", key, cert, None,
        serialization.BestAvailableEncryption(KEYSTORE_PASSWORD.encode()),
    )  # fmt: skip
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (directory / "keystore.p12").write_bytes(keystore)
    (directory / "mock-only-private-key.pem").write_bytes(pem)
    (directory / "ida-partner.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    jwk = json.dumps(private_jwk(client_key)).encode()
    (directory / "esignet-jwk.txt").write_text(base64.b64encode(jwk).decode() + "\n")


def ensure_demo_keys(directory: Path) -> Path:
    """Generate the keys once; concurrent first uses (parallel test runs) agree on one set."""
    if all((directory / name).is_file() for name in FILES):
        return directory
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".demo-keys-", dir=directory.parent))
    try:
        write_demo_keys(staging)
        os.chmod(staging, 0o700)
        try:
            staging.rename(directory)  # atomic; fails if another process got there first
        except OSError:
            if not all((directory / name).is_file() for name in FILES):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return directory
