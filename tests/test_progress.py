"""Claim before work, retry by kind, give up at the limit."""

import threading

import pytest
from django.db import close_old_connections

from integration.models import Status, Submission
from integration.services import progress
from tests.fixtures import birth_request


def a_submission(**fields) -> Submission:
    return Submission.objects.create(
        event_type="birth", tracking_id="B1", certificate_number="C1",
        raw_request=birth_request("C1", "B1"), **fields,
    )  # fmt: skip


def test_only_one_of_two_workers_gets_a_record(db):
    submission = a_submission()
    first = progress.claim(submission.pk, progress.DELIVERABLE, Status.SENDING)
    second = progress.claim(submission.pk, progress.DELIVERABLE, Status.SENDING)
    assert first is not None and second is None


def test_concurrent_workers_claim_a_record_once(transactional_db):
    submission = a_submission()
    winners = []
    start = threading.Barrier(4)

    def worker():
        start.wait()
        try:
            if progress.claim(submission.pk, progress.DELIVERABLE, Status.SENDING):
                winners.append(threading.get_ident())
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1


def test_a_retry_is_not_claimed_before_it_is_due(db):
    submission = a_submission()
    claimed = progress.claim(submission.pk, progress.DELIVERABLE, Status.SENDING)
    delay = progress.retry_later(claimed, Status.SENDING, "create_packet", "MOSIP answered 503")
    assert delay and delay > 0
    assert progress.claim(submission.pk, progress.DELIVERABLE, Status.SENDING) is None


def test_backoff_grows_and_is_capped(settings):
    settings.PORTAL_RETRY_BASE_SECONDS, settings.PORTAL_RETRY_MAX_SECONDS = 10, 60
    assert 5 <= progress.backoff_seconds(1) <= 10
    assert 20 <= progress.backoff_seconds(3) <= 40
    assert 30 <= progress.backoff_seconds(10) <= 60


def test_retries_end_in_failed_at_the_limit(db, settings):
    settings.PORTAL_MAX_ATTEMPTS = 3
    submission = a_submission()
    for _ in range(3):
        Submission.objects.filter(pk=submission.pk).update(next_attempt_at=None)
        claimed = progress.claim(submission.pk, progress.DELIVERABLE, Status.SENDING)
        assert claimed is not None
        progress.retry_later(claimed, Status.SENDING, "create_packet", "MOSIP answered 503")
    submission.refresh_from_db()
    assert submission.status == Status.FAILED
    assert submission.last_error.startswith("Gave up after 3 attempts: MOSIP answered 503")


@pytest.mark.parametrize("status", [Status.CONFIRMED, Status.SENDING, Status.FAILED])
def test_records_outside_the_deliverable_states_are_not_claimed(db, status):
    submission = a_submission(status=status)
    assert progress.claim(submission.pk, progress.DELIVERABLE, Status.SENDING) is None
