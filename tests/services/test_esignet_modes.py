"""E-Signet user info in each shape real deployments send, end to end: a person signs in on
the stand-in E-Signet (its own HTTP server), OpenCRVS's form calls the portal, the portal
trades the code, reads the user info (JWS or JWE), checks it and answers.

Each deployment is configured as the README says for it, and every one gives the same
answer; what cannot be trusted is a 502 that says why and keeps nothing of the person.
"""

import json
import logging
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from demo.verification import configure_demo
from integration.models import EsignetSettings, OpenCrvsSettings, VerificationRecord
from mocks import esignet as standin
from mocks.esignet import DEMO_CLIENT_ID, EsignetStandIn
from mocks.esignet_userinfo import OPENCRVS_MOCK_SUB, claims_for
from mocks.opencrvs import OpenCrvsStandIn

REDIRECT = "http://localhost:3000/drafts/abc/review"
URL = "/esignet/get-oidp-user-info"
JENNY_NID = "1234567891"
JENNY = {
    "name": {"firstname": "Jenny", "middlename": "Debra", "surname": "Doe"},
    "gender": "female",
    "dobUnknown": None,
    "birthDate": "2002-02-01",
    "verificationStatus": "authenticated",
    "idType": None,
    "nid": None,
}
# Behind IDA and the mock identity system the number she signed in with comes as
# `individual_id`: the 2.x answer's `nid`. The plugin-JSON and OpenCRVS mock shapes lack it.
WITH_INDIVIDUAL_ID = ("ida", "mock_identity")


def jenny_in(mode: str) -> dict:
    """What the form gets for Jenny from each deployment: her PSUT as `sub` always."""
    answer = {**JENNY, "sub": EsignetStandIn.subject(DEMO_CLIENT_ID, JENNY_NID)}
    if mode in WITH_INDIVIDUAL_ID:
        answer.update(idType="NATIONAL_ID", nid=JENNY_NID)
    if mode == "opencrvs_mock":
        answer["sub"] = OPENCRVS_MOCK_SUB  # the same for everyone
    return answer


PERSONAL = ("Jenny", "Debra", "2002", "Female")


@pytest.fixture(scope="module")
def opencrvs_server() -> Iterator[OpenCrvsStandIn]:
    with OpenCrvsStandIn() as server:
        yield server


@pytest.fixture(scope="module")
def esignet() -> Iterator[EsignetStandIn]:
    with EsignetStandIn() as server:
        yield server


