"""Each call record keeps the request as sent beside its reply (integration.clients.sent):
method, URL, headers and the start of the body, with secrets and tokens redacted and long
opaque values cut; hidden from auditors but for its head, erased by retention."""

import pytest
import requests

from demo.stand_ins import DEMO_SECRET
from integration.clients import http
from integration.clients.http import RemoteError, raise_for_status, recorded_call, send
from integration.clients.sent import EXCERPT_CHARS, request_excerpt
from integration.models import Attempt, OpenCrvsSettings, Status
from integration.models.submission import Step
from mocks.opencrvs import SYSTEM_CLIENT
from tests.fixtures import birth_request
from tests.support.scripted_server import Reply, ScriptedServer


def prepared(method: str, url: str, **kwargs) -> requests.PreparedRequest:
    return requests.Session().prepare_request(requests.Request(method, url, **kwargs))


def test_secrets_and_tokens_are_redacted_by_header_and_by_key():
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzYW0ifQ.c2lnbmF0dXJl"
    excerpt = request_excerpt(
        prepared(
            "POST",
            "http://ida.test/idauthentication/v1/auth",
            headers={"Authorization": f"Bearer {token}", "Signature": "jws-detached-sig"},
            cookies={"Authorization": "mosip-session-token"},
            json={
                "request": {"clientId": "crvs", "secretKey": "s3cret-key", "appId": "regproc"},
                "requestSessionKey": "c2Vzc2lvbi1rZXk",
                "password": "hunter22",
                "nested": {"access_token": "abc", "token_type": "Bearer", "note": token},
            },
        )
    )
    for secret in (token, "jws-detached-sig", "mosip-session-token", "s3cret-key",
                   "c2Vzc2lvbi1rZXk", "hunter22", '"abc"'):  # fmt: skip
        assert secret not in excerpt
    assert excerpt.startswith("POST http://ida.test/idauthentication/v1/auth\n")
    assert "Authorization: [redacted]" in excerpt and "Signature: [redacted]" in excerpt
    assert "Cookie: Authorization=[redacted]" in excerpt  # which cookie, not its value
    assert '"clientId": "crvs"' in excerpt and '"appId": "regproc"' in excerpt
    assert '"token_type": "Bearer"' in excerpt  # a token's type is no secret
    assert "Content-Type: application/json" in excerpt


def test_form_bodies_lose_their_secrets_and_long_values_are_cut():
    form = {
        "grant_type": "client_credentials",
        "client_id": "mosip-client",
        "client_secret": "form-s3cret",
        "hub.secret": "websub-s3cret",
        "client_assertion": "x" * 600,
    }
    excerpt = request_excerpt(prepared("POST", "http://auth.test/token", data=form))
    assert "form-s3cret" not in excerpt and "websub-s3cret" not in excerpt
    assert "client_secret=[redacted]" in excerpt and "hub.secret=[redacted]" in excerpt
    assert "client_id=mosip-client" in excerpt and "x" * 100 not in excerpt

    blob = "QUJD" * 5000  # an encrypted request or an embedded schema: 20,000 characters
    excerpt = request_excerpt(
        prepared("PUT", "http://mosip.test/createPacket", json={"request": {"schemaJson": blob}})
    )
    assert "[20,000 characters]" in excerpt and blob[:200] not in excerpt
    assert len(excerpt) <= EXCERPT_CHARS


def test_a_large_or_streamed_body_stays_bounded():
    huge = {"fields": {f"field{n}": f"value {n}" for n in range(20_000)}}
    excerpt = request_excerpt(prepared("PUT", "http://mosip.test/createPacket", json=huge))
    assert len(excerpt) <= EXCERPT_CHARS and "bytes in all]" in excerpt
    streamed = request_excerpt(prepared("POST", "http://x.test/", data=iter([b"a", b"b"])))
    assert "[streamed body, not kept]" in streamed
    assert request_excerpt(None) == ""


