"""Reads for the staff console: the filtered list, search, one record's whole story, the
audit log and bulk jobs. Nothing here writes."""

import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone

from integration.console.forms import NEEDS_ACTION, SORTS
from integration.console.masking import mask, mask_text, personal_values, scrub
from integration.console.pagination import Page, Sort, keyset_page
from integration.models import (
    Attempt,
    BulkJob,
    Outcome,
    StaffAction,
    Submission,
    TransactionId,
)
from integration.models.submission import NEEDS_ACTION_STATUSES

AUDIT_SORT = Sort("created_at", descending=True, label="Newest first")
SEARCH_LIMIT = 200  # more hits than this means the term is not an identifier
LIST_FIELDS = [
    "id",
    "event_type",
    "tracking_id",
    "certificate_number",
    "status",
    "transaction_id",
    "created_at",
    "updated_at",
    "failed_step",
    "last_error",
    "retry_count",
    "next_attempt_at",
]


def search_ids(term: str) -> list[int]:
    """Submissions whose tracking id, certificate number, any MOSIP transaction id, VID
    or NID (the deceased's, as OpenCRVS sent it or as it went to MOSIP) is exactly
    `term`. Each is one index lookup; OR-ing them in one WHERE would scan the table."""
    terms = sorted({term, term.upper()})
    by_tracking = Submission.objects.filter(tracking_id__in=terms).values_list("pk")
    by_certificate = Submission.objects.filter(certificate_number__in=terms).values_list("pk")
    by_transaction = TransactionId.objects.filter(value__in=terms).values_list("submission_id")
    by_vid = Submission.objects.exclude(vid="").filter(vid__in=terms).values_list("pk")
    # SQLite's JSON lookups read the right-hand side as JSON; PostgreSQL's compare text.
    nids = [json.dumps(t) for t in terms] if connection.vendor == "sqlite" else terms
    by_nid = (
        Submission.objects.annotate(nid=KT("raw_request__requestFields__nationalIdNumber"))
        .filter(nid__in=nids)
        .values_list("pk")
    )
    by_nid_sent = (
        Submission.objects.annotate(nid=KT("fields_sent__nationalIdNumber"))
        .filter(nid__in=nids)
        .values_list("pk")
    )
    hits = by_tracking.union(by_certificate, by_transaction, by_vid, by_nid, by_nid_sent)
    return [pk for (pk,) in hits[:SEARCH_LIMIT]]


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def submissions_matching(filters: dict) -> QuerySet[Submission]:
    """The list's query for cleaned filter values (SubmissionFilterForm.cleaned_data)."""
    queryset = Submission.objects.all()
    if filters.get("q"):
        queryset = queryset.filter(pk__in=search_ids(filters["q"].strip()))
    status = filters.get("status")
    if status == NEEDS_ACTION:
        queryset = queryset.filter(status__in=NEEDS_ACTION_STATUSES)
    elif status:
        queryset = queryset.filter(status=status)
    if filters.get("event_type"):
        queryset = queryset.filter(event_type=filters["event_type"])
    if filters.get("failed_step"):
        # The partial index holds only rows that failed somewhere.
        queryset = queryset.exclude(failed_step="").filter(failed_step=filters["failed_step"])
    if filters.get("reason"):
        queryset = queryset.exclude(last_error="").filter(last_error__startswith=filters["reason"])
    if filters.get("created_from"):
        queryset = queryset.filter(created_at__gte=_day_start(filters["created_from"]))
    if filters.get("created_to"):
        end = _day_start(filters["created_to"]) + timedelta(days=1)
        queryset = queryset.filter(created_at__lt=end)
    return queryset


def submission_page(
    filters: dict,
    size: int,
    after: str | None = None,
    before: str | None = None,
    *,
    personal_data: bool = True,
) -> Page:
    sort = SORTS[filters.get("sort") or "newest"]
    fields = LIST_FIELDS if personal_data else [*LIST_FIELDS, "raw_request"]
    queryset = submissions_matching(filters).only(*fields)
    page = keyset_page(queryset, sort, size, after=after, before=before)
    if not personal_data:
        for row in page.items:
            row.last_error = scrub(row.last_error, personal_values(row.raw_request))
    return page