@pytest.fixture(scope="module")
def encryption_key() -> rsa.RSAPrivateKey:
    """The client's encryption key pair: E-Signet holds the certificate, the portal the key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def portal(db, opencrvs_server, esignet, encryption_key) -> Iterator[None]:
    crvs = OpenCrvsSettings.load()
    crvs.public_key_url = f"{opencrvs_server.url}/.well-known"
    crvs.save()
    configure_demo("http://127.0.0.1:9", esignet.url)
    esignet.register_encryption_key(
        DEMO_CLIENT_ID, encryption_key.public_key(), kid="opencrvs-enc-1"
    )
    yield
    esignet.reset()


def deployment(esignet: EsignetStandIn, mode: str, encryption_key=None) -> None:
    """The stand-in answers as `mode`; the portal is set up as the README says for it."""
    esignet.mode = mode
    esignet.encrypt_userinfo = encryption_key is not None
    base = esignet.url
    config = EsignetSettings.load()
    config.token_url = base + standin.TOKEN_PATH
    config.userinfo_url = base + standin.USERINFO_PATH
    config.jwks_url = base + standin.JWKS_PATH
    config.issuer = esignet.issuer
    config.trusted_key_urls = config.userinfo_issuers = config.trusted_keys = ""
    config.userinfo_signed_by = "esignet"
    if mode == "mock_identity":
        config.trusted_key_urls = base + standin.MOCK_IDENTITY_KEYS_PATH
        config.userinfo_issuers = esignet.mock_identity_issuer
    if mode == "opencrvs_mock":
        config.token_url = base + standin.OPENCRVS_MOCK_TOKEN_PATH
        config.userinfo_url = base + standin.OPENCRVS_MOCK_USERINFO_PATH
        config.jwks_url = config.issuer = ""
        config.userinfo_signed_by = "client_key"
    if encryption_key is not None:
        config.client_encryption_key = encryption_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
    config.save()


def sign_in_and_ask(client, esignet: EsignetStandIn, token: str):
    params = {
        "client_id": DEMO_CLIENT_ID,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid profile",
        "state": "st-1",
    }
    chosen = requests.post(
        f"{esignet.url}/authorize",
        data={**params, "nid": JENNY_NID},
        allow_redirects=False,
        timeout=5,
    )
    back = chosen.headers["Location"]
    return client.post(
        f"{URL}?{urlsplit(back).query}",
        data=json.dumps({"clientId": DEMO_CLIENT_ID, "redirectUri": back}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.fixture
def ask(client, portal, esignet, opencrvs_server):
    return lambda: sign_in_and_ask(client, esignet, opencrvs_server.mint_token())


def refused(response, caplog, why: str) -> None:
    """A 502 saying why, recorded as an error, with nothing of the person anywhere."""
    assert response.status_code == 502, response.content
    detail = response.json()["detail"]
    assert why in detail, detail
    record = VerificationRecord.objects.get()
    assert record.result == "error" and why in record.error_message
    said = detail + record.error_message + caplog.text
    assert not [word for word in PERSONAL if word in said], said


@pytest.mark.parametrize(
    ("mode", "encrypted"),
    [
        ("ida", False),
        ("mock_identity", False),
        ("esignet", False),
        ("opencrvs_mock", False),
        ("ida", True),
        ("mock_identity", True),
        ("esignet", True),
    ],
)
def test_every_deployment_gives_the_same_answer(ask, esignet, encryption_key, mode, encrypted):
    deployment(esignet, mode, encryption_key if encrypted else None)

    response = ask()

    assert response.status_code == 200, response.content
    assert response.json() == jenny_in(mode)
    answered = esignet.requests_to(
        standin.OPENCRVS_MOCK_USERINFO_PATH if mode == "opencrvs_mock" else standin.USERINFO_PATH
    )
    assert answered[-1].status == 200
    assert VerificationRecord.objects.get().result == "verified"


@pytest.mark.parametrize(("mode", "locale"), [("ida", "en"), ("mock_identity", "eng")])
def test_the_psut_the_nid_and_the_name_under_the_default_claims_language(
    ask, esignet, mode, locale
):
    """IDA names its claims `name#en`, the mock identity system `name#eng`: the default
    claims language (`eng`) reads both, and the 2.x fields come from `sub` and
    `individual_id`."""
    deployment(esignet, mode)
    person = esignet.identities[JENNY_NID]
    sent = claims_for(mode, person, "psut", DEMO_CLIENT_ID, esignet.mock_identity_issuer)
    assert f"name#{locale}" in sent and "name" not in sent
    assert EsignetSettings.load().claims_language == "eng"

    answer = ask().json()

    assert answer["sub"] == EsignetStandIn.subject(DEMO_CLIENT_ID, JENNY_NID)
    assert (answer["idType"], answer["nid"]) == ("NATIONAL_ID", JENNY_NID)
    assert answer["name"] == {"firstname": "Jenny", "middlename": "Debra", "surname": "Doe"}
    assert answer["gender"] == "female"


def test_a_pinned_certificate_stands_in_for_a_key_url(ask, esignet):
    deployment(esignet, "mock_identity")
    config = EsignetSettings.load()
    config.trusted_key_urls = ""
    certificate = esignet.mock_identity_key.certificate
    config.trusted_keys = certificate.public_bytes(serialization.Encoding.PEM).decode()
    config.save()
    fetched = len(esignet.requests_to(standin.MOCK_IDENTITY_KEYS_PATH))

    assert ask().json() == jenny_in("mock_identity")
    assert len(esignet.requests_to(standin.MOCK_IDENTITY_KEYS_PATH)) == fetched


def test_the_mock_identity_key_is_not_trusted_until_its_keys_json_is_configured(
    ask, esignet, caplog
):
    deployment(esignet, "mock_identity")
    config = EsignetSettings.load()
    config.trusted_key_urls = ""
    config.save()

    refused(ask(), caplog, f"no trusted key fits it (kid '{esignet.mock_identity_key.kid}'")


def test_a_token_signed_by_an_untrusted_key_is_refused(ask, esignet, caplog):
    deployment(esignet, "ida")
    esignet.userinfo_signature = "unlisted_key"

    refused(ask(), caplog, "its signature does not verify against any trusted key")


def test_the_client_s_own_key_is_trusted_only_when_the_setting_says_so(ask, esignet, caplog):
    deployment(esignet, "opencrvs_mock")
    config = EsignetSettings.load()
    config.userinfo_signed_by = "esignet"
    config.jwks_url = esignet.url + standin.JWKS_PATH
    config.save()

    refused(ask(), caplog, "its signature does not verify against any trusted key")


def test_user_info_about_someone_other_than_the_id_token_s_subject_is_refused(ask, esignet, caplog):
    deployment(esignet, "ida")
    esignet.userinfo_claims = {"sub": "another-persons-psut"}

    refused(ask(), caplog, "its sub differs from the ID token's")


@pytest.mark.parametrize("mode", ["mock_identity", "esignet"])
def test_user_info_for_another_client_is_refused(ask, esignet, caplog, mode):
    deployment(esignet, mode)
    esignet.userinfo_claims = {"aud": "another-client"}

    refused(ask(), caplog, "it is meant for another client (aud 'another-client')")


@pytest.mark.parametrize(
    ("signature", "why"),
    [
        ("rs512", "it is signed with 'RS512'; only RS256 and PS256 are accepted"),
        ("unsigned", "it is signed with 'none'; only RS256 and PS256 are accepted"),
    ],
)
def test_an_algorithm_other_than_rs256_or_ps256_is_refused(ask, esignet, caplog, signature, why):
    deployment(esignet, "ida")
    esignet.userinfo_signature = signature

    refused(ask(), caplog, why)


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"aud": "another-client"}, "the ID token is meant for another client"),
        ({"iss": "https://elsewhere.example"}, "the ID token's issuer"),
        ({"exp": 1_000_000_000}, "the ID token has expired (exp)"),
    ],
)
def test_an_id_token_that_fails_oidc_checks_is_refused(ask, esignet, caplog, claims, why):
    deployment(esignet, "ida")
    esignet.id_token_claims = claims

    refused(ask(), caplog, why)


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"exp": 1_000_000_000}, "it has expired (exp)"),
        ({"iat": 9_999_999_999}, "it was issued in the future (iat)"),
        ({"iss": "https://elsewhere.example"}, "its issuer 'https://elsewhere.example'"),
    ],
)
def test_times_and_issuer_are_checked_when_present(ask, esignet, caplog, claims, why):
    deployment(esignet, "mock_identity")
    esignet.userinfo_claims = claims

    refused(ask(), caplog, why)


def test_an_encrypted_answer_without_the_client_s_encryption_key_is_refused(
    ask, esignet, caplog, encryption_key
):
    deployment(esignet, "ida", encryption_key)
    config = EsignetSettings.load()
    config.client_encryption_key = ""
    config.save()

    refused(ask(), caplog, "it is encrypted (JWE) and no client encryption key is set")


def test_an_answer_encrypted_for_another_key_is_refused(ask, esignet, caplog, encryption_key):
    deployment(esignet, "ida", encryption_key)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    esignet.register_encryption_key(DEMO_CLIENT_ID, stranger.public_key())

    refused(ask(), caplog, "it cannot be decrypted with the client encryption key")


def test_an_unreadable_key_url_is_named_in_the_refusal(ask, esignet, caplog):
    deployment(esignet, "mock_identity")
    config = EsignetSettings.load()
    config.trusted_key_urls = "http://127.0.0.1:9/keys.json"
    config.save()

    with caplog.at_level(logging.INFO):
        refused(ask(), caplog, "http://127.0.0.1:9/keys.json could not be read")


def test_the_demo_switches_the_stand_in_s_shape_over_http(esignet):
    url = f"{esignet.url}/_esignet"
    try:
        switched = requests.post(url, json={"mode": "mock_identity"}, timeout=5)
        assert switched.json() == {"mode": "mock_identity", "encrypt_userinfo": False}
        assert requests.post(url, json={"mode": "other"}, timeout=5).status_code == 400
        assert requests.get(url, timeout=5).json()["mode"] == "mock_identity"
    finally:
        esignet.reset()
