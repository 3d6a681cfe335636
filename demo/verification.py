"""Point the IDA and E-Signet settings at the stand-ins (the demo and the tests).

Uses the demo keys generated into var/demo-keys: never for production.
"""

import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from integration.models import EsignetSettings, IdaSettings
from mocks import esignet, ida
from mocks.paths import certs_dir


def configure_demo(ida_url: str, esignet_url: str) -> None:
    certs = certs_dir()
    ida_url, esignet_url = ida_url.rstrip("/"), esignet_url.rstrip("/")

    config = IdaSettings.load()
    config.auth_url = ida_url + ida.AUTH_PATH
    config.domain_uri = ida_url
    config.partner_id = ida.DEMO_PARTNER_ID
    config.misp_license_key = ida.DEMO_MISP_LICENSE_KEY
    config.partner_api_key = ida.DEMO_API_KEY
    config.encryption_certificate = (certs / "ida-partner.crt").read_text()
    config.signing_keystore = (certs / "keystore.p12").read_bytes()
    config.signing_keystore_password = ida.DEMO_KEYSTORE_PASSWORD
    config.save()

    signet = EsignetSettings.load()
    signet.token_url = esignet_url + esignet.TOKEN_PATH
    signet.userinfo_url = esignet_url + esignet.USERINFO_PATH
    signet.jwks_url = esignet_url + esignet.JWKS_PATH
    signet.issuer = esignet_url + esignet.ISSUER_PATH
    # The demo also shows the mock identity system's shape (key at keys.json, own iss).
    signet.trusted_key_urls = esignet_url + esignet.MOCK_IDENTITY_KEYS_PATH
    signet.userinfo_issuers = esignet_url + esignet.MOCK_IDENTITY_ISSUER_PATH
    signet.client_private_jwk = (certs / "esignet-jwk.txt").read_text().strip()
    signet.client_id = esignet.DEMO_CLIENT_ID
    # OpenCRVS's client app runs on port 3000 in a local OpenCRVS setup.
    signet.client_app_url = os.environ.get("OPENCRVS_CLIENT_APP_URL", "http://localhost:3000")
    signet.save()


def register_demo_encryption_key(stand_in: esignet.EsignetStandIn) -> None:
    """A fresh client encryption key pair, so the stand-in can answer JWE in the demo: the
    stand-in holds the public half, as E-Signet holds the client's registered certificate."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    stand_in.register_encryption_key(esignet.DEMO_CLIENT_ID, key.public_key(), "demo-enc")
    signet = EsignetSettings.load()
    signet.client_encryption_key = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    signet.save()