def count_matching(filters: dict, limit: int) -> int:
    """How many records match, counting no further than `limit` (+1 to tell "more")."""
    return submissions_matching(filters).values("pk")[: limit + 1].count()


@dataclass
class SubmissionDetail:
    submission: Submission
    has_token: bool
    token_expired: bool
    attempts: list[Attempt]
    transaction_ids: list[TransactionId]
    actions: list[StaffAction]
    fields_sent: dict
    raw_request: dict
    masked: bool


def submission_detail(pk: int, *, personal_data: bool) -> SubmissionDetail | None:
    """Everything about one record; personal data masked unless `personal_data`."""
    submission = (
        Submission.objects.defer("token")
        .annotate(has_token=ExpressionWrapper(~Q(token=""), output_field=BooleanField()))
        .filter(pk=pk)
        .first()
    )
    if submission is None:
        return None
    expires = submission.token_expires_at
    fields_sent, raw_request = submission.fields_sent or {}, submission.raw_request or {}
    attempts = list(submission.attempts.order_by("started_at", "id")[:500])
    if not personal_data:
        personal = personal_values(fields_sent, raw_request, submission.vid)
        for attempt in attempts:
            attempt.error = scrub(attempt.error, personal)
            attempt.response_excerpt = ""
        submission.last_error = scrub(submission.last_error, personal)
        submission.vid = mask_text(submission.vid)
        fields_sent, raw_request = mask(fields_sent), mask(raw_request)
    return SubmissionDetail(
        submission=submission,
        has_token=submission.has_token,
        token_expired=bool(expires and expires <= timezone.now()),
        attempts=attempts,
        transaction_ids=list(submission.transaction_ids.order_by("-created_at", "-id")),
        actions=list(submission.staff_actions.order_by("-created_at", "-id")),
        fields_sent=fields_sent,
        raw_request=raw_request,
        masked=not personal_data,
    )


def status_of(pk: int) -> dict | None:
    row = Submission.objects.filter(pk=pk).values("status", "updated_at").first()
    if row is None:
        return None
    return {"status": row["status"], "updated_at": row["updated_at"].isoformat()}


def audit_page(
    size: int,
    after: str | None = None,
    before: str | None = None,
    kind: str = "",
    job: int | None = None,
) -> Page:
    queryset = StaffAction.objects.all()
    if kind:
        queryset = queryset.filter(kind=kind)
    if job:
        queryset = queryset.filter(job_id=job)
    return keyset_page(queryset, AUDIT_SORT, size, after=after, before=before)


@dataclass
class JobProgress:
    job: BulkJob
    done: int
    skipped: int
    failed: int

    @property
    def processed(self) -> int:
        return self.done + self.skipped + self.failed

    @property
    def percent(self) -> int:
        if not self.job.total:
            return 100 if self.job.is_done else 0
        return min(100, round(100 * self.processed / self.job.total))

    def as_json(self) -> dict:
        return {
            "state": self.job.state,
            "state_label": self.job.get_state_display(),
            "total": self.job.total,
            "processed": self.processed,
            "done": self.done,
            "skipped": self.skipped,
            "failed": self.failed,
            "percent": self.percent,
            "finished": self.job.is_done,
        }


def job_progress(job: BulkJob) -> JobProgress:
    counts = dict(job.actions.order_by().values_list("outcome").annotate(n=Count("id")))
    return JobProgress(
        job,
        done=counts.get(Outcome.DONE, 0),
        skipped=counts.get(Outcome.SKIPPED, 0),
        failed=counts.get(Outcome.FAILED, 0),
    )


def recent_jobs(limit: int = 50) -> list[JobProgress]:
    return [job_progress(job) for job in BulkJob.objects.all()[:limit]]
