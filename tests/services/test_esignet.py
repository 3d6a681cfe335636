"""`POST /esignet/get-oidp-user-info` end to end over HTTP: sign in on the stand-in E-Signet's
authorize page, then the portal trades the code (private-key JWT), fetches the user info and
checks its signature against the JWKS (docs/protocols.md#esignet-userinfo)."""

import json
import time
import uuid
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import connection
from jwt.algorithms import RSAAlgorithm

from demo.verification import configure_demo
from integration.clients.esignet import load_client_jwk
from integration.models import EsignetSettings, OpenCrvsSettings, VerificationRecord
from mocks.esignet import DEMO_CLIENT_ID, EsignetStandIn
from mocks.opencrvs import OpenCrvsStandIn
from mocks.paths import certs_dir

APP = "http://localhost:3000"
REDIRECT = f"{APP}/drafts/abc/review"
URL = "/esignet/get-oidp-user-info"


@pytest.fixture(scope="module")
def opencrvs_server() -> Iterator[OpenCrvsStandIn]:
    with OpenCrvsStandIn() as server:
        yield server


@pytest.fixture(scope="module")
def esignet() -> Iterator[EsignetStandIn]:
    with EsignetStandIn() as server:
        yield server


@pytest.fixture
def configured(db, opencrvs_server, esignet) -> Iterator[None]:
    crvs = OpenCrvsSettings.load()
    crvs.public_key_url = f"{opencrvs_server.url}/.well-known"
    crvs.save()
    configure_demo("http://127.0.0.1:9", esignet.url)
    yield
    esignet.reset()


@pytest.fixture
def token(opencrvs_server) -> str:
    return opencrvs_server.mint_token()


def sign_in(esignet: EsignetStandIn, nid: str = "1234567891", state: str = "st-1") -> str:
    """What a person does in the browser; returns the URL E-Signet sends them back to."""
    params = {
        "client_id": DEMO_CLIENT_ID,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid profile",
        "state": state,
        "nonce": "n-1",
    }
    page = requests.get(f"{esignet.url}/authorize", params=params, timeout=5)
    assert page.status_code == 200 and "Jenny Doe" in page.text
    chosen = requests.post(
        f"{esignet.url}/authorize", data={**params, "nid": nid}, allow_redirects=False, timeout=5
    )
    assert chosen.status_code == 302
    return chosen.headers["Location"]


def user_info(client, back_url: str | None, token: str | None, **body):
    query = urlsplit(back_url).query if back_url else ""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    payload = {"clientId": DEMO_CLIENT_ID, "redirectUri": back_url or REDIRECT, **body}
    return client.post(
        f"{URL}?{query}", data=json.dumps(payload), content_type="application/json", headers=headers
    )


def test_sign_in_gives_the_persons_details_in_opencrvs_shape(client, configured, token, esignet):
    back = sign_in(esignet)
    assert parse_qs(urlsplit(back).query)["state"] == ["st-1"]

    response = user_info(client, back, token, transactionId="tx-e-1")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "name": {"firstname": "Jenny", "middlename": "Debra", "surname": "Doe"},
        "gender": "female",
        "dobUnknown": None,
        "birthDate": "2002-02-01",
        "verificationStatus": "authenticated",
        "idType": "NATIONAL_ID",
        "nid": "1234567891",
        "sub": esignet.subject(DEMO_CLIENT_ID, "1234567891"),
    }
    assert esignet.token_errors == []
    record = VerificationRecord.objects.get()
    assert (record.kind, record.result, record.transaction_id) == ("esignet", "verified", "tx-e-1")


def test_user_info_with_a_bad_signature_is_refused(client, configured, token, esignet):
    esignet.userinfo_signature = "unlisted_key"
    response = user_info(client, sign_in(esignet), token)

    assert response.status_code == 502
    assert "signature does not verify" in response.json()["detail"]
    assert VerificationRecord.objects.get().result == "error"


def no_keys() -> None:
    config = EsignetSettings.load()
    config.jwks_url = config.trusted_key_urls = config.trusted_keys = ""
    config.save()


def test_without_any_key_configured_user_info_is_trusted_as_the_reference_does(
    client, configured, token, esignet
):
    no_keys()
    esignet.userinfo_signature = "unlisted_key"

    assert user_info(client, sign_in(esignet), token).status_code == 200


@pytest.mark.parametrize("jwks_url", ["configured", ""])
def test_an_unsigned_user_info_token_is_always_refused(
    client, configured, token, esignet, jwks_url
):
    if not jwks_url:
        no_keys()
    esignet.userinfo_signature = "unsigned"

    response = user_info(client, sign_in(esignet), token)

    assert response.status_code == 502
    assert "'none'" in response.json()["detail"]


def test_a_code_used_twice_is_refused_the_second_time(client, configured, token, esignet):
    back = sign_in(esignet)
    assert user_info(client, back, token).status_code == 200

    again = user_info(client, back, token)

    assert again.status_code == 400
    assert "authorisation code" in again.json()["detail"]
    assert VerificationRecord.objects.filter(result="failed", error_code="invalid_grant").exists()


def test_an_assertion_signed_with_another_key_is_refused_by_esignet(
    client, configured, token, esignet
):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    config = EsignetSettings.load()
    config.client_private_jwk = RSAAlgorithm.to_jwk(stranger)
    config.save()

    response = user_info(client, sign_in(esignet), token)

    assert response.status_code == 502
    assert "invalid_client" in response.json()["detail"]
    assert esignet.token_errors[-1] == "invalid_client"


def test_esignet_down_is_a_502(client, configured, token, esignet):
    back = sign_in(esignet)
    esignet.controls.down = True

    response = user_info(client, back, token)

    assert response.status_code == 502
    assert "E-Signet" in response.json()["detail"]


