"""The retention policy (integration.models.retention): erase the personal data of records
that ended long ago, and delete old call records. Beat runs it every
PORTAL_RETENTION_INTERVAL_SECONDS; `manage.py apply_retention` runs it at once.

Erasure keeps what support and auditors need to answer "what happened to this record":
identifiers, statuses, timestamps and the shape of its timeline. Records a person still
has to act on (failed, token expired) have not ended and are kept whole.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from integration import app_settings
from integration.masking import mask_message, masked_params, personal_values_of
from integration.models import (
    ActionOutcome,
    Attempt,
    BulkJob,
    RetentionPolicy,
    RetentionRun,
    StaffAction,
    Submission,
    VerificationRecord,
)
from integration.models.console import ERASE, RETENTION_POLICY
from integration.models.submission import FINAL_STATUSES, Status
from integration.reasons import Reason
from integration.services.lifecycle import reason_columns
from integration.services.retention_inbound import erase_inbound, prune_inbound
from integration.services.staff_actions import words_of

log = logging.getLogger(__name__)
BATCH = 500
ERASED = "[erased]"
ACTOR = RETENTION_POLICY  # a msgid: the audit log names it in the reader's language
OPEN_STATUSES = [status for status in Status.values if status not in FINAL_STATUSES]


def apply_retention(now: datetime | None = None) -> RetentionRun:
    now = now or timezone.now()
    policy = RetentionPolicy.load()
    run = RetentionRun.objects.create(
        started_at=now,
        personal_data_days=policy.personal_data_days,
        call_record_days=policy.call_record_days,
    )
    if policy.enabled:
        try:
            erase_before = now - timedelta(days=policy.personal_data_days)
            run.records_erased, run.call_records_scrubbed = erase_ended_records(
                erase_before, policy.personal_data_days, now
            )
            run.bulk_jobs_scrubbed = scrub_bulk_jobs(erase_before)
            prune_before = now - timedelta(days=policy.call_record_days)
            run.call_records_deleted, run.identity_checks_deleted = prune_call_records(prune_before)
            # Deleted first: a delivery old enough to go is not counted as erased too.
            run.inbound_events_deleted = prune_inbound(prune_before)
            run.inbound_events_erased = erase_inbound(erase_before)
        except Exception as exc:
            stopped = Reason("retention_stopped", error=type(exc).__name__)
            run.error, run.reason_code = str(stopped), stopped.code
            run.reason_params = stopped.stored()["reason_params"]
            log.exception("retention run %s stopped", run.pk)
    run.finished_at = timezone.now()
    run.save()
    log.info(
        "retention run %s: %s records erased, %s call records deleted",
        run.pk,
        run.records_erased,
        run.call_records_deleted,
    )
    return run


def erase_ended_records(before: datetime, days: int, now: datetime) -> tuple[int, int]:
    """Records that ended before `before` (their last change): returns how many were
    erased and how many of their call records were scrubbed.

    At most PORTAL_RETENTION_MAX_RECORDS_PER_RUN each run, oldest first: the first run on
    a large installation has a backlog, and a run that outlasted beat's interval would
    overlap the next (harmless, as erasure is conditional, but wasted work)."""
    records, calls = 0, 0
    limit = app_settings.RETENTION_MAX_RECORDS_PER_RUN
    due = Submission.objects.filter(
        status__in=FINAL_STATUSES, personal_data_erased_at__isnull=True, updated_at__lt=before
    ).order_by("updated_at", "id")
    while records < limit and (batch := list(due[: min(BATCH, limit - records)])):
        for submission in batch:
            calls += erase(submission, days, now)
            records += 1
    return records, calls


def erase(submission: Submission, days: int, now: datetime) -> int:
    """Erase one record's personal data and say so in the audit trail. Returns how many
    of its call records were scrubbed."""
    values = personal_values_of(submission)
    with transaction.atomic():
        erased = Submission.objects.filter(
            pk=submission.pk, personal_data_erased_at__isnull=True
        ).update(
            raw_request={},
            fields_sent={},
            declaration=None,
            vid="",
            token="",
            # The masked text: its code and values (which may quote the person) go, and
            # its dashboard keys follow the masked words.
            **reason_columns(mask_message(submission.last_error, values)),
            personal_data_erased_at=now,
        )
        if not erased:
            return 0
        submission.transaction_ids.exclude(vid="").update(vid="")
        scrubbed = 0
        quoting = submission.attempts.exclude(error="", response_excerpt="", request_excerpt="")
        for attempt in quoting:
            attempt.error = mask_message(attempt.error, values)
            # The values a coded reason quotes (a remote's words, a field's value) too.
            attempt.reason_params = masked_params(attempt.reason_params, values)
            attempt.request_excerpt = attempt.response_excerpt = ""
            attempt.save(
                update_fields=["error", "reason_params", "request_excerpt", "response_excerpt"]
            )
            scrubbed += 1
        for entry in StaffAction.objects.filter(submission=submission).exclude(kind=ERASE):
            entry.reason = mask_message(entry.reason, values)
            entry.message = mask_message(entry.message, values)
            entry.message_params = masked_params(entry.message_params, values)
            entry.save(update_fields=["reason", "message", "message_params"])
        StaffAction.objects.create(
            kind=ERASE,
            outcome=ActionOutcome.DONE,
            actor_name=ACTOR,
            submission=submission,
            tracking_id=submission.tracking_id,
            status_before=submission.status,
            status_after=submission.status,
            **words_of(
                Reason("personal_data_erased", calls=scrubbed),
                why=Reason("retention_due", days=days, ended=f"{submission.updated_at:%Y-%m-%d}"),
            ),
            created_at=now,
        )
    return scrubbed


def scrub_bulk_jobs(before: datetime) -> int:
    """A bulk job's search text can be a NID: erased once the job is old."""
    count = 0
    jobs = BulkJob.objects.filter(
        state__in=[BulkJob.State.FINISHED, BulkJob.State.FAILED],
        finished_at__lt=before,
        filters__has_key="q",
    )
    for job in jobs.iterator():
        if job.filters.get("q") in ("", ERASED):
            continue
        job.filters["q"] = ERASED
        job.save(update_fields=["filters"])
        count += 1
    return count


def prune_call_records(before: datetime) -> tuple[int, int]:
    """Delete call records older than `before`, except those of records still open (their
    timeline is what support reads), and identity-check records."""
    old = Attempt.objects.filter(started_at__lt=before).exclude(
        submission__isnull=False, submission__status__in=OPEN_STATUSES
    )
    calls = 0
    while ids := list(old.values_list("id", flat=True)[: BATCH * 10]):
        calls += Attempt.objects.filter(pk__in=ids).delete()[0]
    checks = 0
    old_checks = VerificationRecord.objects.filter(created_at__lt=before)
    while ids := list(old_checks.values_list("id", flat=True)[: BATCH * 10]):
        checks += VerificationRecord.objects.filter(pk__in=ids).delete()[0]
    return calls, checks
