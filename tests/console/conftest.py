"""People in each role, and submissions in any state, for the console's tests."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from integration.models import EventType, Status, Submission, TransactionId
from integration.roles import Role, assign_roles
from integration.services.lifecycle import reason_columns
from tests.fixtures import birth_request, death_request


def make_user(username: str, *roles: Role, **extra):
    user = get_user_model().objects.create_user(
        username, email=f"{username}@example.org", first_name=username.title(), **extra
    )
    assign_roles(user, set(roles))
    return user


@pytest.fixture
def support(db):
    return make_user("sam", Role.SUPPORT)


@pytest.fixture
def auditor(db):
    return make_user("ada", Role.AUDITOR)


@pytest.fixture
def admin_user(db):
    return make_user("ina", Role.ADMIN)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="integration.auth.ProviderBackend")
    return client


@pytest.fixture
def support_client(support) -> Client:
    return client_for(support)


@pytest.fixture
def auditor_client(auditor) -> Client:
    return client_for(auditor)


@pytest.fixture
def admin_client_(admin_user) -> Client:
    return client_for(admin_user)


_serial = iter(range(10_000_000, 99_999_999))


@pytest.fixture
def make_submission(db) -> Callable[..., Submission]:
    """A submission in any state, as the workers would have left it."""

    def make(status: str = Status.FAILED, event_type: str = EventType.BIRTH, **fields):
        n = next(_serial)
        prefix = "B" if event_type == EventType.BIRTH else "D"
        tracking_id = fields.pop("tracking_id", f"{prefix}{n}")
        number = fields.pop("certificate_number", f"2026{prefix}{n}")
        body = (birth_request if event_type == EventType.BIRTH else death_request)(
            number, tracking_id
        )
        now = timezone.now()
        values = {
            "event_type": event_type,
            "tracking_id": tracking_id,
            "certificate_number": number,
            "raw_request": body,
            "fields_sent": body["requestFields"],
            "status": status,
            "event_id": f"event-{n}",
            "action_id": f"action-{n}",
            "token": "header.payload.signature",
            "token_expires_at": now + timedelta(days=6),
            "transaction_id": f"10001{n:010d}",
        }
        if status == Status.FAILED:
            values.update(failed_step="create_packet", last_error="MOSIP answered HTTP 400: no")
        values.update(fields)
        # The reason's code, values and dashboard keys, as the lifecycle writes them.
        values.update(reason_columns(values.get("last_error", "")))
        submission = Submission.objects.create(**values)
        if submission.transaction_id:
            TransactionId.objects.create(submission=submission, value=submission.transaction_id)
        return submission

    return make
