"""One record's page: its timeline, ids, token state, and personal data masked for
auditors."""

import pytest
from django.urls import reverse

from integration.models import Attempt, Status
from integration.models.submission import Step

pytestmark = pytest.mark.django_db

PERSONAL = [
    "Baby Doe",
    "Jane Doe",
    "2024/01/31",
    "0911111111",
    "jane.doe@example.com",
    "1 Example Street",
]


def page_of(client, submission) -> str:
    reply = client.get(reverse("console:submission", args=[submission.pk]))
    assert reply.status_code == 200
    return reply.content.decode()


def test_support_sees_the_fields_sent_and_the_vid(support_client, make_submission):
    record = make_submission(Status.CONFIRMED, vid="4567891230", token="")
    page = page_of(support_client, record)
    for value in [*PERSONAL, "4567891230"]:
        assert value in page


def test_auditors_see_the_record_but_no_personal_data(auditor_client, make_submission):
    record = make_submission(Status.CONFIRMED, vid="4567891230", token="")
    page = page_of(auditor_client, record)
    for value in [*PERSONAL, "4567891230"]:
        assert value not in page
    assert "personal data hidden" in page
    assert record.tracking_id in page and record.certificate_number in page
    assert "fullName" in page  # which fields were sent stays visible


def test_auditors_do_not_see_the_deceased_nid(auditor_client, make_submission):
    record = make_submission(Status.FAILED, event_type="death")
    page = page_of(auditor_client, record)
    assert "1234567892" not in page and "John Dino Doe" not in page


def test_auditors_do_not_see_response_excerpts(auditor_client, support_client, make_submission):
    record = make_submission(Status.CONFIRMED, token="")
    Attempt.objects.create(
        submission=record,
        step=Step.CONFIRM,
        url="http://gateway/events/event.actions.register.accept?batch=1",
        http_status=200,
        duration_ms=120,
        response_excerpt='{"declaration": {"child.nid": "4567891230"}}',
    )
    assert "4567891230" not in page_of(auditor_client, record)
    assert "4567891230" in page_of(support_client, record)


def test_the_token_is_never_shown(support_client, make_submission):
    record = make_submission(Status.AWAITING_CREDENTIAL, token="eyJraWQ.secret-part.sig")
    page = page_of(support_client, record)
    assert "secret-part" not in page
    assert "kept, expires in" in page


def test_the_timeline_shows_every_call(support_client, make_submission):
    record = make_submission(Status.FAILED)
    Attempt.objects.create(
        submission=record,
        step=Step.CREATE_PACKET,
        url="http://mosip/commons/v1/packetmanager/createPacket",
        http_status=503,
        duration_ms=1530,
        error="MOSIP createPacket answered HTTP 503: busy",
    )
    Attempt.objects.create(
        submission=record,
        step=Step.CREATE_PACKET,
        url="http://mosip/commons/v1/packetmanager/createPacket",
        http_status=400,
        duration_ms=80,
        error="MOSIP createPacket answered HTTP 400: bad field",
    )
    page = page_of(support_client, record)
    assert page.count("Create packet") >= 2
    assert "1.5 s" in page and "80 ms" in page
    assert "HTTP 503: busy" in page and "HTTP 400: bad field" in page
    assert record.transaction_id in page


def test_a_moving_record_polls_its_status(support_client, make_submission):
    record = make_submission(Status.AWAITING_CREDENTIAL)
    assert "data-poll=" in page_of(support_client, record)
    reply = support_client.get(reverse("console:submission-status", args=[record.pk]))
    assert reply.json()["status"] == "awaiting_credential"
    settled = make_submission(Status.CONFIRMED, token="")
    assert "data-poll=" not in page_of(support_client, settled)


def test_error_messages_that_quote_personal_data_are_scrubbed_for_auditors(
    auditor_client, support_client, make_submission
):
    record = make_submission(
        Status.FAILED,
        last_error="MOSIP createPacket refused the request: IDV-001: invalid fullName Baby Doe",
    )
    Attempt.objects.create(
        submission=record,
        step=Step.CREATE_PACKET,
        url="http://mosip/commons/v1/packetmanager/createPacket",
        http_status=200,
        error="MOSIP createPacket refused the request: IDV-001: invalid fullName Baby Doe",
    )
    assert "Baby Doe" not in page_of(auditor_client, record)
    listing = auditor_client.get(reverse("console:submissions")).content.decode()
    assert "invalid fullName •••••" in listing and "Baby Doe" not in listing
    assert "invalid fullName Baby Doe" in page_of(support_client, record)
