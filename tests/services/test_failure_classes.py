"""Each kind of failure during delivery, as MOSIP, the cache or the broker really produce
it over the network: only MOSIP's definite answers fail a record; an outage retries it;
our own infrastructure failing never uses up its attempts."""

from collections.abc import Iterator

import pytest
from django.db import OperationalError
from django.test import override_settings
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from integration.clients.mosip import forget_tokens_here
from integration.models import MosipSettings, Status, Submission
from integration.models.submission import FailureKind
from integration.services import delivery, staff_actions
from integration.services.failures import classify
from mocks.base import StandIn, json_response
from tests.fixtures import birth_request

STAFF = staff_actions.Actor(None, "Support person")
DEAD_PORT_URL = "http://127.0.0.1:1"  # nothing listens there: connection refused
DEAD_REDIS = {
    "default": {
        "BACKEND": "portal.redis_cache.RedisCache",  # as settings.py picks for redis://
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2},
    }
}


class Answering(StandIn):
    """A MOSIP endpoint that answers whatever a test sets, after an optional delay."""

    name = "answering"

    def __init__(self) -> None:
        super().__init__()
        self.status, self.body, self.delay = 200, {}, 0.0

    def rules(self) -> list[Rule]:
        return [Rule("/<path:anything>", endpoint="any", methods=["GET", "POST", "PUT"])]

    def on_any(self, request: Request, anything: str) -> Response:
        if self.delay:
            self._stopping.wait(self.delay)
        return json_response(self.body, self.status)


@pytest.fixture
def broker_down() -> Iterator[None]:
    """The Celery app pointed at a broker address nothing listens on (its connection and
    producer pools are set aside, not closed, so the other tests keep theirs)."""
    from portal.celery import app

    saved = (app.conf.broker_url, app.conf.broker_transport_options, app._pool,
             app.amqp._producer_pool)  # fmt: skip
    app._pool, app.amqp._producer_pool = None, None
    app.conf.broker_url, app.conf.broker_transport_options = "redis://127.0.0.1:1/0", {}
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = saved[:2]
        app._pool, app.amqp._producer_pool = saved[2:]


@pytest.fixture
def answering() -> Iterator[Answering]:
    server = Answering()
    server.start()
    yield server
    server.stop()


def stored(number: str = "2026B1") -> Submission:
    return Submission.objects.create(
        event_type="birth", tracking_id="B1", certificate_number=number,
        raw_request=birth_request(number, "B1"), token="header.payload.signature",
    )  # fmt: skip


def point(url_field: str, url: str) -> None:
    config = MosipSettings.load()
    setattr(config, url_field, url)
    config.save()


def deliver(submission: Submission, capture) -> Submission:
    with capture(execute=False):
        delivery.deliver(submission.pk)
    submission.refresh_from_db()
    return submission


MOSIP_ERRORS = {"response": None, "errors": [{"errorCode": "KER-001", "message": "no"}]}


@pytest.mark.parametrize(
    ("status", "body", "delay", "expected"),
    [
        pytest.param(200, {}, 2.0, Status.DELIVERY_RETRY, id="timeout"),
        pytest.param(408, {}, 0, Status.DELIVERY_RETRY, id="408"),
        pytest.param(429, {}, 0, Status.DELIVERY_RETRY, id="429"),
        pytest.param(500, {}, 0, Status.DELIVERY_RETRY, id="500"),
        pytest.param(503, {}, 0, Status.DELIVERY_RETRY, id="503"),
        pytest.param(200, MOSIP_ERRORS, 0, Status.FAILED, id="errors-in-200"),
        pytest.param(400, {"errors": [{"message": "bad"}]}, 0, Status.FAILED, id="400"),
        pytest.param(404, {}, 0, Status.FAILED, id="404"),
    ],
)
def test_mosip_answers_decide_between_retry_and_failure(
    configured, answering, portal_settings, django_capture_on_commit_callbacks,
    status, body, delay, expected,
):  # fmt: skip
    portal_settings.HTTP_READ_TIMEOUT = 0.5
    answering.status, answering.body, answering.delay = status, body, delay
    point("create_packet_url", f"{answering.url}/createPacket")

    submission = deliver(stored(), django_capture_on_commit_callbacks)

    assert submission.status == expected
    assert submission.failed_step == "create_packet"
    if expected == Status.FAILED:
        assert submission.failure_kind == FailureKind.REFUSED
        assert submission.next_attempt_at is None
    else:
        assert submission.retry_count == 1 and submission.next_attempt_at is not None


def test_a_refused_connection_is_retried(configured, django_capture_on_commit_callbacks):
    point("create_packet_url", f"{DEAD_PORT_URL}/createPacket")
    submission = deliver(stored(), django_capture_on_commit_callbacks)
    assert (submission.status, submission.retry_count) == (Status.DELIVERY_RETRY, 1)
    assert "could not connect" in submission.last_error


