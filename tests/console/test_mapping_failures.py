"""A record that failed at mapping: its page says a resubmit needs a mapping change, and
offers to re-map and resubmit every such record since a date, as one bulk job."""

from datetime import timedelta

from django.utils import timezone

from integration.models import ActionKind, BulkJob, Status

MAPPING_ERROR = "addressLine1 is required but nothing was found at requestFields.addressLine1"


def test_the_page_of_a_record_failed_at_mapping_says_a_resubmit_needs_a_mapping_change(
    support_client, auditor_client, make_submission
):
    failed = make_submission(Status.FAILED, failed_step="mapping", last_error=MAPPING_ERROR)
    other = make_submission(Status.FAILED)  # failed at create_packet

    page = support_client.get(f"/console/submissions/{failed.pk}/").content.decode()
    assert "fails the same way unless the mapping profile or the ID schema has changed" in page
    assert 'data-testid="remap-since"' in page
    assert "Re-map and resubmit every record received since" in page

    other_page = support_client.get(f"/console/submissions/{other.pk}/").content.decode()
    assert 'data-testid="mapping-note"' not in other_page
    # Read-only staff see the note but cannot start the job.
    read_only = auditor_client.get(f"/console/submissions/{failed.pk}/").content.decode()
    assert 'data-testid="mapping-note"' in read_only
    assert 'data-testid="remap-since"' not in read_only


def test_every_record_failed_at_mapping_since_a_date_is_resubmitted_as_one_job(
    support_client, make_submission
):
    now = timezone.now()
    old = make_submission(Status.FAILED, failed_step="mapping", last_error=MAPPING_ERROR,
                          created_at=now - timedelta(days=10))  # fmt: skip
    recent = [
        make_submission(Status.FAILED, failed_step="mapping", last_error=MAPPING_ERROR)
        for _ in range(3)
    ]
    make_submission(Status.FAILED)  # another kind of failure: not part of it
    since = (now - timedelta(days=1)).date().isoformat()
    form = {
        "action": "resubmit",
        "all_matching": "on",
        "filter-status": "failed",
        "filter-failed_step": "mapping",
        "filter-created_from": since,
    }

    review = support_client.post("/console/bulk/", form)
    assert review.status_code == 200
    assert review.context["count"] == 3

    done = support_client.post(
        "/console/bulk/", {**form, "confirmed": "1", "reason": "Address default set"}
    )
    assert done.status_code == 302
    [job] = BulkJob.objects.all()
    assert job.kind == ActionKind.RESUBMIT
    assert sorted(job.submission_ids) == sorted(r.pk for r in recent)
    assert old.pk not in job.submission_ids
