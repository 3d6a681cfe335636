"""The MOSIP stand-in's registration processor status and transaction searches, ID
repository and credential request generator answer in MOSIP's shapes
(docs/protocols.md#mosip-status), and its faults can be set over HTTP."""

from __future__ import annotations

import time

import requests

from mocks.mosip import MosipStandIn
from tests.mocks.test_mocks_mosip import cookies, create_packet, start_workflow

STATUS = "/registrationprocessor/v1/registrationstatus/externalstatus/search"
STEPS = "/registrationprocessor/v1/registrationtransaction/search/"


def statuses(mosip: MosipStandIn, *rids: str) -> dict:
    body = {
        "id": "mosip.registration.external.status",
        "version": "1.0",
        "requesttime": "2026-12-05T10:00:00.000Z",
        "request": [{"registrationId": rid} for rid in rids],
    }
    return requests.post(mosip.url + STATUS, json=body, cookies=cookies(mosip), timeout=5).json()


def wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert condition()


def test_status_steps_identity_and_a_credential_again(mosip: MosipStandIn) -> None:
    rid = "100011234567891"
    assert create_packet(mosip, rid, phone="0911111111")["errors"] == []
    start_workflow(mosip, rid)
    wait_until(lambda: rid in mosip.issued)

    never = "100019999999999"
    reply = statuses(mosip, rid, never)
    assert reply["response"] == [{"registrationId": rid, "statusCode": "PROCESSED"}]
    assert reply["errors"] == [
        {"errorCode": "RPR-RGS-031", "message": "RID Not Found", "registrationId": never}
    ]
    steps = requests.get(mosip.url + STEPS + rid, cookies=cookies(mosip), timeout=5).json()
    assert [s["transactionTypeCode"] for s in steps["response"]] == [
        "PACKET_RECEIVER", "VALIDATE_PACKET", "UIN_GENERATOR"
    ]  # fmt: skip
    assert set(steps["response"][0]) == {
        "id", "registrationId", "transactionTypeCode", "parentTransactionId", "statusCode",
        "subStatusCode", "statusComment", "createdDateTimes",
    }  # fmt: skip
    unknown = requests.get(mosip.url + STEPS + "1", cookies=cookies(mosip), timeout=5).json()
    assert unknown["errors"][0]["errorCode"] == "RPR-RTS-001"

    identity = requests.get(
        f"{mosip.url}/idrepository/v1/identity/idvid/{rid}",
        params={"idType": "ID", "type": "demo"},
        cookies=cookies(mosip),
        timeout=5,
    ).json()
    uin = identity["response"]["identity"]["UIN"]
    request = {"id": uin, "credentialType": "vercred", "issuer": "p", "recepiant": "p",
               "user": "u", "encrypt": False, "encryptionKey": "", "sharableAttributes": [],
               "additionalData": {}}  # fmt: skip
    asked = requests.post(
        mosip.url + "/v1/credentialrequest/requestgenerator",
        json={"id": "mosip.credential.request.service.id", "request": request},
        cookies=cookies(mosip),
        timeout=5,
    ).json()
    request_id = asked["response"]["requestId"]
    wait_until(lambda: len([i for i in mosip.issuances if i.registration_id == rid]) == 2)
    status = requests.get(
        f"{mosip.url}/v1/credentialrequest/get/{request_id}", cookies=cookies(mosip), timeout=5
    ).json()
    assert status["response"]["statusCode"] == "ISSUED"


def test_faults_set_over_http_reject_lose_and_drop(mosip: MosipStandIn) -> None:
    control = requests.post(
        mosip.url + "/_control",
        json={"packet_reject_rate": 1, "credential_drop_rate": 0},
        timeout=5,
    ).json()
    assert control["packet_reject_rate"] == 1.0
    rid = "100011234567892"
    create_packet(mosip, rid, phone="0911111111")
    start_workflow(mosip, rid)
    wait_until(lambda: rid in mosip.rejections)
    assert statuses(mosip, rid)["response"] == [{"registrationId": rid, "statusCode": "REJECTED"}]

    requests.post(mosip.url + "/_control", json={"packet_reject_rate": 0,
                  "packet_lose_rate": 1}, timeout=5)  # fmt: skip
    lost = "100011234567893"
    create_packet(mosip, lost, phone="0911111111")
    assert start_workflow(mosip, lost)["errors"] is None  # answered as started
    assert statuses(mosip, lost)["errors"][0]["errorCode"] == "RPR-RGS-031"

    requests.post(mosip.url + "/_control", json={"packet_lose_rate": 0,
                  "credential_drop_rate": 1}, timeout=5)  # fmt: skip
    dropped = "100011234567894"
    create_packet(mosip, dropped, phone="0911111111")
    start_workflow(mosip, dropped)
    wait_until(lambda: [i.registration_id for i in mosip.dropped] == [dropped])
    assert mosip.deliveries == []
    assert requests.post(mosip.url + "/_control", json={"credential_drop_rate": 2},
                         timeout=5).status_code == 400  # fmt: skip
