"""A failure that made no call (a mapping or validation problem) is on the record's
timeline, and stays there once a resubmit has cleared the record's reason."""

import pytest

from integration.models import Status, Submission
from integration.roles import Role
from integration.services.delivery import deliver
from integration.services.staff_actions import Actor, resubmit
from tests.console.conftest import client_for, make_user
from tests.fixtures import birth_request


@pytest.fixture
def unreadable_birth(db) -> Submission:
    body = birth_request("2026B70000001", "B70000001")
    body["requestFields"]["dateOfBirth"] = "31st of Jan"  # not the ID schema's format
    return Submission.objects.create(
        event_type="birth",
        tracking_id=body["trackingId"],
        certificate_number=body["requestFields"]["birthCertificateNumber"],
        raw_request=body,
    )


def test_a_validation_failure_is_on_the_timeline_and_stays_after_a_resubmit(unreadable_birth):
    deliver(unreadable_birth.pk)
    unreadable_birth.refresh_from_db()
    assert (unreadable_birth.status, unreadable_birth.failed_step) == (Status.FAILED, "mapping")
    staff = client_for(make_user("sam", Role.SUPPORT))

    page = staff.get(f"/console/submissions/{unreadable_birth.pk}/").content.decode()
    assert "No call made yet" not in page
    assert "Map to MOSIP fields" in page
    assert "31st of Jan" in page
    assert "0 ms" not in page  # no call was made: nothing was timed

    resubmit(unreadable_birth, Actor(None, "support"), "date fixed in OpenCRVS")
    unreadable_birth.refresh_from_db()
    assert unreadable_birth.last_error == ""
    page = staff.get(f"/console/submissions/{unreadable_birth.pk}/").content.decode()
    assert "Map to MOSIP fields" in page and "31st of Jan" in page
