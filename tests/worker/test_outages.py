"""With our own database, cache or broker down, every endpoint OpenCRVS or MOSIP calls
answers 503 JSON with Retry-After (so the caller sends it again), never 500 or HTML."""

import json

import pytest
from django.core.cache import cache

from integration.models import Submission
from mocks.opencrvs_webhooks import sign
from portal.celery import app as celery_app
from tests.fixtures import birth_request
from tests.support.own_services import database_down

WEBHOOK = json.dumps(
    {"event": {"hub": {"topic": "BIRTH_REGISTERED"}, "context": [{"resourceType": "Bundle"}]}}
)
EVENT_DOCUMENT = {
    "id": "e1",
    "type": "birth",
    "trackingId": "T1",
    "actions": [{"type": "REGISTER", "declaration": {}}],
}


def calls(token: str) -> dict[str, dict]:
    """One request to each endpoint that OpenCRVS or MOSIP calls."""
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    return {
        "registration": dict(path="/events/registration", data=json.dumps(birth_request()),
                             **bearer),
        "event-document": dict(path="/trigger/events/birth/actions/REGISTER",
                               data=json.dumps(EVENT_DOCUMENT), **bearer),
        "websub": dict(path="/websub/callback",
                       data=json.dumps({"event": {"id": "1", "data": {}}})),
        "webhook": dict(path="/webhooks/opencrvs", data=WEBHOOK,
                        HTTP_X_HUB_SIGNATURE=sign(WEBHOOK.encode(), "s")),
        "verify": dict(path="/verify", data=json.dumps({"nid": "1234567890"}), **bearer),
        "esignet": dict(path="/esignet/get-oidp-user-info",
                        data=json.dumps({"code": "c", "redirectUri": "http://x/"}), **bearer),
    }  # fmt: skip


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/json"
    assert int(response["Retry-After"]) > 0
    assert "unavailable" in response.json()["detail"]


@pytest.mark.parametrize(
    "endpoint", ["registration", "event-document", "websub", "webhook", "verify", "esignet"]
)
def test_database_down_is_503_json(client, transactional_db, opencrvs, endpoint):
    request = calls(opencrvs.mint_token())[endpoint]
    with database_down():
        response = client.post(content_type="application/json", **request)
    assert_unavailable(response)


def test_database_down_at_the_websub_intent_check_and_health(client, transactional_db):
    with database_down():
        assert client.get("/websub/callback?hub.challenge=x").status_code == 200  # no DB needed
        health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["checks"]["database"].startswith("error")


@pytest.fixture
def pipeline(live_pipeline):
    """The cache is switched with `settings` here: the portal runs in the test process."""
    return live_pipeline


@pytest.fixture
def cache_on_own_redis(settings, own_redis):
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.redis_cache.RedisCache",  # as settings.py picks for redis://
            "LOCATION": own_redis.url(1),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    cache.set("probe", 1)
    assert cache.get("probe") == 1
    return own_redis


@pytest.fixture
def broker_on_own_redis(own_redis, monkeypatch):
    # The setting first: Celery's broker_url reads the environment, so once the variable
    # is set the value monkeypatch saves to restore would be our own Redis's.
    monkeypatch.setattr(celery_app.conf, "broker_url", own_redis.url(0))
    monkeypatch.setenv("CELERY_BROKER_URL", own_redis.url(0))  # Celery reads it first
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    yield own_redis
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_cache_down_intake_still_stores_and_answers(
    client, configured, opencrvs, cache_on_own_redis
):
    cache_on_own_redis.stop()
    response = client.post(content_type="application/json", **calls(opencrvs.mint_token())[
        "registration"])  # fmt: skip
    assert response.status_code == 202  # intake needs no cache
    assert Submission.objects.count() == 1


@pytest.mark.e2e
def test_cache_down_at_a_credential_is_503_and_the_redelivery_is_taken(
    pipeline, cache_on_own_redis
):
    """The credential's key document is cached: with the cache down MOSIP is asked to
    send it again (503), and the same delivery once the cache is back is taken."""
    from tests.services.test_credential import awaiting

    awaiting(pipeline, "100017777777777")
    cache_on_own_redis.stop()
    issuance = pipeline.mosip.issue_credential("100017777777777")
    assert [d.status for d in issuance.deliveries] == [503]
    cache_on_own_redis.start()  # the same port: a restart

    assert [d.status for d in pipeline.mosip.deliver(issuance.body)] == [200]
    pipeline.wait_for("2026B99", "confirmed")


def test_broker_down_intake_stores_and_answers_202(
    client, configured, opencrvs, broker_on_own_redis, django_capture_on_commit_callbacks, caplog
):
    broker_on_own_redis.stop()
    token = opencrvs.mint_token()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(content_type="application/json", **calls(token)["registration"])
    # Stored: the periodic sweep queues it once the broker is back.
    assert response.status_code == 202
    assert Submission.objects.get().status == "received"
    # The publish was really tried against the stopped broker, and failed.
    assert f"127.0.0.1:{broker_on_own_redis.port}" in caplog.text


def test_a_bug_is_json_not_html(db, settings):
    from django.test import Client

    settings.ROOT_URLCONF = "tests.support.broken_urls"
    response = Client(raise_request_exception=False).get("/boom")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
