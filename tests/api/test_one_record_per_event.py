"""One record per OpenCRVS event: a single-record token confirms exactly one record."""

import json

import pytest

from integration.models import IntakeRepeat, Submission
from tests.fixtures import birth_request

URL = "/events/registration"


@pytest.fixture
def post(client, configured, opencrvs, django_capture_on_commit_callbacks):
    def send(body, **token_claims):
        token = opencrvs.mint_token(**token_claims)
        with django_capture_on_commit_callbacks(execute=False) as queued:
            response = client.post(
                URL, data=json.dumps(body), content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )  # fmt: skip
        response.queued = queued
        return response

    return send


def test_a_retried_register_action_with_a_new_number_makes_no_second_record(post):
    """The reference country config makes a new registration number each time it handles
    the register action: the same event comes again with another certificate number."""
    first = post(birth_request("2026B1", "B1"), event_id="evt-1")
    again = post(birth_request("2026B2", "B1"), event_id="evt-1")

    assert (first.status_code, again.status_code) == (202, 202)
    assert len(first.queued) == 1 and again.queued == []  # no second delivery
    [record] = Submission.objects.all()
    assert record.certificate_number == "2026B1"
    [repeat] = record.repeats.all()
    assert (repeat.kind, repeat.certificate_number, repeat.refused) == (
        IntakeRepeat.Kind.NEW_NUMBER, "2026B2", False,
    )  # fmt: skip


def test_a_known_certificate_number_with_another_events_token_is_409(post):
    post(birth_request("2026B1", "B1"), event_id="evt-1")
    other = post(birth_request("2026B1", "B7"), event_id="evt-7")

    assert other.status_code == 409
    body = other.json()
    assert body["certificateNumber"] == "2026B1"
    assert "belongs to another OpenCRVS event" in body["detail"]
    assert other.queued == []
    [record] = Submission.objects.all()
    assert record.event_id == "evt-1"  # the first record keeps its own token's event
    [repeat] = record.repeats.all()
    assert (repeat.kind, repeat.event_id, repeat.refused) == (
        IntakeRepeat.Kind.OTHER_EVENT, "evt-7", True,
    )  # fmt: skip


def test_the_database_keeps_one_record_per_event(db):
    from django.db import IntegrityError, transaction

    def stored(number):
        return Submission.objects.create(
            event_type="birth", tracking_id="B1", certificate_number=number,
            event_id="evt-1", raw_request=birth_request(number, "B1"),
        )  # fmt: skip

    stored("2026B1")
    with pytest.raises(IntegrityError), transaction.atomic():
        stored("2026B2")
    # Webhook records carry no event id: any number of them.
    for number in ("W1", "W2"):
        Submission.objects.create(
            event_type="birth", tracking_id=number, certificate_number=number, raw_request={}
        )
