"""MOSIP's status of a record's packet in the console: asked for from the record's page,
shown there, in the list and on the dashboard (against the MOSIP stand-in)."""

from django.urls import reverse

from integration.models import Status
from integration.models.submission import FailureKind


def test_staff_ask_mosip_from_the_record_page_and_see_its_status_everywhere(
    configured, mosip, support_client, make_submission
):
    submission = make_submission(Status.AWAITING_CREDENTIAL)
    mosip.verdicts[submission.transaction_id] = "PROCESSING"
    page = reverse("console:submission", args=[submission.pk])
    assert "not asked yet" in support_client.get(page).content.decode()

    reply = support_client.post(
        reverse("console:submission-ask-mosip", args=[submission.pk]), follow=True
    )

    text = reply.content.decode()
    assert "MOSIP says PROCESSING." in text
    assert 'data-testid="mosip-status"' in text and "asked " in text
    assert [submission.transaction_id] in mosip.status_searches
    listed = support_client.get(reverse("console:submissions")).content.decode()
    assert "MOSIP: PROCESSING" in listed
    dashboard = support_client.get(reverse("console:dashboard")).content.decode()
    assert "MOSIP says:" in dashboard and "PROCESSING 1" in dashboard


def test_a_packet_mosip_rejected_fails_the_record_when_staff_ask(
    configured, mosip, support_client, make_submission
):
    submission = make_submission(Status.AWAITING_CREDENTIAL)
    mosip.verdicts[submission.transaction_id] = "RESEND"

    support_client.post(reverse("console:submission-ask-mosip", args=[submission.pk]))

    submission.refresh_from_db()
    assert submission.status == Status.FAILED
    assert submission.failure_kind == FailureKind.MOSIP_REJECTED
    assert submission.mosip_status == "RESEND"
    page = support_client.get(reverse("console:submission", args=[submission.pk])).content
    assert "RESEND" in page.decode()


def test_an_auditor_cannot_ask_mosip(configured, mosip, auditor_client, make_submission):
    submission = make_submission(Status.AWAITING_CREDENTIAL)

    reply = auditor_client.post(reverse("console:submission-ask-mosip", args=[submission.pk]))

    assert reply.status_code == 403
    assert mosip.status_searches == []


def test_staff_ask_mosip_about_records_picked_on_the_list(
    configured, mosip, support_client, make_submission
):
    waiting = make_submission(Status.AWAITING_CREDENTIAL)
    rejected = make_submission(Status.AWAITING_CREDENTIAL)
    mosip.verdicts[waiting.transaction_id] = "PROCESSING"
    mosip.verdicts[rejected.transaction_id] = "REREGISTER"
    listed = support_client.get(reverse("console:submissions")).content.decode()
    assert 'data-testid="ask-mosip-selected"' in listed

    reply = support_client.post(
        reverse("console:ask-mosip-selected"), {"ids": [waiting.pk, rejected.pk]}, follow=True
    )

    text = reply.content.decode()
    assert "MOSIP was asked about 2 records: 1 failed as MOSIP rejected them" in text
    assert len(mosip.status_searches) == 1  # one call for both
    waiting.refresh_from_db()
    rejected.refresh_from_db()
    assert (waiting.status, waiting.mosip_status) == (Status.AWAITING_CREDENTIAL, "PROCESSING")
    assert (rejected.status, rejected.failure_kind) == (Status.FAILED, FailureKind.MOSIP_REJECTED)


def test_two_look_ups_at_once_ask_mosip_for_a_credential_once(configured, mosip, make_submission):
    from datetime import timedelta

    from django.utils import timezone

    from integration.models import Submission
    from integration.services import mosip_status

    started = timezone.now() - timedelta(hours=1)
    submission = make_submission(Status.AWAITING_CREDENTIAL, workflow_started_at=started)
    mosip.verdicts[submission.transaction_id] = "PROCESSED"
    mosip.uins[submission.transaction_id] = "5812903476"
    beat, click = (Submission.objects.get(pk=submission.pk) for _ in range(2))

    assert mosip_status.check([beat]) == {"credential_requested": 1}
    assert mosip_status.check([click]) == {"processed": 1}

    [asked] = mosip.credential_requests.values()
    assert asked["request"]["id"] == "5812903476"
    submission.refresh_from_db()
    assert submission.credential_requests == 1


def test_metrics_count_open_records_by_mosips_status(
    configured, mosip, client, portal_settings, make_submission
):
    from tests.support.metrics import METRICS_TOKEN, scrape, value

    portal_settings.METRICS_TOKEN = METRICS_TOKEN
    processing = [make_submission(Status.AWAITING_CREDENTIAL) for _ in range(2)]
    unknown = make_submission(Status.AWAITING_CREDENTIAL)
    for submission in processing:
        mosip.verdicts[submission.transaction_id] = "PROCESSING"
    from integration.services import mosip_status

    mosip_status.check([*processing, unknown])

    samples = scrape(client.get)
    assert value(samples, "portal_records_by_mosip_status", status="PROCESSING") == 2
    assert value(samples, "portal_records_by_mosip_status", status="NOT_FOUND") == 1
