"""Each call's request as sent, on the record's timeline beside its reply: support reads
it whole, auditors its head only (method, URL, redacted headers), and retention erases it
with the replies (integration.clients.sent makes the excerpt:
tests/services/test_request_excerpt.py)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integration.models import Attempt, RetentionPolicy, Status, Submission
from integration.models.submission import Step
from integration.services.retention import apply_retention

pytestmark = pytest.mark.django_db


def _record_with_a_call(make_submission) -> Submission:
    record = make_submission(Status.CONFIRMED, token="")
    Attempt.objects.create(
        submission=record,
        step=Step.CREATE_PACKET,
        url="http://mosip/commons/v1/packetmanager/createPacket",
        http_status=200,
        request_excerpt="PUT http://mosip/commons/v1/packetmanager/createPacket\n"
        "Cookie: Authorization=[redacted]\nContent-Type: application/json\n\n"
        '{"request": {"fields": {"fullName": "Baby Doe", "phone": "0911111111"}}}',
        response_excerpt='{"response": {"id": "10001"}}',
    )
    return record


def test_support_reads_the_request_beside_the_reply_and_auditors_its_head_only(
    support_client, auditor_client, make_submission
):
    record = _record_with_a_call(make_submission)
    url = reverse("console:submission", args=[record.pk])
    support = support_client.get(url).content.decode()
    assert "Request as sent" in support and "0911111111" in support
    assert "Cookie: Authorization=[redacted]" in support

    auditor = auditor_client.get(url).content.decode()
    assert "Request as sent" in auditor and "PUT http://mosip/commons" in auditor
    assert "0911111111" not in auditor and "Baby Doe" not in auditor
    assert "Its body is hidden: it carries personal data." in auditor
    french = auditor_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Requête telle qu’envoyée" in french


def test_retention_erases_the_requests_with_the_replies(make_submission):
    record = _record_with_a_call(make_submission)
    RetentionPolicy.load()
    Submission.objects.filter(pk=record.pk).update(updated_at=timezone.now() - timedelta(days=91))
    run = apply_retention()
    call = Attempt.objects.get(submission=record)
    assert (call.request_excerpt, call.response_excerpt) == ("", "")
    assert run.call_records_scrubbed == 1
    assert (call.step, call.http_status) == (Step.CREATE_PACKET, 200)  # the timeline stays
