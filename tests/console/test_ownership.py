"""Ownership and notes: a record assigned to a staff member (one at a time from its page,
many from the list as a bulk job), the "assigned to me" filter, notes on a record without
an action; all in the audit log, read by auditors with personal data masked, and erased
by retention like every staff note."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integration.console.tasks import run_bulk_job
from integration.models import (
    ActionOutcome,
    BulkJob,
    RetentionPolicy,
    StaffAction,
    Status,
    Submission,
)
from integration.models.console import ASSIGN, NOTE
from integration.roles import Role
from integration.services.retention import apply_retention
from tests.console.conftest import client_for, make_user

pytestmark = pytest.mark.django_db

# What the fixture's records carry (tests.fixtures.birth_request): the informant's name
# and phone number.
NOTE_TEXT = "Jane Doe called from 0911111111: the child's name is mistyped in OpenCRVS."


@pytest.fixture
def colleague(db):
    user = make_user("lou", Role.SUPPORT)
    user.last_name = "Lambert"
    user.save()
    return user


def page(client, submission, **headers) -> str:
    reply = client.get(reverse("console:submission", args=[submission.pk]), **headers)
    assert reply.status_code == 200
    return reply.content.decode()


def assign(client, submission, assignee, reason=""):
    data = {"assignee": assignee.pk if assignee else "", "reason": reason}
    return client.post(reverse("console:submission-assign", args=[submission.pk]), data)


def listed(client, **filters) -> str:
    reply = client.get(reverse("console:submissions"), filters)
    assert reply.status_code == 200
    return reply.content.decode()


def test_support_assigns_a_record_and_it_says_so_everywhere(
    support, support_client, colleague, make_submission
):
    record = make_submission(Status.FAILED)
    assert 'data-testid="assign-form"' in page(support_client, record)

    reply = assign(support_client, record, colleague, "Lou knows this registrar")
    assert reply.status_code == 302
    record.refresh_from_db()
    assert record.assignee == colleague
    assert record.status == Status.FAILED  # its flow is untouched
    shown = page(support_client, record)
    assert "Assigned to Lou Lambert" in shown  # the flash message and the entry
    assert "lou@example.org" in shown  # the record's facts name the person fully
    [entry] = StaffAction.objects.filter(submission=record, kind=ASSIGN)
    assert (entry.outcome, entry.actor, entry.reason) == (
        ActionOutcome.DONE,
        support,
        "Lou knows this registrar",
    )
    audit = support_client.get(reverse("console:audit"), {"kind": ASSIGN}).content.decode()
    assert "Assigned to Lou Lambert" in audit and record.tracking_id in audit


def test_assigning_again_to_the_same_person_is_skipped_and_no_one_takes_it_off(
    support_client, colleague, make_submission
):
    record = make_submission(Status.FAILED)
    assign(support_client, record, colleague)
    assign(support_client, record, colleague)
    assign(support_client, record, None)
    record.refresh_from_db()
    assert record.assignee is None
    outcomes = list(
        StaffAction.objects.filter(submission=record).order_by("id").values_list("outcome")
    )
    assert outcomes == [(ActionOutcome.DONE,), (ActionOutcome.SKIPPED,), (ActionOutcome.DONE,)]
    shown = page(support_client, record)
    assert "Already assigned to Lou Lambert" in shown
    assert "No longer assigned to anyone." in shown


def test_an_assignment_reads_in_french(support_client, colleague, make_submission):
    record = make_submission(Status.FAILED)
    assign(support_client, record, colleague)
    shown = page(support_client, record, HTTP_ACCEPT_LANGUAGE="fr")
    assert "Attribué à Lou Lambert" in shown
    assert "Notes et actions du personnel" in shown


def test_records_go_to_support_and_admins_only(
    support_client, auditor, admin_user, make_submission
):
    record = make_submission(Status.FAILED)
    assign(support_client, record, auditor)
    record.refresh_from_db()
    assert record.assignee is None  # an auditor cannot be given records
    assert not StaffAction.objects.filter(submission=record).exists()
    assign(support_client, record, admin_user)
    record.refresh_from_db()
    assert record.assignee == admin_user


def test_auditors_may_neither_assign_nor_write_notes(
    auditor_client, auditor, colleague, make_submission
):
    record = make_submission(Status.FAILED)
    shown = page(auditor_client, record)
    assert 'data-testid="assign-form"' not in shown
    assert 'data-testid="note-form"' not in shown
    assert assign(auditor_client, record, colleague).status_code == 403
    url = reverse("console:submission-note", args=[record.pk])
    assert auditor_client.post(url, {"note": "I was here"}).status_code == 403
    bulk = {"action": ASSIGN, "ids": [record.pk], "confirmed": "1", "assignee": colleague.pk}
    assert auditor_client.post(reverse("console:bulk-action"), bulk).status_code == 403
    record.refresh_from_db()
    assert record.assignee is None and not StaffAction.objects.exists()


def test_assigned_to_me_lists_my_records_only(support, support_client, colleague, make_submission):
    mine, theirs, nobodys = (make_submission(Status.FAILED) for _ in range(3))
    assign(support_client, mine, support)
    assign(support_client, theirs, colleague)

    shown = listed(support_client, assigned="me")
    assert mine.tracking_id in shown
    assert theirs.tracking_id not in shown and nobodys.tracking_id not in shown
    assert "Assigned to Sam" in shown

    shown = listed(client_for(colleague), assigned="me")
    assert theirs.tracking_id in shown and mine.tracking_id not in shown

    shown = listed(support_client, assigned="nobody")
    assert nobodys.tracking_id in shown
    assert mine.tracking_id not in shown and theirs.tracking_id not in shown


def test_a_note_is_kept_on_the_record_and_in_the_audit_log(
    support, support_client, make_submission
):
    record = make_submission(Status.FAILED)
    url = reverse("console:submission-note", args=[record.pk])
    reply = support_client.post(url, {"note": NOTE_TEXT})
    assert reply.status_code == 302 and reply["Location"].endswith("#notes")

    [note] = StaffAction.objects.filter(submission=record, kind=NOTE)
    assert (note.actor, note.reason, note.outcome) == (support, NOTE_TEXT, ActionOutcome.DONE)
    record.refresh_from_db()
    assert record.status == Status.FAILED  # a note is no action
    shown = page(support_client, record)
    assert "Note added." in shown
    assert "Jane Doe called from 0911111111" in shown
    audit = support_client.get(reverse("console:audit"), {"kind": NOTE}).content.decode()
    assert "Jane Doe called from 0911111111" in audit


def test_an_empty_note_is_refused(support_client, make_submission):
    record = make_submission(Status.FAILED)
    url = reverse("console:submission-note", args=[record.pk])
    support_client.post(url, {"note": "   "})
    assert not StaffAction.objects.filter(kind=NOTE).exists()
    assert "This field is required." in page(support_client, record)


def test_auditors_read_notes_and_reasons_with_personal_data_masked(
    support_client, auditor_client, colleague, make_submission
):
    record = make_submission(Status.FAILED)
    support_client.post(reverse("console:submission-note", args=[record.pk]), {"note": NOTE_TEXT})
    assign(support_client, record, colleague, "Jane Doe's case, ask Lou")

    shown = page(auditor_client, record)
    audit = auditor_client.get(reverse("console:audit")).content.decode()
    for seen in (shown, audit):
        assert "Jane Doe" not in seen and "0911111111" not in seen
        assert "called from" in seen  # the note itself is there, masked
        assert "Assigned to Lou Lambert" in seen  # staff names are not the person's data


def test_retention_erases_personal_data_from_notes(support_client, make_submission):
    record = make_submission(Status.CONFIRMED, token="")
    support_client.post(reverse("console:submission-note", args=[record.pk]), {"note": NOTE_TEXT})
    RetentionPolicy.load()  # the default policy: 90 days after the record ended
    Submission.objects.filter(pk=record.pk).update(updated_at=timezone.now() - timedelta(days=91))

    run = apply_retention()

    assert run.records_erased == 1
    note = StaffAction.objects.get(submission=record, kind=NOTE)
    assert "Jane Doe" not in note.reason and "0911111111" not in note.reason
    assert note.reason.startswith("••••• called from")


def test_many_records_are_assigned_from_the_list_as_a_bulk_job(
    support, support_client, colleague, make_submission
):
    records = [make_submission(Status.FAILED) for _ in range(3)]
    assign(support_client, records[0], colleague)  # already Lou's: skipped
    selection = {"action": ASSIGN, "ids": [r.pk for r in records]}

    confirm = support_client.post(reverse("console:bulk-action"), selection)
    assert confirm.status_code == 200
    form = confirm.content.decode()
    assert 'name="assignee"' in form and "Lou Lambert" in form

    reply = support_client.post(
        reverse("console:bulk-action"),
        {**selection, "confirmed": "1", "assignee": colleague.pk, "reason": ""},
    )
    assert reply.status_code == 302
    job = BulkJob.objects.get()
    assert (job.kind, job.assignee, job.total) == (ASSIGN, colleague, 3)
    run_bulk_job(job.pk)

    assert set(Submission.objects.values_list("assignee", flat=True)) == {colleague.pk}
    job_page = support_client.get(reverse("console:job", args=[job.pk])).content.decode()
    assert "Gives each record to Lou Lambert" in job_page
    assert "Already assigned to Lou Lambert" in job_page
    outcomes = sorted(job.actions.values_list("outcome", flat=True))
    assert outcomes == [ActionOutcome.DONE, ActionOutcome.DONE, ActionOutcome.SKIPPED]

    shown = listed(client_for(colleague), assigned="me")
    assert all(r.tracking_id in shown for r in records)


def test_every_record_matching_the_filters_can_be_taken(
    support, support_client, colleague, make_submission
):
    theirs = make_submission(Status.FAILED)
    assign(support_client, theirs, colleague)
    free = [make_submission(Status.FAILED) for _ in range(2)]
    selection = {
        "action": ASSIGN,
        "all_matching": "on",
        "filter-assigned": "nobody",
        "filter-status": "failed",
    }
    confirm = support_client.post(reverse("console:bulk-action"), selection)
    assert 'data-testid="bulk-count">2<' in confirm.content.decode()
    support_client.post(
        reverse("console:bulk-action"), {**selection, "confirmed": "1", "assignee": support.pk}
    )
    run_bulk_job(BulkJob.objects.get().pk)

    assert {r.pk for r in free} == set(
        Submission.objects.filter(assignee=support).values_list("pk", flat=True)
    )
    theirs.refresh_from_db()
    assert theirs.assignee == colleague


def test_auditors_read_a_jobs_reason_masked(
    support_client, auditor_client, colleague, make_submission
):
    record = make_submission(Status.FAILED)
    selection = {"action": ASSIGN, "ids": [record.pk], "confirmed": "1"}
    reason = "Jane Doe's family asked on 0911111111"
    support_client.post(
        reverse("console:bulk-action"), {**selection, "assignee": colleague.pk, "reason": reason}
    )
    job = BulkJob.objects.get()
    run_bulk_job(job.pk)
    for url in (reverse("console:jobs"), reverse("console:job", args=[job.pk])):
        assert "0911111111" in support_client.get(url).content.decode()
        shown = auditor_client.get(url).content.decode()
        assert "0911111111" not in shown and "family asked on" in shown


def test_assign_to_me_is_one_press_for_whoever_may_take_records(
    support, support_client, auditor_client, make_submission
):
    record = make_submission(Status.FAILED)
    assert 'data-testid="take"' in page(support_client, record)
    assert 'data-testid="take"' not in page(auditor_client, record)
    assign(support_client, record, support)
    record.refresh_from_db()
    assert record.assignee == support
    assert 'data-testid="take"' not in page(support_client, record)  # it is theirs now
