"""OpenCRVS tokens: anything that is not a well-formed RS256 JWT is 401 before any key
lookup, and an outage of the key costs one fetch, not one per request."""

import base64
import json
import threading
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from integration.models import OpenCrvsSettings
from integration.services import record_token
from integration.services.record_token import KeyUnavailable, public_keys
from tests.fixtures import birth_request
from tests.support.scripted_server import Reply, ScriptedServer


def b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def post(client, token: str):
    return client.post(
        "/events/registration",
        data=json.dumps(birth_request()),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


CLAIMS = {"iss": "opencrvs:auth-service", "exp": int(time.time()) + 600, "eventId": "e"}
MALFORMED = {
    "not-a-jwt": "hello",
    "two-parts": "a.b",
    "empty-signature": f"{b64({'alg': 'RS256'})}.{b64(CLAIMS)}.",
    "not-base64": "%%%.%%%.%%%",
    "not-json": f"{b64(b'not json')}.{b64(CLAIMS)}.c2ln",
    "header-a-list": f"{b64([1])}.{b64(CLAIMS)}.c2ln",
    "alg-none": f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(CLAIMS)}.c2ln",
    "alg-none-unsigned": f"{b64({'alg': 'none'})}.{b64(CLAIMS)}.",
    "hs256": jwt.encode(CLAIMS, "a-shared-secret-of-enough-length-32b", algorithm="HS256"),
    "non-ascii": "é.é.é",
}


@pytest.mark.parametrize("token", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_token_is_401_without_a_key_lookup(client, db, token):
    with ScriptedServer() as key_server:
        config = OpenCrvsSettings.load()
        config.public_key_url = f"{key_server.url}/.well-known"
        config.save()
        response = post(client, token)
        assert response.status_code == 401, response.content
        assert key_server.hits == []  # the key was never asked for


SIGNED_BUT_REFUSED = {
    "other-issuer": ({**CLAIMS, "iss": "someone-else"}, "iss"),
    "no-exp": ({"iss": "opencrvs:auth-service", "eventId": "e"}, "exp"),
    "no-iss": ({"exp": CLAIMS["exp"], "eventId": "e"}, "iss"),
    "not-yet-valid": ({**CLAIMS, "nbf": int(time.time()) + 600}, "not yet valid"),
    "expired": ({**CLAIMS, "exp": int(time.time()) - 10}, "expired"),
}


@pytest.mark.parametrize(
    ("claims", "named"), SIGNED_BUT_REFUSED.values(), ids=SIGNED_BUT_REFUSED.keys()
)
def test_a_well_signed_token_with_claims_out_of_bounds_is_401(client, db, claims, named):
    # Signed with the key the portal fetches, by another JOSE library than the portal's.
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims, key, algorithm="RS256")
    pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    with ScriptedServer() as key_server:
        key_server.replies["/key"] = Reply(200, pem, "text/plain")
        config = OpenCrvsSettings.load()
        config.public_key_url = f"{key_server.url}/key"
        config.save()
        response = post(client, token)
    assert response.status_code == 401, response.content
    assert named in response.json()["detail"]


def test_alg_none_is_401_with_the_key_reachable(client, configured, opencrvs):
    claims = jwt.decode(opencrvs.mint_token(), options={"verify_signature": False})
    forged = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    assert post(client, forged).status_code == 401
    assert post(client, opencrvs.mint_token()).status_code == 202


def test_a_well_formed_token_while_the_key_is_out_of_reach_is_503(client, db):
    config = OpenCrvsSettings.load()
    config.public_key_url = "http://127.0.0.1:1/.well-known"
    config.save()
    token = f"{b64({'alg': 'RS256'})}.{b64(CLAIMS)}.c2ln"
    response = post(client, token)
    assert response.status_code == 503 and response["Content-Type"] == "application/json"


def test_a_key_outage_costs_one_fetch_for_many_concurrent_requests(db):
    with ScriptedServer() as key_server:
        key_server.replies["/key"] = Reply(503, b"{}", delay=0.5)
        url = f"{key_server.url}/key"
        errors: list[Exception] = []

        def ask() -> None:
            try:
                public_keys.get(url)
            except KeyUnavailable as exc:
                errors.append(exc)

        threads = [threading.Thread(target=ask) for _ in range(8)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(errors) == 8
        assert len(key_server.hits) == 1  # one fetch, all eight answered by it
        assert time.monotonic() - started < 2.0

        with pytest.raises(KeyUnavailable):
            public_keys.get(url)  # remembered: no second fetch
        assert len(key_server.hits) == 1


def test_a_remembered_failure_is_forgotten_after_a_while(db, opencrvs, monkeypatch):
    monkeypatch.setattr(record_token, "FAILED_FETCH_MEMORY_SECONDS", 0.2)
    with ScriptedServer() as key_server:
        key_server.replies["/key"] = Reply(503, b"{}")
        url = f"{key_server.url}/key"
        with pytest.raises(KeyUnavailable):
            public_keys.get(url)
        time.sleep(0.3)
        key_server.replies["/key"] = Reply(200, opencrvs.public_key_pem.encode(), "text/plain")
        assert "PUBLIC KEY" in public_keys.get(url)
        assert len(key_server.hits) == 2


def test_the_key_is_fetched_again_at_most_once_per_interval(db, opencrvs, monkeypatch):
    """A token with a bad signature may mean a rotated key, but asks at most once a minute."""
    with ScriptedServer() as key_server:
        key_server.replies["/key"] = Reply(200, opencrvs.public_key_pem.encode(), "text/plain")
        url = f"{key_server.url}/key"
        for _ in range(5):
            public_keys.get(url, refresh=True)
        assert len(key_server.hits) == 1
        monkeypatch.setattr(record_token, "KEY_REFRESH_AFTER_SECONDS", 0)
        public_keys.get(url, refresh=True)
        assert len(key_server.hits) == 2
