"""The dashboard: what is where, what is stuck and why, and when each system answered."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integration.console.dashboard import build_dashboard
from integration.models import Attempt, Status, Submission
from integration.models.submission import ReasonWriteRefused, Step
from integration.reason_groups import reason_prefix, store_reason_keys
from integration.services.lifecycle import reason_columns
from integration.services.retention import erase

pytestmark = pytest.mark.django_db


def test_reasons_are_grouped_without_their_ids():
    a = "MOSIP createPacket refused the request: PKT-DUPLICATE: Packet 100010000533790 exists"
    b = "MOSIP createPacket refused the request: PKT-DUPLICATE: Packet 100010000845358 exists"
    assert reason_prefix(a) == reason_prefix(b)
    assert reason_prefix(a).endswith("Packet")
    assert reason_prefix("MOSIP auth answered HTTP 401: bad secret").endswith("bad secret")


def test_the_dashboard_shows_what_needs_a_person(support_client, make_submission):
    now = timezone.now()
    for _ in range(3):
        make_submission(
            Status.FAILED,
            failed_step=Step.AUTH,
            last_error="MOSIP auth answered HTTP 401: Client ID and secret key combination "
            "is invalid",
        )
    make_submission(
        Status.TOKEN_EXPIRED,
        failed_step=Step.CONFIRM,
        last_error="The record's OpenCRVS token expired before confirmation.",
    )
    make_submission(
        Status.AWAITING_CREDENTIAL,
        created_at=now - timedelta(hours=5),
        token_expires_at=now + timedelta(hours=20),
    )
    make_submission(Status.CONFIRMED, token="", confirmed_at=now - timedelta(minutes=30))

    reply = support_client.get(reverse("console:dashboard"))
    assert reply.status_code == 200
    page = reply.content.decode()
    dash = reply.context["dash"]
    assert dash.needs_action == 4
    assert dash.waiting_on_mosip == 1
    assert dash.expiring_count == 1
    [auth, expired] = dash.reasons
    assert (auth.step, auth.count) == (Step.AUTH, 3)
    assert expired.count == 1
    assert "Client ID and secret key combination is invalid" in page
    assert "status=needs_action" in page
    assert "oldest received 5" in page  # "5 hours ago"
    assert dash.day_chart.confirmed == 1 and dash.day_chart.received == 6
    assert page.count("<rect") == 2 * (24 + 7)  # two series, hourly and daily
    counts = {row.status: row.count for row in dash.statuses}
    assert counts[Status.FAILED] == 3 and counts[Status.CONFIRMED] == 1


def test_last_contact_with_each_system():
    now = timezone.now()
    Attempt.objects.create(
        step=Step.CREATE_PACKET, url="http://mosip/x", started_at=now - timedelta(minutes=10)
    )
    Attempt.objects.create(
        step=Step.CREATE_PACKET,
        url="http://mosip/x",
        started_at=now - timedelta(minutes=2),
        error="could not connect to http://mosip/x",
    )
    Attempt.objects.create(
        step=Step.CONFIRM, url="http://gw/x", started_at=now - timedelta(hours=1)
    )

    mosip, opencrvs = build_dashboard(personal_data=True).contacts
    assert mosip.system == "MOSIP"
    assert mosip.last_ok == now - timedelta(minutes=10)
    assert mosip.failing and "could not connect" in mosip.last_error
    assert opencrvs.last_ok == now - timedelta(hours=1) and not opencrvs.failing


def test_the_dashboard_is_cached_briefly(support_client, make_submission, portal_settings):
    portal_settings.CONSOLE_DASHBOARD_CACHE_SECONDS = 60
    support_client.get(reverse("console:dashboard"))
    make_submission(Status.FAILED)
    assert support_client.get(reverse("console:dashboard")).context["dash"].needs_action == 0


def test_auditors_see_failure_reasons_and_errors_without_personal_data(
    support_client, auditor_client, make_submission, portal_settings
):
    portal_settings.CONSOLE_DASHBOARD_CACHE_SECONDS = 60  # each role gets its own cached version
    make_submission(
        Status.FAILED,
        failed_step=Step.MAPPING,
        last_error="fullName 'Baby Doe' does not match the ID schema's format",
    )
    issued = make_submission(Status.FAILED, vid="4567891230")
    Attempt.objects.create(
        submission=issued,
        step=Step.CONFIRM,
        url="http://gw/x",
        error="OpenCRVS refused: child.nid 4567891230 does not belong to Baby Doe",
    )

    support_page = html.unescape(support_client.get(reverse("console:dashboard")).content.decode())
    assert "fullName 'Baby Doe' does not match" in support_page
    assert "child.nid 4567891230 does not belong to Baby Doe" in support_page

    reply = auditor_client.get(reverse("console:dashboard"))
    page = html.unescape(reply.content.decode())
    assert "Baby Doe" not in page and "4567891230" not in page
    assert "fullName '•••••' does not match the ID schema's format" in page
    assert "OpenCRVS refused: child.nid ••••• does not belong to •••••" in page
    assert "reason=" not in page  # an auditor cannot filter on a reason anyway


def test_masked_reasons_keep_http_statuses_and_error_codes(auditor_client, make_submission):
    make_submission(
        Status.FAILED,
        failed_step=Step.CREATE_PACKET,
        last_error="MOSIP createPacket refused the request: KER-IOV-004: dob 2019/05/06 invalid",
    )
    make_submission(
        Status.FAILED,
        failed_step=Step.AUTH,
        last_error="MOSIP auth answered HTTP 401: Client ID and secret key combination is invalid",
    )
    page = html.unescape(auditor_client.get(reverse("console:dashboard")).content.decode())
    assert "KER-IOV-004: dob •••••/•••••/••••• invalid" in page
    assert "HTTP 401: Client ID and secret key combination is invalid" in page
    assert "2019" not in page


def test_records_in_retry_count_as_waiting_on_the_system_they_wait_for(
    support_client, make_submission
):
    """MOSIP down, records in retry: the headline must not say "0 waiting on MOSIP"."""
    now = timezone.now()
    make_submission(
        Status.DELIVERY_RETRY,
        created_at=now - timedelta(hours=2),
        failed_step=Step.AUTH,
        last_error="could not connect to http://mosip/auth",
    )
    make_submission(Status.DELIVERY_RETRY, failed_step=Step.CREATE_PACKET)
    make_submission(
        Status.CONFIRMATION_RETRY,
        failed_step=Step.CONFIRM,
        credential_received_at=now - timedelta(minutes=30),
        vid="1234567890",
    )

    reply = support_client.get(reverse("console:dashboard"))
    page = reply.content.decode()
    dash = reply.context["dash"]
    assert (dash.waiting_on_mosip, dash.waiting_on_opencrvs) == (2, 1)
    assert 'data-testid="waiting-on-mosip">2<' in page
    assert 'data-testid="waiting-on-opencrvs">1<' in page
    assert "oldest received 2" in page  # "2 hours ago"

    # The headline leads to exactly the records it counts.
    listed = support_client.get(
        reverse("console:submissions"), {"status": "waiting_on_mosip"}
    ).context["page"]
    assert len(listed.items) == 2


def test_the_reason_groups_are_written_with_the_error_and_never_apart(make_submission):
    """The dashboard counts groups from keys stored with the error: written together
    (lifecycle.reason_columns), they group; a write of the error alone is refused, however
    it is made, so no record's keys fall behind its error."""
    a, b = (
        make_submission(Status.FAILED, failed_step=Step.CONFIRM, last_error="") for _ in range(2)
    )
    Submission.objects.filter(pk=a.pk).update(
        **reason_columns("OpenCRVS refused: Event 83080479 has been rejected")
    )
    for name, value in reason_columns("OpenCRVS refused: Event 93670201 has been rejected").items():
        setattr(b, name, value)
    b.save(update_fields=list(reason_columns("")))

    [group] = build_dashboard(personal_data=True).reasons
    assert (group.step, group.reason, group.count) == (Step.CONFIRM, "OpenCRVS refused: Event", 2)
    [masked] = build_dashboard(personal_data=False).reasons
    assert (masked.reason, masked.count) == ("OpenCRVS refused: Event ••••• has been rejected", 2)

    alone = "OpenCRVS refused: Event 11112222 has been rejected"
    with pytest.raises(ReasonWriteRefused):
        Submission.objects.filter(pk=a.pk).update(last_error=alone)
    b.last_error = alone
    with pytest.raises(ReasonWriteRefused):
        b.save(update_fields=["last_error"])
    with pytest.raises(ReasonWriteRefused):
        Submission.objects.bulk_update([b], ["last_error"])
    assert build_dashboard(personal_data=True).reasons[0].count == 2

    Submission.objects.filter(pk=a.pk).update(**reason_columns(""))  # cleared
    assert build_dashboard(personal_data=True).reasons[0].count == 1


def test_erasing_a_record_erases_the_names_in_its_reason_keys(make_submission):
    record = make_submission(
        Status.RESOLVED, failed_step=Step.MAPPING, last_error="fullName Baby Doe is too short"
    )
    assert Submission.objects.get(pk=record.pk).reason_key == "fullName Baby Doe is too short"

    erase(record, days=90, now=timezone.now())

    erased = Submission.objects.get(pk=record.pk)
    assert "Baby Doe" not in erased.last_error
    assert "Baby Doe" not in erased.reason_key and "Baby Doe" not in erased.masked_reason_key


def test_records_that_failed_before_the_keys_existed_get_theirs(make_submission):
    make_submission(
        Status.FAILED, failed_step=Step.AUTH, last_error="MOSIP auth answered HTTP 401: bad secret"
    )
    Submission.objects.update(reason_key="", masked_reason_key="")  # as before migration 0022

    assert store_reason_keys(Submission) == 1

    [group] = build_dashboard(personal_data=True).reasons
    assert (group.reason, group.count) == ("MOSIP auth answered HTTP 401: bad secret", 1)
