"""Shared fixtures: the stand-in servers, the portal configured against them, and the
whole pipeline (the portal under gunicorn + a real Celery worker) for end-to-end tests."""

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache

from demo.stand_ins import configure_for_stand_ins
from integration import config_cache
from integration.clients.mosip import forget_tokens_here
from integration.models import Attempt, Submission
from integration.services.id_schema import forget_here as forget_id_schemas_here
from integration.services.record_token import public_keys
from mocks.mosip import MosipStandIn
from mocks.opencrvs import OpenCrvsStandIn
from portal.celery import app as celery_app
from tests.support import gunicorn
from tests.support.portal_settings import PortalSettings
from tests.support.worker import QuickToStop

pytest_plugins = ["tests.support.own_services"]  # own_redis: a Redis a test may stop


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    cache.clear()
    public_keys.clear()
    config_cache.forget_all()
    forget_tokens_here()
    forget_id_schemas_here()
    yield
    cache.clear()
    public_keys.clear()
    config_cache.forget_all()
    forget_tokens_here()


@pytest.fixture
def portal_settings(settings) -> PortalSettings:
    """The portal's own settings by the names code reads (`app_settings.X`), for one test."""
    return PortalSettings(settings)


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


# Celery's blocking loop (kombu's folder transport) took about 4 s to stop per test.
celery_app.steps["consumer"].add(QuickToStop)


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


@pytest.fixture(scope="session")
def served_portal(django_db_setup) -> Iterator[str]:
    """The portal under gunicorn (tests/support/gunicorn.py) on the test database, broker
    and cache. One for the session, like Django's live server; its cache is the tests'
    (cleared between tests)."""
    with gunicorn.served_portal("/websub/callback?hub.challenge=up") as url:
        yield url


@pytest.fixture
def pipeline(served_portal, mosip, opencrvs, worker) -> Pipeline:
    """The portal served by gunicorn, a real worker, and the stand-ins, all over HTTP."""
    configure_for_stand_ins(mosip.url, opencrvs.url, served_portal)
    from integration.services.websub import subscribe

    subscribe()
    assert mosip.wait_for_subscription(timeout=10), "the hub never verified the portal"
    return Pipeline(served_portal, mosip, opencrvs)


@pytest.fixture
def live_pipeline(live_server, mosip, opencrvs, worker) -> Pipeline:
    """The pipeline with the portal in the test process (Django's live server), for the
    tests that change settings with pytest-django's `settings` fixture: a gunicorn process
    would not see those."""
    configure_for_stand_ins(mosip.url, opencrvs.url, live_server.url)
    from integration.services.websub import subscribe

    subscribe()
    assert mosip.wait_for_subscription(timeout=10), "the hub never verified the portal"
    return Pipeline(live_server.url, mosip, opencrvs)
