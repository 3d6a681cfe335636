"""Staff actions through the console: confirmation page, the change, the audit entry."""

import pytest
from django.urls import reverse

from integration.models import ActionKind, ActionOutcome, OpenCrvsSettings, StaffAction, Status
from integration.models.submission import Step

pytestmark = pytest.mark.django_db


def act(client, submission, kind, reason="Fixed the MOSIP client secret", **extra):
    url = reverse("console:submission-action", args=[submission.pk, kind])
    return client.post(url, {"reason": reason, **extra}, follow=True)


def test_the_confirmation_page_says_what_will_happen(support_client, make_submission):
    failed = make_submission(Status.FAILED)
    page = support_client.get(
        reverse("console:submission-action", args=[failed.pk, "resubmit"])
    ).content.decode()
    assert "new transaction id" in page
    assert failed.transaction_id in page
    assert 'name="csrfmiddlewaretoken"' in page
    failed.refresh_from_db()
    assert failed.status == Status.FAILED  # nothing happens on GET


def test_resubmit_starts_over_under_a_new_transaction_id(
    support_client, support, make_submission, django_capture_on_commit_callbacks
):
    failed = make_submission(
        Status.FAILED, vid="1234567890", retry_count=4, failed_step=Step.START_WORKFLOW
    )
    old = failed.transaction_id

    with django_capture_on_commit_callbacks() as queued:
        reply = act(support_client, failed, "resubmit")

    assert reply.status_code == 200
    page = reply.content.decode()
    assert "Queued for delivery under MOSIP transaction id" in page
    failed.refresh_from_db()
    assert failed.status == Status.RECEIVED
    assert failed.transaction_id != old and failed.transaction_id.startswith("10001")
    assert set(failed.transaction_ids.values_list("value", flat=True)) == {
        old,
        failed.transaction_id,
    }
    assert (failed.vid, failed.retry_count, failed.last_error, failed.failed_step) == (
        "",
        0,
        "",
        "",
    )
    assert failed.packet_created_at is None and failed.credential_received_at is None
    assert len(queued) == 1  # the delivery, sent once the change is committed
    [entry] = StaffAction.objects.all()
    assert (entry.kind, entry.outcome, entry.actor, entry.submission) == (
        ActionKind.RESUBMIT,
        ActionOutcome.DONE,
        support,
        failed,
    )
    assert entry.reason == "Fixed the MOSIP client secret"
    assert (entry.status_before, entry.status_after) == (Status.FAILED, Status.RECEIVED)
    assert "Fixed the MOSIP client secret" in page  # the record's history shows it


def test_an_action_that_no_longer_applies_changes_nothing(support_client, make_submission):
    confirmed = make_submission(Status.CONFIRMED, token="")
    reply = act(support_client, confirmed, "resubmit")
    assert reply.status_code == 409
    assert "cannot be resubmitted" in reply.content.decode()
    confirmed.refresh_from_db()
    assert confirmed.status == Status.CONFIRMED
    assert not StaffAction.objects.exists()


def test_a_reason_is_required(support_client, make_submission):
    failed = make_submission(Status.FAILED)
    reply = act(support_client, failed, "resolve", reason="")
    assert reply.status_code == 200
    assert "This field is required" in reply.content.decode()
    failed.refresh_from_db()
    assert failed.status == Status.FAILED


