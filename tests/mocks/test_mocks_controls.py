"""Fault controls, from Python and over HTTP, and the request record."""

from __future__ import annotations

import time

import pytest
import requests

from mocks.base import Controls
from mocks.mosip import MosipStandIn
from mocks.opencrvs import OpenCrvsStandIn

KEY = "/.well-known/public-key.json"


def test_down_answers_503_but_control_still_works(mosip: MosipStandIn) -> None:
    mosip.controls.down = True
    for path in (KEY, "/no/such/path"):
        reply = requests.get(mosip.url + path, timeout=5)
        assert reply.status_code == 503
        assert reply.json()["errors"][0]["errorCode"] == "STANDIN-503"
    state = requests.post(mosip.url + "/_control", json={"down": False}, timeout=5).json()
    assert state == {
        "latency_seconds": 0.0,
        "error_rate": 0.0,
        "down": False,
        "duplicate_callbacks": False,
        "packet_reject_rate": 0.0,
        "packet_lose_rate": 0.0,
        "credential_drop_rate": 0.0,
    }
    assert requests.get(mosip.url + KEY, timeout=5).status_code == 200
    assert [r.status for r in mosip.requests_to(KEY)] == [503, 200]


def test_latency(mosip: MosipStandIn) -> None:
    requests.post(mosip.url + "/_control", json={"latency_seconds": 0.3}, timeout=5)
    started = time.monotonic()
    assert requests.get(mosip.url + KEY, timeout=5).status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    requests.get(mosip.url + "/_control", timeout=5)  # control is never delayed
    assert time.monotonic() - started < 0.3


def test_error_rate() -> None:
    with OpenCrvsStandIn(controls=Controls(error_rate=1.0)) as opencrvs:
        statuses = {
            requests.get(opencrvs.url + "/.well-known", timeout=5).status_code for _ in range(5)
        }
        assert statuses == {503}
        opencrvs.controls.error_rate = 0.0
        assert requests.get(opencrvs.url + "/.well-known", timeout=5).status_code == 200
        # The demo's token helper is exempt from faults.
        opencrvs.controls.down = True
        assert requests.post(opencrvs.url + "/_test/token", timeout=5).status_code == 200


@pytest.mark.parametrize(
    "change", [{"down": 1}, {"error_rate": 2}, {"nope": True}, {"latency_seconds": -1}, [1]]
)
def test_bad_control_updates_are_refused(mosip: MosipStandIn, change: object) -> None:
    reply = requests.post(mosip.url + "/_control", json=change, timeout=5)
    assert reply.status_code == 400
    assert mosip.controls == Controls()
