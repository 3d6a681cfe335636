"""Logs are one JSON object per line, carry the request id and the submission (and its
transaction id) they concern, and never a person's data or a secret."""

import io
import json
import logging
from collections.abc import Iterator

import pytest
import requests

from integration.logs import ContextFilter, JsonFormatter
from integration.models import Status, Submission
from tests.fixtures import birth_request

PERSONAL = [
    "Baby Doe",
    "Jane Doe",
    "0911111111",
    "jane.doe@example.com",
    "2024/01/31",
    "+260911111111",
    "1 Example Street",
]


class Captured:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def pipeline(live_pipeline):
    """The web process's log lines are captured here too: the portal runs in the test
    process (Django's live server), not under gunicorn."""
    return live_pipeline


@pytest.fixture
def logged() -> Iterator[Captured]:
    """What the portal's console handler writes, as configured in settings.LOGGING."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    # Celery's test worker turns the root logger down to ERROR while it runs; the portal
    # logs at INFO (PORTAL_LOG_LEVEL).
    level = root.level
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    yield Captured(stream)
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.mark.e2e
def test_a_registration_can_be_followed_through_the_logs(pipeline, logged):
    token = pipeline.opencrvs.mint_token()
    pipeline.mosip.controls.down = True  # so delivery has something to say
    reply = requests.post(
        f"{pipeline.portal_url}/events/registration",
        json=birth_request("2026L1", "L1"),
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "opencrvs-req-1"},
        timeout=10,
    )
    assert reply.status_code == 202
    assert reply.headers["X-Request-ID"] == "opencrvs-req-1"
    pipeline.wait_for("2026L1", Status.DELIVERY_RETRY)
    pipeline.mosip.controls.down = False
    submission = pipeline.wait_for("2026L1", Status.CONFIRMED)

    lines = logged.lines()
    for line in lines:
        assert {"timestamp", "level", "logger", "message"} <= set(line)
    mine = [line for line in lines if line.get("submission_id") == submission.pk]
    received = next(line for line in mine if line["message"].startswith("received"))
    assert received["request_id"] == "opencrvs-req-1"
    retry = next(line for line in mine if "retry in" in line["message"])
    # The worker's line carries the request that queued the work, and the transaction id.
    assert retry["request_id"] == "opencrvs-req-1"
    assert retry["transaction_id"] == submission.transaction_id
    confirmed = next(line for line in mine if "confirmed in OpenCRVS" in line["message"])
    assert confirmed["transaction_id"] == submission.transaction_id

    everything = logged.text
    assert not [value for value in PERSONAL if value in everything]
    assert token not in everything and token.split(".")[0] not in everything


def test_tokens_and_secrets_never_reach_a_log_line(logged):
    logging.getLogger("integration.test").warning(
        "MOSIP said: client_secret=abc123 with Authorization: Bearer opaque-token-42 and %s",
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
    )
    [line] = logged.lines()
    assert "abc123" not in line["message"] and "opaque-token-42" not in line["message"]
    assert "eyJhbGciOi" not in line["message"]
    assert line["level"] == "WARNING" and line["logger"] == "integration.test"


def test_an_unusable_request_id_is_replaced(client, db):
    reply = client.get("/healthz", headers={"X-Request-ID": "a b\nc" * 30})
    assert len(reply["X-Request-ID"]) == 32 and " " not in reply["X-Request-ID"]
    assert Submission.objects.count() == 0
