"""Every outbound step counts for its system: an OpenCRVS outage at the system client's
auth (the first call to fail in the recommended set-up) shows on the dashboard's *Last
contact*, in /healthz and in /metrics, as an outage at the confirm call always did."""

import socket
import time

import pytest
import requests
from django.urls import reverse

from integration.models import Attempt, OpenCrvsSettings, Status
from integration.models.submission import Step
from integration.monitoring.remotes import OUTBOUND_STEPS, SYSTEM_OF_STEP
from integration.monitoring.waiting import OPENCRVS
from integration.roles import Role
from mocks.base import Controls
from mocks.opencrvs import SYSTEM_CLIENT, OpenCrvsStandIn
from tests.console.conftest import client_for, make_user
from tests.fixtures import birth_request
from tests.support.metrics import METRICS_TOKEN, scrape, total, value


def test_every_step_says_which_system_it_calls():
    """A step added without a system would be invisible on the dashboard, in /healthz and
    in /metrics: it must be named in SYSTEM_OF_STEP (None when it is no remote call)."""
    assert set(SYSTEM_OF_STEP) == set(Step.values)
    assert {Step.OPENCRVS_AUTH, Step.LOOKUP, Step.CONFIRM, Step.REJECT} == set(
        OUTBOUND_STEPS[OPENCRVS]
    )


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again: connections are refused


@pytest.mark.e2e
@pytest.mark.parametrize("outage", ["http_5xx", "no_answer"])
def test_an_opencrvs_auth_outage_shows_everywhere(live_pipeline, portal_settings, outage):
    portal_settings.METRICS_TOKEN = METRICS_TOKEN
    portal_settings.HEALTH_FAILING_SECONDS = 1.0
    portal_settings.METRICS_WINDOW_SECONDS = 600.0
    portal_settings.CONSOLE_DASHBOARD_CACHE_SECONDS = 0
    with OpenCrvsStandIn(controls=Controls(down=True)) as auth_service:
        config = OpenCrvsSettings.load()
        # OpenCRVS's auth service is its own host; the gateway stays up.
        config.auth_url = (
            auth_service.url if outage == "http_5xx" else f"http://127.0.0.1:{_closed_port()}"
        )
        config.client_id, config.client_secret = SYSTEM_CLIENT
        config.save()

        portal = live_pipeline.portal_url
        assert live_pipeline.register(birth_request("2026A1", "A1")).status_code == 202
        live_pipeline.wait_for("2026A1", Status.CONFIRMATION_RETRY, timeout=30)
        time.sleep(1.1)  # past PORTAL_HEALTH_FAILING_SECONDS

    failed = Attempt.objects.filter(step=Step.OPENCRVS_AUTH).exclude(error="")
    assert failed.exists() and not Attempt.objects.filter(step=Step.CONFIRM).exists()

    body = requests.get(f"{portal}/healthz", timeout=10).json()
    assert body["status"] == "degraded"
    assert any(r.startswith("OpenCRVS calls have been failing") for r in body["reasons"])
    assert body["remotes"]["OpenCRVS"]["failing_since"]

    # The worker goes on retrying the confirmation meanwhile: the scrape counts the failed
    # calls stored between the two counts taken around it.
    before = failed.count()
    samples = scrape(lambda url, headers: requests.get(url, headers=headers, timeout=10),
                     f"{portal}/metrics")  # fmt: skip
    stored = range(before, failed.count() + 1)
    assert value(samples, "portal_remote_failing_seconds", system="OpenCRVS") >= 1
    assert value(samples, "portal_remote_failed_calls", system="OpenCRVS") in stored
    calls = total(samples, "portal_outbound_calls", system="OpenCRVS", step="opencrvs_auth")
    assert calls == value(
        samples, "portal_outbound_calls", system="OpenCRVS", step="opencrvs_auth", result=outage
    )  # fmt: skip
    assert calls in stored

    support = client_for(make_user("sam", Role.SUPPORT))
    page = support.get(reverse("console:dashboard"))
    opencrvs = next(c for c in page.context["dash"].contacts if c.system == "OpenCRVS")
    assert opencrvs.failing and "OpenCRVS auth" in opencrvs.last_error
    assert opencrvs.last_ok is None
    assert "Latest call failed" in page.content.decode()
