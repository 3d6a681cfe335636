"""Shared fixtures: the stand-in servers, the portal configured against them, and the
whole pipeline (live portal + real Celery worker) for end-to-end tests."""

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache

from integration.demo import configure_for_stand_ins
from integration.models import Attempt, Submission
from integration.services.record_token import public_keys
from mocks.mosip import MosipStandIn
from mocks.opencrvs import OpenCrvsStandIn
from portal.celery import app as celery_app

pytest_plugins = ["tests.own_services"]  # own_redis: a Redis a test may stop


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    cache.clear()
    public_keys.clear()
    yield
    cache.clear()
    public_keys.clear()


@pytest.fixture
def mosip() -> Iterator[MosipStandIn]:
    server = MosipStandIn(credential_delay_seconds=0.1)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def opencrvs() -> Iterator[OpenCrvsStandIn]:
    server = OpenCrvsStandIn()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def configured(db, mosip, opencrvs) -> None:
    """Settings pointing at the stand-ins; the portal itself is not served."""
    configure_for_stand_ins(mosip.url, opencrvs.url, "http://127.0.0.1:1")


@pytest.fixture
def worker(transactional_db) -> Iterator[None]:
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


@dataclass
class Pipeline:
    portal_url: str
    mosip: MosipStandIn
    opencrvs: OpenCrvsStandIn

    def register(self, body: dict, token: str | None = None, **token_claims) -> requests.Response:
        token = token or self.opencrvs.mint_token(**token_claims)
        return requests.post(
            f"{self.portal_url}/events/registration",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )

    def wait_for(self, certificate_number: str, *statuses: str, timeout: float = 20) -> Submission:
        deadline = time.monotonic() + timeout
        submission = None
        while time.monotonic() < deadline:
            submission = Submission.objects.filter(certificate_number=certificate_number).first()
            if submission and submission.status in statuses:
                return submission
            time.sleep(0.1)
        state = submission.status if submission else "not stored"
        raise AssertionError(
            f"{certificate_number} is {state}, not {statuses}: "
            f"{submission.last_error if submission else ''}"
        )

    def wait_for_attempts(self, certificate_number: str, failures: int, timeout: float = 20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            failed = Attempt.objects.filter(
                submission__certificate_number=certificate_number
            ).exclude(error="")
            if failed.count() >= failures:
                return
            time.sleep(0.1)
        raise AssertionError(f"fewer than {failures} failed attempts for {certificate_number}")


@pytest.fixture
def pipeline(live_server, mosip, opencrvs, worker) -> Pipeline:
    """The portal served for real, a real worker, and the stand-ins, all over HTTP."""
    configure_for_stand_ins(mosip.url, opencrvs.url, live_server.url)
    from integration.services.websub import subscribe

    subscribe()
    assert mosip.wait_for_subscription(timeout=10), "the hub never verified the portal"
    return Pipeline(live_server.url, mosip, opencrvs)