@pytest.mark.parametrize(
    ("back_url", "body", "field"),
    [
        ("http://x/?state=s", {}, "code"),
        ("http://x/?code=c", {}, "state"),
        ("http://x/?code=c&state=s", {"clientId": ""}, "clientId"),
        ("http://x/?code=c&state=s", {"redirectUri": "not a url"}, "redirectUri"),
    ],
)
def test_malformed_input_is_a_400_naming_the_field(
    client, configured, token, esignet, back_url, body, field
):
    response = user_info(client, back_url, token, **body)

    assert response.status_code == 400
    assert field in response.json()
    assert not VerificationRecord.objects.exists()


def test_a_missing_or_expired_token_is_a_401(client, configured, opencrvs_server):
    assert user_info(client, "http://x/?code=c&state=s", None).status_code == 401
    expired = opencrvs_server.mint_token(expires_in=-60)
    assert user_info(client, "http://x/?code=c&state=s", expired).status_code == 401


def test_cors_is_open_to_the_opencrvs_client_app_only(client, configured, token, esignet):
    preflight = client.options(
        URL,
        headers={
            "Origin": APP,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == APP
    assert "Authorization" in preflight["Access-Control-Allow-Headers"]

    elsewhere = client.options(URL, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in elsewhere

    back = sign_in(esignet)
    answer = client.post(
        f"{URL}?{urlsplit(back).query}",
        data=json.dumps({"clientId": DEMO_CLIENT_ID, "redirectUri": back}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Origin": APP},
    )
    assert answer.status_code == 200 and answer["Access-Control-Allow-Origin"] == APP

    verify = client.options("/verify", headers={"Origin": APP})
    assert "Access-Control-Allow-Origin" not in verify


@pytest.mark.parametrize(
    "change",
    [
        {"aud": "https://elsewhere.example/token"},
        {"exp": 1_000_000_000},
        {"iss": "someone-else"},
        {"alg": "HS256"},
    ],
)
def test_the_stand_in_refuses_assertions_the_spec_forbids(esignet, change):
    """The stand-in is only a check on the portal if it is strict."""
    back = sign_in(esignet)
    key = load_client_jwk((certs_dir() / "esignet-jwk.txt").read_text())
    now = int(time.time())
    claims = {
        "iss": DEMO_CLIENT_ID,
        "sub": DEMO_CLIENT_ID,
        "aud": esignet.token_url,
        "iat": now,
        "exp": now + 60,
        "jti": str(uuid.uuid4()),
    }
    alg = change.pop("alg", "RS256")
    signing_key = key.private_key if alg == "RS256" else "shared-secret-of-32-bytes-or-more!"
    assertion = jwt.encode({**claims, **change}, signing_key, algorithm=alg)

    answer = requests.post(
        esignet.token_url,
        data={
            "grant_type": "authorization_code",
            "code": parse_qs(urlsplit(back).query)["code"][0],
            "client_id": DEMO_CLIENT_ID,
            "redirect_uri": REDIRECT,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
        timeout=5,
    )

    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


def test_the_client_key_is_write_only_and_checked(admin_client, configured):
    config = EsignetSettings.load()
    page = "/admin/integration/esignetsettings/1/change/"
    form = {
        "token_url": config.token_url,
        "userinfo_url": config.userinfo_url,
        "jwks_url": config.jwks_url,
        "issuer": config.issuer,
        "client_private_jwk": "",
        "client_encryption_key": "",
        "trusted_key_urls": config.trusted_key_urls,
        "trusted_keys": "",
        "userinfo_issuers": config.userinfo_issuers,
        "userinfo_signed_by": "esignet",
        "claims_language": "eng",
        "client_app_url": APP,
    }

    shown = admin_client.get(page)
    assert shown.status_code == 200 and config.client_private_jwk[:40].encode() not in shown.content
    assert admin_client.post(page, form).status_code == 302
    assert EsignetSettings.load().client_private_jwk == config.client_private_jwk
    refused = admin_client.post(page, {**form, "client_private_jwk": '{"kty": "oct"}'})
    assert refused.status_code == 200 and b"not an RSA private JWK" in refused.content


def test_the_encryption_key_is_write_only_and_trusted_keys_are_checked(admin_client, configured):
    config = EsignetSettings.load()
    page = "/admin/integration/esignetsettings/1/change/"
    form = {
        "token_url": config.token_url,
        "userinfo_url": config.userinfo_url,
        "jwks_url": config.jwks_url,
        "issuer": config.issuer,
        "client_private_jwk": "",
        "trusted_key_urls": "",
        "userinfo_issuers": "",
        "userinfo_signed_by": "esignet",
        "claims_language": "eng",
        "client_app_url": APP,
    }
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )

    saved = admin_client.post(page, {**form, "client_encryption_key": pem, "trusted_keys": public})

    assert saved.status_code == 302
    assert EsignetSettings.load().client_encryption_key == pem.strip()
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_encryption_key FROM integration_esignetsettings")
        [(stored,)] = cursor.fetchall()
    assert "PRIVATE KEY" not in str(stored)  # encrypted at rest
    shown = admin_client.get(page).content.decode()
    assert pem.splitlines()[1] not in shown
    assert "pinned keys: RSA 2048 bits" in shown

    refused = admin_client.post(
        page,
        {
            **form,
            "client_encryption_key": "not a key",
            "trusted_keys": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
            "trusted_key_urls": "ftp://example.org/keys.json",
        },
    )
    assert refused.status_code == 200
    page_text = refused.content.decode()
    assert "the encryption key is not PEM, JWK JSON or base64 JWK" in page_text
    assert "a PEM block cannot be read" in page_text
    assert "is not an http(s) URL" in page_text
    assert EsignetSettings.load().client_encryption_key == pem.strip()