def test_retry_confirmation_goes_back_to_opencrvs(
    support_client, make_submission, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    stuck = make_submission(
        Status.FAILED,
        failed_step=Step.CONFIRM,
        last_error="OpenCRVS gateway answered HTTP 400",
        credential_received_at=timezone.now(),
        vid="9876543210",
    )
    with django_capture_on_commit_callbacks() as queued:
        act(support_client, stuck, "retry_confirmation")
    stuck.refresh_from_db()
    assert stuck.status == Status.CREDENTIAL_RECEIVED
    assert stuck.vid == "9876543210" and stuck.last_error == ""
    assert len(queued) == 1


def test_mark_resolved_wipes_the_token(support_client, make_submission):
    failed = make_submission(Status.TOKEN_EXPIRED)
    reply = act(support_client, failed, "resolve", reason="Registered by hand in OpenCRVS")
    assert "Marked resolved" in reply.content.decode()
    failed.refresh_from_db()
    assert failed.status == Status.RESOLVED and failed.token == ""


@pytest.fixture
def gateway(opencrvs):
    settings = OpenCrvsSettings.load()
    settings.gateway_url = opencrvs.url
    settings.save()
    return opencrvs


def test_reject_sends_core_1_9s_input_and_keeps_the_reason_in_the_portal(
    support_client, make_submission, gateway
):
    token = gateway.mint_token("event-r1", "action-r1")
    pending = make_submission(
        Status.FAILED, token=token, event_id="event-r1", action_id="action-r1"
    )
    form = support_client.get(reverse("console:submission-action", args=[pending.pk, "reject"]))
    form = form.content.decode()
    assert "OpenCRVS does not record the reason" in form

    reply = act(support_client, pending, "reject", reason="Duplicate of B00000001")

    assert "Rejected in OpenCRVS" in reply.content.decode()
    assert "OpenCRVS does not record it" in reply.content.decode()
    [call] = gateway.rejected
    # Exactly what core 1.9's register.reject takes: no `content`, no reason.
    assert set(call.input) == {"transactionId", "eventId", "actionId"}
    assert (call.input["eventId"], call.input["actionId"]) == ("event-r1", "action-r1")
    entry = StaffAction.objects.get(submission=pending)
    assert entry.reason == "Duplicate of B00000001"
    assert gateway.event_status("event-r1") == "rejected"
    pending.refresh_from_db()
    assert pending.status == Status.REJECTED and pending.token == ""
    assert pending.attempts.get().step == Step.REJECT


def test_reject_with_the_system_client_once_the_record_token_expired(
    support_client, make_submission, gateway
):
    from mocks.opencrvs import SYSTEM_CLIENT

    config = OpenCrvsSettings.load()
    config.auth_url = gateway.url
    config.client_id, config.client_secret = SYSTEM_CLIENT
    config.save()
    expired = gateway.mint_token("event-r3", "action-r3", expires_in=-60)
    pending = make_submission(
        Status.TOKEN_EXPIRED, token=expired, event_id="event-r3", action_id="action-r3"
    )
    reply = act(support_client, pending, "reject", reason="Registered twice")
    assert "Rejected in OpenCRVS" in reply.content.decode()
    [call] = gateway.rejected
    assert call.claims["sub"] == SYSTEM_CLIENT[0]  # audited as the integration
    assert gateway.event_status("event-r3") == "rejected"


def test_a_failed_rejection_leaves_the_record_as_it_was(support_client, make_submission, gateway):
    gateway.controls.down = True
    token = gateway.mint_token("event-r2", "action-r2")
    pending = make_submission(
        Status.AWAITING_CREDENTIAL, token=token, event_id="event-r2", action_id="action-r2"
    )
    reply = act(support_client, pending, "reject", reason="Duplicate registration")
    assert "OpenCRVS did not reject it" in reply.content.decode()
    pending.refresh_from_db()
    assert pending.status == Status.AWAITING_CREDENTIAL and pending.token == token
    [entry] = StaffAction.objects.all()
    assert entry.outcome == ActionOutcome.FAILED and "503" in entry.message


def test_a_record_whose_credential_was_issued_offers_the_confirmation_not_a_resubmission(
    support_client, make_submission, django_capture_on_commit_callbacks
):
    """Resubmitting would send a new packet and register the child in MOSIP twice."""
    from django.utils import timezone

    expired = make_submission(
        Status.TOKEN_EXPIRED,
        failed_step=Step.CONFIRM,
        last_error="The record's OpenCRVS token expired before confirmation.",
        credential_received_at=timezone.now(),
        vid="9876543210",
    )
    page = support_client.get(reverse("console:submission", args=[expired.pk])).content.decode()
    retry = reverse("console:submission-action", args=[expired.pk, "retry_confirmation"])
    assert f'class="btn btn-primary" href="{retry}">Retry the confirmation<' in page
    assert "Resubmit to MOSIP" not in page

    with django_capture_on_commit_callbacks() as queued:
        reply = act(support_client, expired, "resubmit")
    assert reply.status_code == 409
    assert "Use “Retry the confirmation” instead" in reply.content.decode()
    expired.refresh_from_db()
    assert (expired.status, expired.vid) == (Status.TOKEN_EXPIRED, "9876543210")
    assert queued == [] and not StaffAction.objects.exists()


class ProcessKilled(BaseException):
    """The web process killed mid-call, as it looks from inside: nothing after it runs."""


def test_a_rejection_cut_short_is_never_turned_into_an_acceptance(
    support, support_client, make_submission, monkeypatch, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from integration.clients.opencrvs import OpenCrvsClient
    from integration.services import confirmation, staff_actions
    from integration.services.sweep import sweep

    accepted = []

    def killed_mid_call(client, submission, **_token):
        raise ProcessKilled

    monkeypatch.setattr(OpenCrvsClient, "accept", lambda client, s, d, **_: accepted.append(s.pk))
    monkeypatch.setattr(OpenCrvsClient, "reject", killed_mid_call)
    pending = make_submission(
        Status.FAILED,
        failed_step=Step.CONFIRM,
        last_error="OpenCRVS gateway answered HTTP 400",
        credential_received_at=timezone.now(),
        vid="9876543210",
    )
    actor = staff_actions.Actor.of(support)
    with pytest.raises(ProcessKilled):
        staff_actions.reject(pending, actor, "Duplicate of B00000001")

    sweep()  # while it could still be in flight, the sweep leaves it alone
    pending.refresh_from_db()
    assert pending.status == Status.REJECTING

    later = pending.lease_expires_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)  # long after the process died
    swept = sweep()
    confirmation.confirm(pending.pk)  # what a queued confirmation would do

    assert accepted == []
    assert swept["rejections_interrupted"] == 1
    pending.refresh_from_db()
    assert (pending.status, pending.failed_step) == (Status.FAILED, Step.REJECT)
    assert pending.token  # kept, so that it can be rejected again
    page = support_client.get(reverse("console:submission", args=[pending.pk])).content.decode()
    assert "The rejection was interrupted before OpenCRVS answered" in page
    assert "Reject in OpenCRVS" in page
