"""`POST /events/registration`: what OpenCRVS sees for good and bad requests."""

import json

import pytest
from django.test import override_settings

from integration.models import Status, Submission
from tests.fixtures import birth_request, death_request

URL = "/events/registration"


@pytest.fixture
def post(client, configured, opencrvs, django_capture_on_commit_callbacks):
    def send(body, token="mint", content_type="application/json", **token_claims):
        if token == "mint":
            token = opencrvs.mint_token(**token_claims)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        data = json.dumps(body) if not isinstance(body, str | bytes) else body
        with django_capture_on_commit_callbacks(execute=False) as queued:
            response = client.post(URL, data=data, content_type=content_type, **headers)
        response.queued = queued
        return response

    return send


def test_a_valid_birth_is_stored_then_answered_202(post, opencrvs):
    response = post(birth_request(), event_id="evt-1", action_id="act-1")

    assert response.status_code == 202
    assert response.json() == {}
    submission = Submission.objects.get()
    assert submission.status == Status.RECEIVED
    assert submission.event_type == "birth"
    assert (submission.event_id, submission.action_id) == ("evt-1", "act-1")
    assert submission.raw_request == birth_request()
    assert submission.token_expires_at is not None
    assert len(response.queued) == 1  # delivery enqueued once committed


def test_a_death_is_recognised_by_its_certificate_number(post):
    assert post(death_request()).status_code == 202
    assert Submission.objects.get().event_type == "death"


def test_the_same_certificate_number_twice_makes_one_submission(post):
    first = post(birth_request(), event_id="evt-1")
    second = post(birth_request(), event_id="evt-1")

    assert (first.status_code, second.status_code) == (202, 202)
    assert Submission.objects.count() == 1
    assert len(second.queued) == 0


def test_the_token_is_stored_encrypted(post):
    post(birth_request())
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM integration_submission")
        [(stored,)] = cursor.fetchall()
    assert stored and not stored.startswith("eyJ")
    assert Submission.objects.get().token.startswith("eyJ")


@pytest.mark.parametrize(
    "token",
    [None, "not-a-jwt", "eyJhbGciOiJub25lIn0.eyJleHAiOjF9."],
    ids=["missing", "garbage", "alg-none"],
)
def test_a_missing_or_bad_token_is_401(post, token):
    response = post(birth_request(), token=token)
    assert response.status_code == 401
    assert "detail" in response.json()
    assert Submission.objects.count() == 0


def test_an_expired_token_is_401(post):
    response = post(birth_request(), expires_in=-10)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_token_signed_by_another_key_is_401(post, opencrvs):
    stranger = opencrvs.mint_token()
    opencrvs.rotate_key()  # the portal has not cached any key yet: it fetches the new one
    assert post(birth_request(), token=stranger).status_code == 401


def test_a_rotated_key_is_fetched_again(post, opencrvs, monkeypatch):
    from integration.services import record_token

    assert post(birth_request("2026B1")).status_code == 202
    opencrvs.rotate_key()
    monkeypatch.setattr(record_token, "KEY_REFRESH_AFTER_SECONDS", 0)
    assert post(birth_request("2026B2")).status_code == 202


def test_a_recently_fetched_key_is_not_fetched_again_for_every_bad_token(post, opencrvs):
    assert post(birth_request("2026B1")).status_code == 202
    fetched = len(opencrvs.requests_to("/.well-known"))
    for _ in range(3):
        assert post(birth_request(), token=opencrvs.mint_token()[:-4] + "AAAA").status_code == 401
    assert len(opencrvs.requests_to("/.well-known")) == fetched


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b.pop("trackingId"), "trackingId"),
        (lambda b: b.pop("requestFields"), "requestFields"),
        (lambda b: b["requestFields"].pop("birthCertificateNumber"), "requestFields"),
        (lambda b: b["requestFields"].update(deathCertificateNumber="X"), "requestFields"),
        (lambda b: b["requestFields"].update(birthCertificateNumber=""), "requestFields"),
        (lambda b: b.update(requestFields=["not", "an", "object"]), "requestFields"),
        (lambda b: b.update(notification="someone"), "notification"),
        (lambda b: b.update(trackingId={"a": 1}), "trackingId"),
    ],
)
def test_a_malformed_body_is_400_naming_the_field(post, change, field):
    body = birth_request()
    change(body)
    response = post(body)
    assert response.status_code == 400
    assert field in response.json()
    assert Submission.objects.count() == 0


def test_a_body_that_is_not_an_object_is_400(post):
    response = post("[1, 2]")
    assert response.status_code == 400


def test_broken_json_is_400(post):
    response = post("{not json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_a_non_json_body_is_415(post):
    response = post("trackingId=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_an_oversized_body_is_413(post):
    body = birth_request()
    body["metaInfo"] = {"padding": "x" * 2000}
    response = post(body)
    assert response.status_code == 413
    assert Submission.objects.count() == 0


def test_the_public_key_being_unreachable_is_503_not_500(post, opencrvs):
    opencrvs.controls.down = True
    response = post(birth_request(), token="eyJhbGciOiJSUzI1NiJ9.e30.sig")
    assert response.status_code == 503
