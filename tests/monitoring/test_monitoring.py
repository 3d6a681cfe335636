"""/metrics and /healthz read from what the portal stores: who may scrape, what the
figures say, and when health turns degraded."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integration.models import (
    Attempt,
    EventType,
    InboundEvent,
    Status,
    Submission,
    VerificationRecord,
)
from integration.models.submission import Step
from portal.celery import app as celery_app
from tests.fixtures import birth_request
from tests.support.metrics import METRICS_TOKEN, a_worker_reported, scrape, total, value  # noqa: F401

# A worker is running in every case here; tests/worker/test_worker_heartbeat.py covers none.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("a_worker_reported")]
_serial = iter(range(1000, 9999))


def record(status: str, **fields) -> Submission:
    n = next(_serial)
    body = birth_request(f"2026T{n}", f"T{n}")
    return Submission.objects.create(
        event_type=EventType.BIRTH,
        tracking_id=f"T{n}",
        certificate_number=f"2026T{n}",
        raw_request=body,
        status=status,
        **fields,
    )


def call(step: str, seconds_ago: float, error: str = "", http_status=None, ms: int = 100):
    return Attempt.objects.create(
        step=step,
        url="http://remote/x",
        started_at=timezone.now() - timedelta(seconds=seconds_ago),
        error=error,
        http_status=http_status,
        duration_ms=ms,
    )


@pytest.fixture
def token(portal_settings):
    portal_settings.METRICS_TOKEN = METRICS_TOKEN


def test_metrics_are_closed_until_configured(client, settings):
    reply = client.get("/metrics")
    assert reply.status_code == 403
    assert "PORTAL_METRICS_TOKEN" in reply.json()["detail"]


def test_metrics_need_the_token(client, token):
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert right.status_code == 200
    assert right["Content-Type"].startswith("text/plain")


def test_metrics_can_be_limited_to_networks(client, portal_settings):
    portal_settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert client.get("/metrics").status_code == 403  # the test client is 127.0.0.1
    portal_settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8", "127.0.0.0/8"]
    assert client.get("/metrics").status_code == 200


def test_metrics_say_what_is_where(client, token):
    now = timezone.now()
    record(Status.DELIVERY_RETRY, failed_step=Step.AUTH, created_at=now - timedelta(hours=3))
    record(Status.AWAITING_CREDENTIAL, created_at=now - timedelta(minutes=10))
    record(
        Status.CONFIRMATION_RETRY,
        failed_step=Step.CONFIRM,
        credential_received_at=now - timedelta(minutes=20),
        token_expires_at=now + timedelta(hours=5),
    )
    record(Status.FAILED, failed_step=Step.CREATE_PACKET)
    record(Status.CONFIRMED, token_expires_at=now + timedelta(hours=5))  # closed: not counted
    call(Step.AUTH, 30, error="could not connect to http://mosip")
    call(Step.AUTH, 20, error="MOSIP auth answered HTTP 503", http_status=503, ms=3000)
    call(Step.CONFIRM, 10, http_status=200, ms=40)
    for outcome in ("accepted", "forged", "kept_for_retry"):
        InboundEvent.objects.create(kind="credential", body=b"{}", outcome=outcome)
    old = InboundEvent.objects.create(kind="credential", body=b"{}", outcome="accepted")
    InboundEvent.objects.filter(pk=old.pk).update(received_at=now - timedelta(hours=2))
    call(Step.AUTH, 3600, error="old, outside the window")
    VerificationRecord.objects.create(kind="ida", result="verified", duration_ms=200)

    samples = scrape(client.get)

    assert value(samples, "portal_records", status="delivery_retry") == 1
    assert value(samples, "portal_records", status="confirmation_retry") == 1
    assert value(samples, "portal_records", status="rejected") == 0
    assert value(samples, "portal_records_waiting", system="MOSIP") == 2
    assert value(samples, "portal_records_waiting", system="OpenCRVS") == 1
    assert (
        3 * 3600 - 60
        < value(samples, "portal_oldest_waiting_seconds", system="MOSIP")
        < 3 * 3600 + 60
    )
    assert 1140 < value(samples, "portal_oldest_waiting_seconds", system="OpenCRVS") < 1260
    assert value(samples, "portal_records_retrying", step="auth") == 1
    assert value(samples, "portal_records_retrying", step="confirm") == 1
    assert (
        value(samples, "portal_records_needing_action", status="failed", step="create_packet") == 1
    )
    assert value(samples, "portal_tokens_expiring", within="48h") == 1
    calls = "portal_outbound_calls"
    assert value(samples, calls, system="MOSIP", step="auth", result="no_answer") == 1
    assert value(samples, calls, system="MOSIP", step="auth", result="http_5xx") == 1
    assert value(samples, calls, system="OpenCRVS", step="confirm", result="ok") == 1
    assert value(samples, calls, system="IDA", step="verify", result="ok") == 1
    assert total(samples, calls, step="credential") == 0  # inbound, counted apart
    buckets = "portal_outbound_call_duration_seconds_bucket"
    assert value(samples, buckets, system="MOSIP", step="auth", le="0.25") == 1
    assert value(samples, buckets, system="MOSIP", step="auth", le="5.0") == 2
    assert value(samples, "portal_credential_callbacks", outcome="accepted") == 1
    assert value(samples, "portal_credential_callbacks", outcome="forged") == 1
    assert value(samples, "portal_credential_callbacks", outcome="kept_for_retry") == 1
    assert value(samples, "portal_inbound_waiting", kind="credential") == 1
    assert value(samples, "portal_remote_failed_calls", system="MOSIP") == 3
    assert value(samples, "portal_remote_failing_seconds", system="MOSIP") > 3000
    assert value(samples, "portal_remote_failing_seconds", system="OpenCRVS") == 0
    assert value(samples, "portal_broker_up") == 1
    assert ("portal_queue_messages", frozenset({("queue", "celery")})) in samples


def test_health_is_degraded_when_records_wait_past_the_threshold(client, portal_settings):
    portal_settings.HEALTH_OPENCRVS_WAIT_SECONDS = 600
    record(
        Status.CREDENTIAL_RECEIVED,
        credential_received_at=timezone.now() - timedelta(minutes=15),
    )
    reply = client.get("/healthz")
    assert reply.status_code == 200
    body = reply.json()
    assert body["status"] == "degraded"
    assert body["reasons"] == [
        "1 records wait on OpenCRVS, the oldest for 15 min (threshold 10 min)"
    ]
    assert body["checks"] == {"database": "ok", "broker": "ok"}


def test_health_is_degraded_not_down_while_a_remote_fails(client, portal_settings):
    portal_settings.HEALTH_FAILING_SECONDS = 300
    call(Step.CONFIRM, 900, http_status=200)
    call(Step.CONFIRM, 600, error="OpenCRVS answered HTTP 502: Bad gateway", http_status=502)
    call(Step.CONFIRM, 60, error="OpenCRVS answered HTTP 502: Bad gateway", http_status=502)
    body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    [reason] = body["reasons"]
    assert reason.startswith("OpenCRVS calls have been failing for 10 min")
    assert "Bad gateway" not in reason  # public answer: no remote message quoted

    call(Step.CONFIRM, 1, http_status=200)  # a good answer clears it
    assert client.get("/healthz").json()["status"] == "ok"


def test_a_short_blip_is_not_degraded(client, portal_settings):
    portal_settings.HEALTH_FAILING_SECONDS = 300
    call(Step.AUTH, 30, error="could not connect")
    assert client.get("/healthz").json()["status"] == "ok"


def test_an_idle_broker_is_up_with_an_empty_queue(client, token):
    """Nothing waiting: Redis then keeps no key for the queue at all, and asking for it
    answers "no such queue". That is an idle broker, not one out of reach (the alert on
    portal_broker_up would page for every quiet night)."""
    celery_app.control.purge()
    samples = scrape(client.get)
    assert value(samples, "portal_broker_up") == 1
    assert value(samples, "portal_queue_messages", queue=celery_app.conf.task_default_queue) == 0
