"""Claim before work, retry by kind, give up at the limit."""

import threading

import pytest
from django.db import close_old_connections

from integration.models import Status, Submission
from integration.services import lifecycle, progress
from tests.fixtures import birth_request, put_in_state


def a_submission(**fields) -> Submission:
    return Submission.objects.create(
        event_type="birth", tracking_id="B1", certificate_number="C1",
        raw_request=birth_request("C1", "B1"), **fields,
    )  # fmt: skip


def test_only_one_of_two_workers_gets_a_record(db):
    submission = a_submission()
    first = lifecycle.claim(submission.pk, "claim_delivery")
    second = lifecycle.claim(submission.pk, "claim_delivery")
    assert first is not None and second is None
    assert first.status == Status.SENDING and first.lease_expires_at > first.claimed_at


def test_concurrent_workers_claim_a_record_once(transactional_db):
    submission = a_submission()
    winners = []
    start = threading.Barrier(4)

    def worker():
        start.wait()
        try:
            if lifecycle.claim(submission.pk, "claim_delivery"):
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
    claimed = lifecycle.claim(submission.pk, "claim_delivery")
    delay = progress.retry_later(
        claimed, "delivery_retry", "delivery_failed", "create_packet", "MOSIP answered 503"
    )
    assert delay and delay > 0
    assert Submission.objects.get().status == Status.DELIVERY_RETRY
    assert lifecycle.claim(submission.pk, "claim_delivery") is None


def test_backoff_grows_and_is_capped(portal_settings):
    portal_settings.RETRY_BASE_SECONDS, portal_settings.RETRY_MAX_SECONDS = 10, 60
    assert 5 <= progress.backoff_seconds(1) <= 10
    assert 20 <= progress.backoff_seconds(3) <= 40
    assert 30 <= progress.backoff_seconds(10) <= 60


def test_retries_end_in_failed_at_the_limit(db, portal_settings):
    portal_settings.MAX_ATTEMPTS = 3
    submission = a_submission()
    for _ in range(3):
        Submission.objects.filter(pk=submission.pk).update(next_attempt_at=None)
        claimed = lifecycle.claim(submission.pk, "claim_delivery")
        assert claimed is not None
        progress.retry_later(
            claimed, "delivery_retry", "delivery_failed", "create_packet", "MOSIP answered 503"
        )
    submission.refresh_from_db()
    assert submission.status == Status.FAILED
    assert submission.last_error.startswith("Gave up after 3 attempts: MOSIP answered 503")


@pytest.mark.parametrize("status", [Status.CONFIRMED, Status.SENDING, Status.FAILED])
def test_records_outside_the_deliverable_states_are_not_claimed(db, status):
    submission = a_submission(status=status)
    assert lifecycle.claim(submission.pk, "claim_delivery") is None


def test_a_worker_whose_lease_was_taken_over_can_no_longer_move_the_record(db):
    submission = a_submission()
    first = lifecycle.claim(submission.pk, "claim_delivery")
    # Its lease ran out and the sweep handed the record back.
    put_in_state(Submission.objects.get(), Status.DELIVERY_RETRY, claimed_at=None)
    second = lifecycle.claim(submission.pk, "claim_delivery")
    assert second is not None

    assert not lifecycle.move(first, "workflow_started")  # the first worker's late answer
    assert lifecycle.move(second, "workflow_started")
    assert Submission.objects.get().status == Status.AWAITING_CREDENTIAL


def test_a_working_worker_keeps_its_lease_and_a_killed_one_loses_it(
    transactional_db, portal_settings
):
    """The heartbeat renews the lease while the call runs; once it stops (the worker was
    killed), the record is handed back as soon as the lease runs out, not after minutes."""
    import time

    from integration.services.sweep import sweep

    portal_settings.LEASE_SECONDS = 0.6
    submission = a_submission()
    claimed = lifecycle.claim(submission.pk, "claim_delivery")
    with lifecycle.heartbeat(claimed):
        time.sleep(1.5)  # a slow MOSIP call, longer than the lease
        assert sweep()["freed"] == 0
        assert Submission.objects.get().status == Status.SENDING
    time.sleep(0.8)  # no heartbeat any more: as after a SIGKILL
    assert sweep()["freed"] == 1
    freed = Submission.objects.get()
    assert (freed.status, freed.retry_count) == (Status.DELIVERY_RETRY, 1)
    assert not lifecycle.move(claimed, "workflow_started")  # the dead worker's claim is void


def test_the_sweep_queues_a_lost_record_again_once_per_grace_period(
    db, portal_settings, django_capture_on_commit_callbacks
):
    """A backlog must not grow by the sweep's own duplicates."""
    from datetime import timedelta

    from django.utils import timezone

    from integration.services.sweep import sweep

    long_ago = timezone.now() - timedelta(seconds=portal_settings.SWEEP_GRACE_SECONDS + 5)
    waiting = a_submission()
    Submission.objects.filter(pk=waiting.pk).update(updated_at=long_ago)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert sweep()["deliveries"] == 1
        assert sweep()["deliveries"] == 0  # the next sweep, seconds later
    assert len(queued) == 1


def test_a_confirmation_opencrvs_already_accepted_is_not_sent_again(db):
    """A worker killed after OpenCRVS accepted, before it wrote the record down: the next
    try finds the accepted call and confirms without a second call (OpenCRVS here is
    unreachable, so any call would leave the record in retry instead)."""
    from integration.models import Attempt, OpenCrvsSettings
    from integration.models.submission import Step
    from integration.services import confirmation

    OpenCrvsSettings.objects.update_or_create(pk=1, defaults={"gateway_url": "http://127.0.0.1:1"})
    submission = a_submission(token="not-used", confirm_in_opencrvs=True)
    put_in_state(submission, Status.CREDENTIAL_RECEIVED)
    Attempt.objects.create(
        submission=submission, step=Step.CONFIRM, url="http://opencrvs", http_status=200
    )

    confirmation.confirm(submission.pk)

    submission.refresh_from_db()
    assert submission.status == Status.CONFIRMED and submission.confirmed_at is not None
    assert submission.attempts.filter(step=Step.CONFIRM).count() == 1
