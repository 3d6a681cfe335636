"""MOSIP goes away and comes back: what operators see in /healthz and /metrics."""

import time

import pytest
import requests

from integration.models import Attempt, Status
from tests.fixtures import birth_request
from tests.support.metrics import METRICS_TOKEN, scrape, total, value

pytestmark = pytest.mark.e2e


@pytest.fixture
def pipeline(live_pipeline):
    """The settings below are test overrides: the portal runs in the test process."""
    return live_pipeline


@pytest.fixture
def watched(portal_settings):
    portal_settings.METRICS_TOKEN = METRICS_TOKEN
    portal_settings.HEALTH_FAILING_SECONDS = 1.0
    portal_settings.METRICS_WINDOW_SECONDS = 600.0


def _get(url, headers=None):
    return requests.get(url, headers=headers or {}, timeout=10)


def test_mosip_stopped_turns_health_degraded_and_metrics_climb_until_it_is_back(pipeline, watched):
    portal, mosip = pipeline.portal_url, pipeline.mosip
    port = int(mosip.url.rsplit(":", 1)[1])
    assert _get(f"{portal}/healthz").json()["status"] == "ok"

    mosip.stop()  # the server is gone: connections are refused
    assert pipeline.register(birth_request("2026M1", "M1")).status_code == 202
    pipeline.wait_for("2026M1", Status.DELIVERY_RETRY)
    pipeline.wait_for_attempts("2026M1", failures=2)
    time.sleep(1.1)  # past PORTAL_HEALTH_FAILING_SECONDS

    health = _get(f"{portal}/healthz")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "degraded"
    assert any(reason.startswith("MOSIP calls have been failing") for reason in body["reasons"])
    assert body["remotes"]["MOSIP"]["failing_since"]
    assert body["waiting"]["MOSIP"]["records"] == 1

    first = scrape(_get, f"{portal}/metrics")
    so_far = Attempt.objects.filter(submission__certificate_number="2026M1").exclude(error="")
    pipeline.wait_for_attempts("2026M1", failures=so_far.count() + 2, timeout=60)
    second = scrape(_get, f"{portal}/metrics")
    for samples in (first, second):
        # The record in retry counts as waiting on MOSIP.
        assert value(samples, "portal_records_waiting", system="MOSIP") == 1
        # In retry, or in the middle of its next try.
        in_retry = value(samples, "portal_records_retrying", step="create_packet")
        assert in_retry + value(samples, "portal_records", status="sending") == 1
    age = "portal_oldest_waiting_seconds"
    assert value(second, age, system="MOSIP") > value(first, age, system="MOSIP") > 0
    failed = "portal_remote_failed_calls"
    assert value(second, failed, system="MOSIP") > value(first, failed, system="MOSIP") >= 2
    failing = "portal_remote_failing_seconds"
    assert value(second, failing, system="MOSIP") > value(first, failing, system="MOSIP") >= 1
    refused = total(second, "portal_outbound_calls", system="MOSIP", result="no_answer")
    assert refused == value(second, failed, system="MOSIP")

    mosip.start(port=port)  # back, at the same address
    pipeline.wait_for("2026M1", Status.CONFIRMED, timeout=30)

    body = _get(f"{portal}/healthz").json()
    assert (body["status"], body["reasons"]) == ("ok", [])
    after = scrape(_get, f"{portal}/metrics")
    assert value(after, failing, system="MOSIP") == 0
    assert value(after, failed, system="MOSIP") == 0
    assert value(after, age, system="MOSIP") == 0
    assert value(after, "portal_records_waiting", system="MOSIP") == 0
    assert value(after, "portal_records", status="confirmed") == 1
    assert total(after, "portal_outbound_calls", system="OpenCRVS", result="ok") == 1
