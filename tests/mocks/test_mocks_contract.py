"""The stand-ins answer the captured requests (fixtures/wire) in the captured shapes."""

from __future__ import annotations

import copy
import json
from http.cookies import SimpleCookie
from typing import Any

import jwt
import requests

from mocks.mosip import MosipStandIn
from mocks.opencrvs import OpenCrvsStandIn
from tests.mocks.test_mocks_support import decrypt_credential, same_shape, wire

AUTH = "/v1/authmanager/authenticate/clientidsecretkey"
PACKET = "/commons/v1/packetmanager/createPacket"
WORKFLOW = "/registrationprocessor/v1/workflowmanager/workflowinstance"


def token(mosip: MosipStandIn, client: str = "mosip-regproc-client") -> str:
    body = copy.deepcopy(
        wire("post_v1_authmanager_authenticate_clientidsecretkey")["request"]["body"]
    )
    body["request"]["clientId"] = client
    return requests.post(mosip.url + AUTH, json=body, timeout=5).cookies["Authorization"]


def assert_like(reply: requests.Response, captured: dict[str, Any]) -> None:
    assert reply.status_code == captured["status"]
    assert reply.headers["Content-Type"] == captured["headers"]["Content-Type"]
    if isinstance(captured["body"], str):
        assert reply.text == captured["body"]
    else:
        same_shape(reply.json(), captured["body"])


def test_auth_replay_sets_a_jwt_cookie(mosip: MosipStandIn) -> None:
    captured = wire("post_v1_authmanager_authenticate_clientidsecretkey")
    reply = requests.post(mosip.url + AUTH, json=captured["request"]["body"], timeout=5)
    assert_like(reply, captured["response"])
    cookie = SimpleCookie(reply.headers["Set-Cookie"])["Authorization"]
    assert cookie["path"] == "/" and cookie["httponly"] and cookie["secure"]
    claims = jwt.decode(cookie.value, options={"verify_signature": False})
    assert claims["sub"] == "mosip-websub-client"
    assert 3590 <= claims["exp"] - claims["iat"] <= 3600
    assert mosip.auth_calls == 1


def test_auth_with_a_wrong_secret_is_401(mosip: MosipStandIn) -> None:
    body = copy.deepcopy(
        wire("post_v1_authmanager_authenticate_clientidsecretkey")["request"]["body"]
    )
    body["request"]["secretKey"] = "wrong"
    reply = requests.post(mosip.url + AUTH, json=body, timeout=5)
    assert reply.status_code == 401 and "Set-Cookie" not in reply.headers
    assert reply.json()["errors"][0]["errorCode"] == "KER-ATH-401"
    assert mosip.auth_calls == 0


def test_create_packet_and_workflow_replay(mosip: MosipStandIn) -> None:
    cookies = {"Authorization": token(mosip)}
    for name, send in (
        ("put_commons_v1_packetmanager_createPacket", requests.put),
        ("post_registrationprocessor_v1_workflowmanager_workflowinstance", requests.post),
    ):
        captured = wire(name)
        reply = send(
            mosip.url + captured["request"]["path_qs"],
            json=captured["request"]["body"],
            cookies=cookies,
            timeout=5,
        )
        assert_like(reply, captured["response"])
        assert reply.json()["errors"] in (None, [])
    assert mosip.packets["100016232770034"]["process"] == "CRVS_NEW"
    assert len(mosip.workflows["100016232770034"]) == 1
    assert mosip.auth_calls == 1  # one token served all calls


def test_protected_endpoints_need_the_cookie(mosip: MosipStandIn) -> None:
    for name, method in (
        ("put_commons_v1_packetmanager_createPacket", "PUT"),
        ("post_registrationprocessor_v1_workflowmanager_workflowinstance", "POST"),
    ):
        request = wire(name)["request"]
        for cookies in (
            {},
            {"Authorization": "some-token"},
            {"Authorization": mosip.mint_token("x", ttl_seconds=-60)},
        ):
            reply = requests.request(
                method,
                mosip.url + request["path_qs"],
                json=request["body"],
                cookies=cookies,
                timeout=5,
            )
            assert reply.status_code == 401
            assert reply.json()["errors"][0]["errorCode"] == "KER-ATH-401"
    assert mosip.packets == {}


