"""The list: filters, search by any identifier, sorting, and pages without counting."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from integration.models import Status, Submission, TransactionId

pytestmark = pytest.mark.django_db


def listed(client, **params) -> list[str]:
    reply = client.get(reverse("console:submissions"), params)
    assert reply.status_code == 200
    return [s.tracking_id for s in reply.context["page"].items]


def test_search_finds_a_record_by_each_identifier(support_client, make_submission):
    birth = make_submission(Status.CONFIRMED, vid="5550001112", token="")
    death = make_submission(Status.FAILED, event_type="death")
    make_submission(Status.FAILED)
    TransactionId.objects.create(submission=birth, value="100019999999999")

    assert listed(support_client, q=birth.tracking_id.lower()) == [birth.tracking_id]
    assert listed(support_client, q=birth.certificate_number) == [birth.tracking_id]
    assert listed(support_client, q="100019999999999") == [birth.tracking_id]  # an older id
    assert listed(support_client, q=birth.transaction_id) == [birth.tracking_id]
    assert listed(support_client, q="5550001112") == [birth.tracking_id]  # the VID issued
    assert listed(support_client, q="1234567892") == [death.tracking_id]  # deceased's NID
    assert listed(support_client, q="nothing-like-it") == []


def test_search_finds_a_deceased_nid_from_an_event_document(support_client, make_submission):
    """EventDocuments and bundles carry the NID elsewhere; what went to MOSIP has it."""
    death = make_submission(Status.CONFIRMED, event_type="death", token="")
    Submission.objects.filter(pk=death.pk).update(
        source_format="event",
        raw_request={"id": "e", "type": "death", "actions": []},
        fields_sent={"nationalIdNumber": "7777777777"},
    )
    assert listed(support_client, q="7777777777") == [death.tracking_id]


def test_filters_combine(support_client, make_submission):
    old = make_submission(Status.FAILED, created_at=timezone.now() - timedelta(days=40))
    new_failed = make_submission(Status.FAILED)
    expired = make_submission(
        Status.TOKEN_EXPIRED, failed_step="confirm", last_error="The token expired."
    )
    death = make_submission(Status.CONFIRMED, event_type="death", token="")

    assert set(listed(support_client, status="needs_action")) == {
        old.tracking_id,
        new_failed.tracking_id,
        expired.tracking_id,
    }
    assert listed(support_client, event_type="death") == [death.tracking_id]
    assert listed(support_client, failed_step="confirm") == [expired.tracking_id]
    assert listed(support_client, reason="The token") == [expired.tracking_id]
    since = (timezone.now() - timedelta(days=2)).date().isoformat()
    recent_failed = listed(support_client, status="failed", created_from=since)
    assert recent_failed == [new_failed.tracking_id]


def test_a_bad_date_range_is_explained(support_client):
    reply = support_client.get(
        reverse("console:submissions"), {"created_from": "2026-02-01", "created_to": "2026-01-01"}
    )
    assert "The end date is before the start date." in reply.content.decode()


def test_pages_follow_a_cursor_both_ways_and_never_count(
    support_client, make_submission, portal_settings
):
    portal_settings.CONSOLE_PAGE_SIZE = 3
    start = timezone.now() - timedelta(hours=1)
    made = [
        make_submission(Status.CONFIRMED, token="", created_at=start + timedelta(minutes=n))
        for n in range(7)
    ]
    newest_first = [s.tracking_id for s in reversed(made)]

    with CaptureQueriesContext(connection) as queries:
        first = support_client.get(reverse("console:submissions"))
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    page = first.context["page"]
    assert [s.tracking_id for s in page.items] == newest_first[:3]
    assert page.previous_cursor is None

    second = support_client.get(reverse("console:submissions"), {"after": page.next_cursor})
    page2 = second.context["page"]
    assert [s.tracking_id for s in page2.items] == newest_first[3:6]
    third = support_client.get(reverse("console:submissions"), {"after": page2.next_cursor})
    page3 = third.context["page"]
    assert [s.tracking_id for s in page3.items] == newest_first[6:]
    assert page3.next_cursor is None

    back = support_client.get(reverse("console:submissions"), {"before": page3.previous_cursor})
    assert [s.tracking_id for s in back.context["page"].items] == newest_first[3:6]
    back2 = support_client.get(
        reverse("console:submissions"), {"before": back.context["page"].previous_cursor}
    )
    assert [s.tracking_id for s in back2.context["page"].items] == newest_first[:3]
    assert back2.context["page"].previous_cursor is None


def test_sorting_by_time_without_change(support_client, make_submission):
    a = make_submission(Status.AWAITING_CREDENTIAL)
    b = make_submission(Status.AWAITING_CREDENTIAL)
    Submission.objects.filter(pk=a.pk).update(updated_at=timezone.now() - timedelta(days=2))
    assert listed(support_client, sort="waiting")[:2] == [a.tracking_id, b.tracking_id]
    assert listed(support_client, sort="updated")[-1] == a.tracking_id


def test_the_list_shows_no_personal_data(auditor_client, make_submission):
    make_submission(Status.FAILED)
    page = auditor_client.get(reverse("console:submissions")).content.decode()
    assert "Baby Doe" not in page and "Jane Doe" not in page


def test_the_list_scrubs_what_went_to_mosip_and_the_vid_for_auditors(
    auditor_client, make_submission
):
    """The detail page scrubs values from the fields sent and the VID; so does the list."""
    mapped = make_submission(
        Status.FAILED, last_error="MOSIP createPacket refused: invalid fullName Ruth Mbeki"
    )
    Submission.objects.filter(pk=mapped.pk).update(
        source_format="event",
        raw_request={"id": "e", "type": "birth", "actions": []},  # names live elsewhere
        fields_sent={"fullName": [{"language": "eng", "value": "Ruth Mbeki"}]},
    )
    make_submission(
        Status.FAILED,
        vid="ZX4567891230",
        failed_step="confirm",
        last_error="OpenCRVS refused: child.nid ZX4567891230 is not valid",
    )
    page = auditor_client.get(reverse("console:submissions")).content.decode()
    assert "Ruth Mbeki" not in page and "ZX4567891230" not in page
    assert "invalid fullName •••••" in page and "child.nid ••••• is not valid" in page


def test_auditors_search_by_record_identifiers_only(
    auditor_client, support_client, make_submission
):
    birth = make_submission(Status.CONFIRMED, vid="5550001112", token="")
    death = make_submission(Status.FAILED, event_type="death")

    assert listed(auditor_client, q=birth.tracking_id) == [birth.tracking_id]
    assert listed(auditor_client, q=birth.certificate_number) == [birth.tracking_id]
    assert listed(auditor_client, q=birth.transaction_id) == [birth.tracking_id]
    # A VID or a NID would tell an auditor whose number a masked record holds.
    assert listed(auditor_client, q="5550001112") == []
    assert listed(auditor_client, q="1234567892") == []
    assert listed(support_client, q="1234567892") == [death.tracking_id]
    page = auditor_client.get(reverse("console:submissions")).content.decode()
    assert "Tracking id, certificate no. or transaction id" in page
    assert "transaction id or NID" not in page


def test_auditors_cannot_guess_a_masked_reason_letter_by_letter(
    auditor_client, support_client, make_submission
):
    named = make_submission(Status.FAILED, last_error="invalid fullName Baby Doe")
    other = make_submission(Status.FAILED, last_error="invalid fullName Jane Roe")
    assert listed(support_client, reason="invalid fullName B") == [named.tracking_id]
    reply = auditor_client.get(reverse("console:submissions"), {"reason": "invalid fullName B"})
    assert "Reason starts with" not in reply.content.decode()
    assert {s.tracking_id for s in reply.context["page"].items} == {
        named.tracking_id,
        other.tracking_id,
    }


BAD_CURSORS = [
    "99999999999999999999999.1",
    "-99999999999999999.1",
    "1.99999999999999999999",
    "1.-5",
    "not-a-cursor",
]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
@pytest.mark.parametrize("direction", ["after", "before"])
def test_a_bad_cursor_shows_the_first_page(support_client, make_submission, direction, cursor):
    record = make_submission(Status.FAILED)
    assert listed(support_client, **{direction: cursor}) == [record.tracking_id]
    audit = support_client.get(reverse("console:audit"), {direction: cursor})
    assert audit.status_code == 200


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_widest_dates_are_no_error(support_client, make_submission, day):
    record = make_submission(Status.FAILED)
    assert listed(support_client, created_from="0001-01-01", created_to=day) == (
        [record.tracking_id] if day == "9999-12-31" else []
    )
    assert listed(support_client, created_to=day) == (
        [record.tracking_id] if day == "9999-12-31" else []
    )