def test_the_cache_down_is_retried_without_using_up_an_attempt(
    configured, mosip, django_capture_on_commit_callbacks
):
    with override_settings(CACHES=DEAD_REDIS):
        submission = deliver(stored(), django_capture_on_commit_callbacks)
    assert submission.status == Status.DELIVERY_RETRY
    assert submission.retry_count == 0
    assert "cache" in submission.last_error and "Unexpected" not in submission.last_error
    assert mosip.packets == {}


def test_a_cache_outage_after_mosip_created_the_packet_never_makes_a_second_one(
    configured, mosip, django_capture_on_commit_callbacks
):
    """The bug found by the fault run: the token read from a dead cache failed the record
    although MOSIP held its packet, and Resubmit then made a second packet."""
    workflow_url = MosipSettings.load().process_url
    point("process_url", f"{DEAD_PORT_URL}/workflow")  # packet created, workflow not
    submission = deliver(stored(), django_capture_on_commit_callbacks)
    assert submission.status == Status.DELIVERY_RETRY and submission.packet_created_at
    point("process_url", workflow_url)
    Submission.objects.filter(pk=submission.pk).update(next_attempt_at=None)

    forget_tokens_here()  # a worker that has no copy of MOSIP's token yet
    with override_settings(CACHES=DEAD_REDIS):  # Redis restarting mid-delivery
        submission = deliver(submission, django_capture_on_commit_callbacks)
    assert submission.status == Status.DELIVERY_RETRY  # retried, not failed
    assert "cache" in submission.last_error

    # Staff press Resubmit anyway: MOSIP holds the packet, so the transaction resumes.
    transaction_id = submission.transaction_id
    with django_capture_on_commit_callbacks(execute=False):
        entry = staff_actions.resubmit(submission, STAFF, "Retry now")
    assert "no new packet" in entry.message
    submission = deliver(submission, django_capture_on_commit_callbacks)

    assert submission.status == Status.AWAITING_CREDENTIAL
    assert submission.transaction_id == transaction_id
    assert list(mosip.packets) == [transaction_id]


def test_after_mosip_said_no_a_resubmission_makes_a_new_packet(
    configured, answering, django_capture_on_commit_callbacks
):
    answering.body = MOSIP_ERRORS
    point("create_packet_url", f"{answering.url}/createPacket")
    submission = deliver(stored(), django_capture_on_commit_callbacks)
    assert submission.failure_kind == FailureKind.REFUSED
    old = submission.transaction_id

    assert not staff_actions.mosip_may_hold(submission)
    with django_capture_on_commit_callbacks(execute=False):
        staff_actions.resubmit(submission, STAFF, "Fixed it")
    submission.refresh_from_db()
    assert submission.transaction_id != old and submission.status == Status.RECEIVED


def test_a_timeout_at_create_packet_resumes_the_same_transaction(
    configured, answering, portal_settings, django_capture_on_commit_callbacks
):
    """A timeout says nothing about whether MOSIP created the packet."""
    portal_settings.HTTP_READ_TIMEOUT, portal_settings.MAX_ATTEMPTS = 0.3, 1
    answering.delay = 1.0
    point("create_packet_url", f"{answering.url}/createPacket")
    submission = deliver(stored(), django_capture_on_commit_callbacks)
    assert submission.failure_kind == FailureKind.GAVE_UP

    assert staff_actions.mosip_may_hold(submission)
    with django_capture_on_commit_callbacks(execute=False):
        staff_actions.resubmit(submission, STAFF, "Try again")
    assert Submission.objects.get().transaction_id == submission.transaction_id


def test_the_broker_down_when_a_retry_is_queued_leaves_it_to_the_sweep(
    configured, django_capture_on_commit_callbacks, broker_down
):
    point("create_packet_url", f"{DEAD_PORT_URL}/createPacket")
    with django_capture_on_commit_callbacks(execute=True):
        delivery.deliver(stored().pk)  # its retry cannot be queued
    submission = Submission.objects.get()
    assert submission.status == Status.DELIVERY_RETRY and submission.next_attempt_at


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (OperationalError("server closed the connection unexpectedly"), FailureKind.INFRASTRUCTURE),
        (ValueError("a bug"), FailureKind.UNEXPECTED),
    ],
)
def test_the_database_down_is_our_infrastructure_and_a_bug_is_not_a_refusal(error, kind):
    failure = classify(error)
    assert failure.kind is kind and not failure.fails_record
    assert failure.counts_as_attempt is (kind is FailureKind.UNEXPECTED)


def test_a_failed_websub_subscription_is_tried_again_soon(configured, mosip):
    """MOSIP out of reach when beat starts must not leave the portal unsubscribed for the
    re-subscription interval (6 hours): credentials issued meanwhile would be lost."""
    from celery.exceptions import Retry

    from integration import tasks

    mosip.controls.down = True
    with pytest.raises(Retry):
        tasks.subscribe_websub()
    mosip.controls.down = False
    tasks.subscribe_websub()  # no retry once MOSIP took it
    assert mosip.hub.attempts[-1].mode == "subscribe"
