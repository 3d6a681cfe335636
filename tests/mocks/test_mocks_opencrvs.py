"""The OpenCRVS stand-in's gateway: tokens checked, tRPC errors, record states."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import requests

from mocks.opencrvs import OpenCrvsStandIn

ACCEPT = "/events/event.actions.register.accept?batch=1"
REJECT = "/events/event.actions.register.reject?batch=1"


def ids(token: str) -> dict[str, str]:
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return {"eventId": claims["eventId"], "actionId": claims["actionId"]}


def call(opencrvs: OpenCrvsStandIn, path: str, token: str | None, body: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return requests.post(
        opencrvs.url + path,
        data=data,
        timeout=5,
        headers={"Content-Type": "application/json", **headers},
    )


def accept(opencrvs: OpenCrvsStandIn, token: str | None, **override: Any) -> requests.Response:
    own = ids(token) if token and "eventId" not in override else {}
    payload = {
        "transactionId": "mosip-interop-1",
        **own,
        "registrationNumber": "2026B1",
        "declaration": {"child.nid": "1234567890"},
    }
    return call(opencrvs, ACCEPT, token, {"0": {"json": {**payload, **override}}})


def reject(opencrvs: OpenCrvsStandIn, token: str) -> requests.Response:
    payload = {"transactionId": "mosip-interop-2", **ids(token)}
    return call(opencrvs, REJECT, token, {"0": {"json": payload}})


def error(reply: requests.Response) -> dict[str, Any]:
    [entry] = reply.json()
    return entry["error"]["json"]


def forged_hs256(opencrvs: OpenCrvsStandIn, claims: dict[str, Any]) -> str:
    """The classic confusion attack: HS256 keyed with the public key PEM."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    head = part({"alg": "HS256", "typ": "JWT"}) + "." + part(claims)
    mac = hmac.new(opencrvs.public_key_pem.encode(), head.encode(), hashlib.sha256).digest()
    return head + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def test_accept_is_idempotent(opencrvs: OpenCrvsStandIn) -> None:
    token = opencrvs.mint_token()
    first, again = accept(opencrvs, token), accept(opencrvs, token)
    assert first.status_code == again.status_code == 200
    assert first.json()[0]["result"]["data"]["json"]["id"] == ids(token)["eventId"]
    assert opencrvs.event_status(ids(token)["eventId"]) == "accepted"
    assert len(opencrvs.accepted) == 2
    assert reject(opencrvs, token).status_code == 400  # a registered record stays registered


def test_rejected_record_answers_bad_request(opencrvs: OpenCrvsStandIn) -> None:
    token = opencrvs.mint_token(event_type="death")
    assert reject(opencrvs, token).status_code == 200
    assert set(opencrvs.rejected[0].input) == {"transactionId", "eventId", "actionId"}
    for reply in (accept(opencrvs, token), reject(opencrvs, token)):
        assert reply.status_code == 400
        assert error(reply) == {
            "message": f"Event {ids(token)['eventId']} has been rejected",
            "code": -32600,
            "data": {
                "code": "BAD_REQUEST",
                "httpStatus": 400,
                "path": reply.url.split("/events/")[1].split("?")[0],
            },
        }


def test_bad_tokens_are_unauthorized(opencrvs: OpenCrvsStandIn) -> None:
    good = opencrvs.mint_token()
    claims = {**ids(good), "scope": ["record.confirm-registration"], "exp": 4102444800}
    header, payload, _ = opencrvs.mint_token(event_id=ids(good)["eventId"]).split(".")
    unsigned = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    bad_tokens = {
        "missing": None,
        "garbage": "not-a-jwt",
        "expired": opencrvs.mint_token(expires_in=-60),
        "alg none": f"{unsigned}.{payload}.",
        "hs256 with the public key": forged_hs256(opencrvs, claims),
        "bad signature": f"{header}.{payload}.{good.split('.')[2]}",
    }
    for name, token in bad_tokens.items():
        reply = accept(opencrvs, token, **ids(good))
        assert reply.status_code == 401, name
        assert error(reply)["data"]["code"] == "UNAUTHORIZED", name
        assert error(reply)["code"] == -32001
    other = opencrvs.mint_token()
    reply = accept(opencrvs, other, **ids(good))  # a valid token for another record
    assert reply.status_code == 401
    assert opencrvs.accepted == [] and len(opencrvs.calls) == len(bad_tokens) + 1


def test_rotated_key_invalidates_old_tokens(opencrvs: OpenCrvsStandIn) -> None:
    old_pem, token = opencrvs.public_key_pem, opencrvs.mint_token()
    opencrvs.rotate_key()
    assert requests.get(opencrvs.url + "/.well-known", timeout=5).text != old_pem
    assert accept(opencrvs, token).status_code == 401
    assert accept(opencrvs, opencrvs.mint_token()).status_code == 200


def test_missing_scope_is_forbidden(opencrvs: OpenCrvsStandIn) -> None:
    token = opencrvs.mint_token(scope=["record.register"])
    assert reject(opencrvs, token).status_code == 403


def test_malformed_calls(opencrvs: OpenCrvsStandIn) -> None:
    token = opencrvs.mint_token()
    reply = call(opencrvs, ACCEPT, token, b"{not json")
    assert reply.status_code == 400 and error(reply)["data"]["code"] == "PARSE_ERROR"
    reply = call(opencrvs, ACCEPT, token, {"json": ids(token)})  # not a batch
    assert reply.status_code == 400 and error(reply)["data"]["code"] == "BAD_REQUEST"
    reply = accept(opencrvs, token, transactionId=None)
    assert reply.status_code == 400 and "transactionId" in error(reply)["message"]
    reply = call(opencrvs, "/events/event.nope?batch=1", token, {})
    assert reply.status_code == 404
    unbatched = call(
        opencrvs, ACCEPT.split("?")[0], token, {"json": {"transactionId": "t", **ids(token)}}
    )
    assert unbatched.status_code == 200 and "result" in unbatched.json()


def test_token_endpoint_for_the_demo(opencrvs: OpenCrvsStandIn) -> None:
    reply = requests.post(
        opencrvs.url + "/_test/token", timeout=5, json={"event_id": "e-1", "event_type": "death"}
    )
    assert reply.json()["eventId"] == "e-1" and opencrvs.events["e-1"].type == "death"
    assert accept(opencrvs, reply.json()["token"]).status_code == 200
    assert (
        requests.post(opencrvs.url + "/_test/token", json={"bogus": 1}, timeout=5).status_code
        == 400
    )


def test_an_event_document_posted_for_a_demo_is_what_event_get_answers(opencrvs):
    from tests.fixtures import load_json

    document = load_json("farajaland", "v1.9.15-birth-informant-mother.event.json")
    held = requests.post(opencrvs.url + "/_test/event", json=document, timeout=5).json()
    assert held["eventId"] == document["id"]
    scope = ["record.confirm-registration", "record.reject-registration", "record.read"]
    options = {"event_id": held["eventId"], "action_id": held["actionId"], "scope": scope}
    token = requests.post(opencrvs.url + "/_test/token", json=options, timeout=5).json()["token"]

    query = json.dumps({"0": {"json": {"eventId": held["eventId"]}}})
    reply = requests.get(
        opencrvs.url + "/events/event.get",
        params={"batch": "1", "input": query},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert reply.json()[0]["result"]["data"]["json"] == document
    assert accept(opencrvs, token).status_code == 200  # its REGISTER was the requested one
    refused = requests.post(opencrvs.url + "/_test/event", json={"id": "x"}, timeout=5)
    assert refused.status_code == 400
