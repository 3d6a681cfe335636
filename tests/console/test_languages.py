"""The console in the browser's language or the one the user picks, and the rough edges
staff met: labels instead of codes, help per action, counts before a bulk action."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from integration.console.tasks import run_bulk_job
from integration.console.templatetags.console import thousands
from integration.models import Status, Submission
from integration.services import staff_actions
from integration.services.bulk_jobs import start_bulk_job
from integration.services.staff_actions import Actor

pytestmark = pytest.mark.django_db


def test_the_browsers_language_is_used(support_client, make_submission):
    make_submission(Status.FAILED)
    french = support_client.get(reverse("console:submissions"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr")
    page = french.content.decode()
    assert '<html lang="fr">' in page
    assert "Dossiers" in page and "En échec" in page and "Se déconnecter" in page
    english = support_client.get(reverse("console:submissions"), HTTP_ACCEPT_LANGUAGE="en-GB")
    assert "Sign out" in english.content.decode()


def test_the_user_switches_language_and_it_sticks(support_client):
    dashboard = reverse("console:dashboard")
    switched = support_client.post(reverse("set_language"), {"language": "fr", "next": dashboard})
    assert switched.status_code == 302 and switched["Location"] == dashboard
    page = support_client.get(dashboard, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Tableau de bord" in page and "Par statut" in page
    support_client.post(reverse("set_language"), {"language": "en", "next": dashboard})
    assert "By status" in support_client.get(dashboard).content.decode()


def test_numbers_are_grouped_as_the_language_writes_them():
    with translation.override("fr"):
        assert thousands(1234567) == "1\xa0234\xa0567"
    with translation.override("en"):
        assert thousands(1234567) == "1,234,567"


def test_the_audit_log_shows_status_labels_not_codes(support, support_client, make_submission):
    record = make_submission(Status.FAILED)
    staff_actions.perform("resolve", record.pk, Actor.of(support), "Settled by phone")
    page = support_client.get(reverse("console:audit")).content.decode()
    assert "Failed → Resolved" in page
    assert "failed → resolved" not in page
    french = support_client.get(reverse("console:audit"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "En échec → Résolu" in french.content.decode()


@pytest.mark.parametrize(
    ("kind", "status", "words"),
    [
        ("resubmit", Status.FAILED, "say what changed since it failed"),
        ("resolve", Status.FAILED, "say how and where the case was settled"),
        ("retry_confirmation", Status.TOKEN_EXPIRED, "why OpenCRVS should accept"),
        ("reject", Status.FAILED, "OpenCRVS does not record a rejection's reason"),
    ],
)
def test_each_action_explains_its_reason_field(
    support_client, make_submission, kind, status, words
):
    issued = {"credential_received_at": timezone.now(), "vid": "1234"}
    record = make_submission(status, **(issued if kind == "retry_confirmation" else {}))
    page = support_client.get(reverse("console:submission-action", args=[record.pk, kind]))
    help_text = page.content.decode().split('data-testid="reason-help">')[1].split("</p>")[0]
    assert words in help_text.replace("&#x27;", "'")
    if kind != "reject":
        assert "reject" not in help_text.lower()


def test_the_bulk_confirmation_counts_what_changes_and_what_is_skipped(
    support_client, make_submission
):
    failed = [make_submission(Status.FAILED) for _ in range(3)]
    confirmed = make_submission(Status.CONFIRMED)
    resolved = make_submission(Status.RESOLVED)
    ids = [r.pk for r in [*failed, confirmed, resolved]]
    page = support_client.post(
        reverse("console:bulk-action"), {"action": "resolve", "ids": ids}
    ).content.decode()
    assert 'data-testid="bulk-will-change">3 records will change.' in page
    assert 'data-testid="bulk-will-skip">2 will be skipped:' in page
    assert "A record that is “Confirmed” cannot be marked resolved. <span" in page
    assert "A record that is “Resolved” cannot be marked resolved. <span" in page
    french = support_client.post(
        reverse("console:bulk-action"),
        {"action": "resolve", "ids": ids},
        HTTP_ACCEPT_LANGUAGE="fr",
    ).content.decode()
    assert "3 dossiers vont changer." in french and "2 seront ignorés" in french


def test_the_bulk_confirmation_counts_every_matching_record(support_client, make_submission):
    for _ in range(2):
        make_submission(Status.FAILED)
    make_submission(Status.FAILED, credential_received_at=timezone.now(), vid="99")
    form = {"action": "resubmit", "all_matching": "on", "filter-status": "failed"}
    page = support_client.post(reverse("console:bulk-action"), form).content.decode()
    assert 'data-testid="bulk-count">3</strong>' in page
    assert "2 records will change." in page and "1 will be skipped:" in page
    assert "resubmitting would register the person twice" in page


def test_a_job_page_lists_its_records_with_their_outcome(support, support_client, make_submission):
    failed, confirmed = make_submission(Status.FAILED), make_submission(Status.CONFIRMED)
    job = start_bulk_job(
        "resolve", Actor.of(support), "Settled", ids=[failed.pk, confirmed.pk], all_matching=False
    )
    run_bulk_job(job.pk)
    page = support_client.get(reverse("console:job", args=[job.pk])).content.decode()
    rows = page.split('data-testid="job-records"')[1].split("</table>")[0]
    assert failed.tracking_id in rows and confirmed.tracking_id in rows
    assert "Done" in rows and "Skipped" in rows and "Failed → Resolved" in rows


def test_the_list_shows_when_a_record_in_retry_is_tried_next(support_client, make_submission):
    make_submission(
        Status.DELIVERY_RETRY,
        next_attempt_at=timezone.now() + timedelta(minutes=5, seconds=30),
        retry_count=2,
    )
    page = support_client.get(reverse("console:submissions")).content.decode()
    assert "next try in 5\xa0minutes" in page


RECEIVED = datetime(2026, 1, 31, 9, 5, 7, tzinfo=UTC)


def received_record(make_submission):
    record = make_submission(Status.FAILED)
    Submission.objects.filter(pk=record.pk).update(created_at=RECEIVED)
    return record


def test_times_are_in_the_language_and_the_portals_time_zone(
    support_client, make_submission, settings
):
    settings.TIME_ZONE = "Africa/Kampala"  # PORTAL_TIME_ZONE; UTC+3, "EAT"
    record = received_record(make_submission)
    url = reverse("console:submission", args=[record.pk])
    english = support_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # To read: the local time, the language's way, with the zone; for machines: UTC.
    assert '<time datetime="2026-01-31T09:05:07Z">31 Jan 2026, 12:05:07 EAT</time>' in english
    assert "Times are shown in Africa/Kampala time." in english
    french = support_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<time datetime="2026-01-31T09:05:07Z">31 janvier 2026, 12:05:07 EAT</time>' in french
    assert "Heures affichées dans le fuseau horaire Africa/Kampala." in french
    listed = support_client.get(reverse("console:submissions"), HTTP_ACCEPT_LANGUAGE="fr")
    assert '<time datetime="2026-01-31T09:05:07Z">31/01/2026 12:05 EAT</time>' in (
        listed.content.decode()
    )


def test_times_are_in_utc_unless_a_zone_is_set(support_client, make_submission):
    record = received_record(make_submission)
    page = support_client.get(reverse("console:submission", args=[record.pk])).content.decode()
    assert '<time datetime="2026-01-31T09:05:07Z">31 Jan 2026, 09:05:07 UTC</time>' in page
    assert "Times are shown in UTC time." in page
