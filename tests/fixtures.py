"""Paths to the shared fixtures beside the checkout (../shared, or PORTAL_SHARED_DIR)."""

import json
from pathlib import Path

from mocks.examples import birth_request, death_request
from mocks.paths import shared_dir

__all__ = [
    "birth_request",
    "death_request",
    "fixture_path",
    "load_json",
    "put_in_state",
    "shared_dir",
]


def fixture_path(*parts: str) -> Path:
    return shared_dir().joinpath("fixtures", *parts)


def load_json(*parts: str):
    return json.loads(fixture_path(*parts).read_text())


def put_in_state(submission, status: str, **fields) -> None:
    """Test set-up only: place a stored record in a state, as if it had got there.
    Production code moves records only through `integration.services.lifecycle`."""
    from integration.models import Submission
    from integration.services.lifecycle import writing_status

    token = writing_status.set(True)
    try:
        Submission.objects.filter(pk=submission.pk).update(status=status, **fields)
    finally:
        writing_status.reset(token)
    submission.refresh_from_db()