@pytest.mark.django_db
def test_a_call_that_got_no_answer_keeps_what_was_sent(portal_settings):
    portal_settings.HTTP_READ_TIMEOUT = 0.2
    with ScriptedServer() as server:
        server.replies["/slow"] = Reply(delay=1.0)
        url = f"{server.url}/slow"
        with pytest.raises(RemoteError), recorded_call(Step.CREATE_PACKET, url, None) as call:
            call.response = send("PUT", url, what="MOSIP", json={"request": {"id": "100012"}})
    attempt = Attempt.objects.get()
    assert attempt.http_status is None and "no answer in time" in attempt.error
    assert attempt.request_excerpt.startswith(f"PUT {url}\n")
    assert '"id": "100012"' in attempt.request_excerpt


@pytest.mark.django_db
def test_a_call_refused_before_it_left_records_no_request(portal_settings):
    portal_settings.OUTBOUND_HOSTS = ["mosip.example"]
    url = "http://127.0.0.1:9/createPacket"
    with pytest.raises(RemoteError), recorded_call(Step.CREATE_PACKET, url, None) as call:
        call.response = send("PUT", url, what="MOSIP", json={})
    assert Attempt.objects.get().request_excerpt == ""  # nothing was sent


@pytest.mark.django_db
def test_a_refused_reply_keeps_the_request_beside_it():
    with ScriptedServer() as server:
        server.replies["/x"] = Reply(400, b'{"errors": [{"errorCode": "RPR-PKR-016"}]}')
        url = f"{server.url}/x"
        with pytest.raises(RemoteError), recorded_call(Step.START_WORKFLOW, url, None) as call:
            call.response = http.send("POST", url, what="MOSIP", json={"registrationId": "1"})
            raise_for_status(call.response, "MOSIP")
    attempt = Attempt.objects.get()
    assert '"registrationId": "1"' in attempt.request_excerpt
    assert "RPR-PKR-016" in attempt.response_excerpt


@pytest.mark.e2e
def test_every_call_of_a_registration_shows_its_request_without_a_secret(pipeline, opencrvs):
    config = OpenCrvsSettings.load()  # the 2.x system client: its secret goes in a form
    config.auth_url = opencrvs.url
    config.client_id, config.client_secret = SYSTEM_CLIENT
    config.save()
    token = opencrvs.mint_token()
    reply = pipeline.register(birth_request("2026B31000001", "B31000001"), token=token)
    assert reply.status_code == 202
    record = pipeline.wait_for("2026B31000001", Status.CONFIRMED)

    # Every call the portal made (the credential MOSIP delivered is on the timeline too).
    made = Attempt.objects.filter(submission=record).exclude(url__startswith="websub:")
    calls = {a.step: a for a in made}
    assert {Step.CREATE_PACKET, Step.START_WORKFLOW, Step.CONFIRM} <= set(calls)
    for call in calls.values():
        sent = call.request_excerpt
        assert sent.split(" ", 1)[0] in ("GET", "POST", "PUT"), call.step
        assert len(sent) <= EXCERPT_CHARS
        for secret in (DEMO_SECRET, SYSTEM_CLIENT[1], token, "eyJ"):
            assert secret not in sent, (call.step, secret)
    packet = calls[Step.CREATE_PACKET].request_excerpt
    assert "Cookie: Authorization=[redacted]" in packet
    assert record.transaction_id in packet and "CRVS_NEW" in packet
    confirm = calls[Step.CONFIRM].request_excerpt
    assert "Authorization: [redacted]" in confirm and record.event_id in confirm
    # The system client's token, then its exchange for the confirmation's token.
    auth = " ".join(made.filter(step=Step.OPENCRVS_AUTH).values_list("request_excerpt", flat=True))
    assert "client_id=" in auth and "client_secret=[redacted]" in auth
    assert "subject_token=[redacted]" in auth and f"event_id={record.event_id}" in auth
