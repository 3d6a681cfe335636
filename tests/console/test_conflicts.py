"""What staff see of requests and credentials that do not fit one record."""

from django.urls import reverse
from django.utils import timezone

from integration.models import IntakeRepeat, Status, TransactionId
from integration.services.credential import _store_vid


def page_of(client, submission) -> str:
    return client.get(reverse("console:submission", args=[submission.pk])).content.decode()


def test_a_second_credential_after_confirmation_is_shown(
    support_client, auditor_client, make_submission
):
    confirmed = make_submission(
        Status.CONFIRMED, vid="1111111111", credential_received_at=timezone.now(),
        confirmed_at=timezone.now(), token="",
    )  # fmt: skip
    TransactionId.objects.filter(value=confirmed.transaction_id).update(
        vid="1111111111", credential_received_at=timezone.now()
    )
    later = TransactionId.objects.create(submission=confirmed, value="100019999999999")

    _store_vid(confirmed, later.value, "2222222222")  # MOSIP issues another one

    confirmed.refresh_from_db()
    assert (confirmed.status, confirmed.vid) == (Status.CONFIRMED, "1111111111")
    page = page_of(support_client, confirmed)
    assert 'data-testid="other-credential"' in page
    assert "2222222222" in page and "100019999999999" in page
    masked = page_of(auditor_client, confirmed)
    assert 'data-testid="other-credential"' in masked and "2222222222" not in masked


def test_refused_and_repeated_requests_are_shown_on_the_record(support_client, make_submission):
    record = make_submission(Status.AWAITING_CREDENTIAL)
    IntakeRepeat.objects.create(
        submission=record, kind=IntakeRepeat.Kind.NEW_NUMBER, certificate_number="2026B555",
        event_id=record.event_id,
    )  # fmt: skip
    IntakeRepeat.objects.create(
        submission=record, kind=IntakeRepeat.Kind.OTHER_EVENT,
        certificate_number=record.certificate_number, event_id="evt-other", refused=True,
    )  # fmt: skip
    page = page_of(support_client, record)
    assert 'data-testid="refused-repeat"' in page and "evt-other" in page
    assert "2026B555" in page and "accepted (202), no second packet" in page