def test_websub_hub_replay(mosip: MosipStandIn) -> None:
    captured = wire("post_websub_hub")
    reply = requests.post(
        mosip.url + "/websub/hub",
        data=captured["request"]["body"],
        headers={"Content-Type": captured["request"]["headers"]["Content-Type"]},
        cookies={"Authorization": token(mosip, "mosip-websub-client")},
        timeout=5,
    )
    assert_like(reply, captured["response"])
    assert mosip.hub.attempts[-1].secret == "mosip-websub-secret"


def test_issued_callback_and_credential_have_the_captured_shape(mosip: MosipStandIn) -> None:
    request = wire("put_commons_v1_packetmanager_createPacket")["request"]
    requests.put(
        mosip.url + PACKET, json=request["body"], cookies={"Authorization": token(mosip)}, timeout=5
    )
    issuance = mosip.issue_credential("100016232770034")
    body = json.loads(issuance.body)
    same_shape(body, wire("post_websub_callback")["request"]["body"])
    credential, _ = decrypt_credential(body["event"]["data"]["credential"])
    same_shape(credential, wire("credential_decrypted"))
    assert credential == issuance.credential


def test_register_accept_replay(opencrvs: OpenCrvsStandIn) -> None:
    captured = wire("post_opencrvs_events_register_accept")
    sent = captured["body"]["0"]["json"]
    bearer = opencrvs.mint_token(sent["eventId"], sent["actionId"])
    reply = requests.post(
        f"{opencrvs.url}{captured['path']}?{captured['query']}",
        json=captured["body"],
        timeout=5,
        headers={"Authorization": f"Bearer {bearer}"},
    )
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("application/json")
    [entry] = reply.json()
    event = entry["result"]["data"]["json"]
    assert event["id"] == sent["eventId"] and event["type"] == "birth"
    assert event["actions"][-1]["registrationNumber"] == sent["registrationNumber"]
    assert opencrvs.accepted[0].input == sent
    assert opencrvs.accepted[0].headers["Authorization"] == f"Bearer {bearer}"


def test_minted_token_has_the_captured_claims(opencrvs: OpenCrvsStandIn) -> None:
    captured_token = wire("post_opencrvs_events_register_accept")["headers"]["Authorization"]
    captured = jwt.decode(captured_token.split()[1], options={"verify_signature": False})
    pem = requests.get(opencrvs.url + "/.well-known", timeout=5)
    assert pem.headers["Content-Type"].startswith("text/plain")
    minted = opencrvs.mint_token()
    claims = jwt.decode(minted, pem.text, algorithms=["RS256"], audience="opencrvs:gateway-user")
    assert set(claims) == set(captured)
    assert claims["scope"] == captured["scope"] and claims["iss"] == captured["iss"]
    assert claims["exp"] - claims["iat"] == captured["exp"] - captured["iat"] == 7 * 24 * 3600
    assert jwt.get_unverified_header(minted) == jwt.get_unverified_header(captured_token.split()[1])


def test_masterdata_serves_the_id_schema_as_mosip_answers_it(mosip: MosipStandIn) -> None:
    """admin-services SchemaController GET /idschema/latest: the schema is a JSON string
    in response.schemaJson, beside idVersion and its publication details."""
    url = mosip.url + "/v1/masterdata/idschema/latest"
    reply = requests.get(
        url, params={"schemaVersion": "0.1"}, cookies={"Authorization": token(mosip)}, timeout=5
    )
    assert reply.status_code == 200
    body = reply.json()
    assert set(body) == {"id", "version", "responsetime", "metadata", "response", "errors"}
    answer = body["response"]
    assert {"id", "idVersion", "title", "description", "schemaJson", "status"} <= set(answer)
    assert answer["idVersion"] == 0.1 and answer["status"] == "PUBLISHED"
    schema = json.loads(answer["schemaJson"])
    assert "addressLine1" in schema["properties"]["identity"]["required"]

    unknown = requests.get(
        url, params={"schemaVersion": "9.9"}, cookies={"Authorization": token(mosip)}, timeout=5
    ).json()
    assert unknown["response"] is None
    assert unknown["errors"][0]["errorCode"] == "KER-SCH-007"
    assert requests.get(url, params={"schemaVersion": "0.1"}, timeout=5).status_code == 401
