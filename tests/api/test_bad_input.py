"""Bodies the portal cannot store are answered 400 naming the field, never 500, and
nothing of the person reaches a log line."""

import json
import logging

import pytest
from django.db import connection

from integration.logs import JsonFormatter, PlainFormatter
from integration.models import InboundEvent, InboundOutcome, OpenCrvsSettings, Submission
from mocks.opencrvs_webhooks import sign
from tests.fixtures import birth_request

NAME = "Amina Zulu-Banda"  # must never reach a log line


def raw_post(client, path: str, text: str, **headers):
    return client.post(path, data=text.encode("utf-8", "surrogatepass"),
                       content_type="application/json", **headers)  # fmt: skip


def with_name(value_json: str) -> str:
    """A registration request whose child's name is `value_json` (raw JSON text)."""
    body = json.dumps(birth_request())
    return body.replace('"Baby Doe"', value_json)


@pytest.fixture
def bearer(configured, opencrvs) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {opencrvs.mint_token()}"}


def assert_logs_clean(caplog) -> None:
    for formatter in (PlainFormatter("%(message)s"), JsonFormatter()):
        for record in caplog.records:
            line = formatter.format(record)
            assert "Amina" not in line and "Zulu" not in line, line


CASES = {
    "nul-in-a-name": (with_name(f'"{NAME}\\u0000"'), "requestFields.fullName[0].value"),
    "lone-surrogate-in-a-name": (with_name(f'"{NAME}\\ud800"'), "requestFields.fullName[0].value"),
    "raw-lone-surrogate": (with_name(f'"{NAME}\ud83d"'), "body"),
    "nul-in-the-certificate-number": (
        json.dumps(birth_request()).replace('"2026B', '"2026\\u0000B'),
        "requestFields.birthCertificateNumber",
    ),
    "nul-in-a-key": (with_name(f'{{"{NAME}\\u0000": 1}}'), "requestFields.fullName[0].value"),
}


@pytest.mark.parametrize(("text", "field"), CASES.values(), ids=CASES.keys())
def test_unstorable_text_is_400_naming_the_field(client, bearer, caplog, text, field):
    caplog.set_level(logging.DEBUG)
    response = raw_post(client, "/events/registration", text, **bearer)
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body or field in json.dumps(body) or (field == "body" and "detail" in body)
    assert Submission.objects.count() == 0
    assert_logs_clean(caplog)


@pytest.mark.parametrize("depth", [100, 10_000])
def test_deep_nesting_is_400(client, bearer, caplog, depth):
    caplog.set_level(logging.DEBUG)
    nested = "[" * depth + '"' + NAME + '"' + "]" * depth
    response = raw_post(client, "/events/registration", with_name(nested), **bearer)
    assert response.status_code == 400, response.content
    assert "nested deeper than" in json.dumps(response.json())
    assert_logs_clean(caplog)


def test_deep_nesting_at_the_credential_callback_is_400(client, db):
    response = raw_post(client, "/websub/callback", "[" * 10_000 + "]" * 10_000)
    assert response.status_code == 400 and "nested" in response.json()["detail"]
    assert InboundEvent.objects.get().outcome == InboundOutcome.INVALID


def test_a_signed_webhook_with_a_nul_in_a_name_is_400_and_kept(client, db, caplog):
    caplog.set_level(logging.DEBUG)
    config = OpenCrvsSettings.load()
    config.webhook_secret = "s"
    config.save()
    bundle = {
        "resourceType": "Bundle",
        "entry": [{"resource": {"name": [{"given": [NAME + "\0"]}]}}],
    }
    body = json.dumps({"event": {"hub": {"topic": "BIRTH_REGISTERED"}, "context": [bundle]}})
    response = raw_post(client, "/webhooks/opencrvs", body,
                        HTTP_X_HUB_SIGNATURE=sign(body.encode(), "s"))  # fmt: skip
    assert response.status_code == 400
    assert "event.context[0].entry[0].resource.name[0].given[0]" in response.json()
    event = InboundEvent.objects.get()
    assert event.outcome == InboundOutcome.INVALID and bytes(event.body) == body.encode()
    assert_logs_clean(caplog)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own error text")
def test_postgresql_error_context_never_reaches_a_log_line(db):
    """What the database says when it refuses a value quotes the value: the formatter
    drops those lines, whoever logs the exception."""
    from django.db import DataError

    try:
        Submission.objects.create(event_type="birth", tracking_id="T", certificate_number="C",
                                  raw_request={"name": NAME + "\0"})  # fmt: skip
    except DataError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, None)
        import sys

        record.exc_info = sys.exc_info()
        lines = [f.format(record) for f in (PlainFormatter("%(message)s"), JsonFormatter())]
    else:
        pytest.fail("PostgreSQL stored a NUL")
    for line in lines:
        assert "Amina" not in line and "DataError" in line
