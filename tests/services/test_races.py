"""A credential that arrives while the workflow call is still in flight."""

import pytest

from integration.models import EventType, Status, Submission, TransactionId
from integration.services import delivery, lifecycle
from integration.services.credential import _store_vid
from tests.fixtures import birth_request


@pytest.mark.parametrize(
    ("confirm_in_opencrvs", "expected"),
    [(True, Status.CREDENTIAL_RECEIVED), (False, Status.COMPLETED)],
)
def test_a_credential_during_delivery_is_handed_over_when_the_workflow_returns(
    db, django_capture_on_commit_callbacks, confirm_in_opencrvs, expected
):
    submission = Submission.objects.create(
        event_type=EventType.BIRTH,
        tracking_id="B1",
        certificate_number="C1",
        raw_request=birth_request("C1", "B1"),
        transaction_id="100010000000001",
        confirm_in_opencrvs=confirm_in_opencrvs,
    )
    TransactionId.objects.create(submission=submission, value="100010000000001")
    submission = lifecycle.claim(submission.pk, "claim_delivery")

    with django_capture_on_commit_callbacks(execute=False) as queued:
        _store_vid(submission, "100010000000001", "1234567890")  # the credential, mid-flight
        assert Submission.objects.get().status == Status.SENDING
        delivery._workflow_started(submission)  # then the workflow call returns

    submission.refresh_from_db()
    assert submission.status == expected
    assert submission.vid == "1234567890"
    assert len(queued) == (1 if confirm_in_opencrvs else 0)


def test_a_credential_delivered_again_moves_on_a_record_left_holding_it(
    db, django_capture_on_commit_callbacks
):
    """Found by the fault suite: the database went away between storing the VID and
    moving the record on; the hub's next delivery must finish the job."""
    from django.utils import timezone

    from tests.fixtures import put_in_state

    submission = Submission.objects.create(
        event_type=EventType.BIRTH, tracking_id="B2", certificate_number="C2",
        raw_request=birth_request("C2", "B2"), transaction_id="100010000000002",
    )  # fmt: skip
    TransactionId.objects.create(submission=submission, value="100010000000002")
    put_in_state(
        submission, Status.AWAITING_CREDENTIAL, vid="1234567890",
        credential_received_at=timezone.now(),
    )  # fmt: skip

    with django_capture_on_commit_callbacks(execute=False) as queued:
        _store_vid(submission, "100010000000002", "1234567890")

    assert Submission.objects.get().status == Status.CREDENTIAL_RECEIVED
    assert len(queued) == 1
