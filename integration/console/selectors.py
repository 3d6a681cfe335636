"""Reads for the staff console: the filtered list, search, one record's whole story, the
audit log and bulk jobs. Nothing here writes."""

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext as _

from integration import app_settings
from integration.clients.sent import head_of
from integration.console.forms import (
    ASSIGNED_TO_ME,
    ASSIGNED_TO_NOBODY,
    NEEDS_ACTION,
    SORTS,
    WAITING_FILTERS,
)
from integration.console.pagination import Page, Sort, keyset_page
from integration.console.times import local_time
from integration.masking import (
    MASK,
    PERSONAL_COLUMNS,
    mask,
    mask_message,
    mask_text,
    masked_params,
    personal_values_of,
    scrub,
)
from integration.models import (
    ActionOutcome,
    Attempt,
    BulkJob,
    IntakeRepeat,
    StaffAction,
    Submission,
    TransactionId,
)
from integration.models.submission import NEEDS_ACTION_STATUSES
from integration.monitoring.waiting import WAITING_ON
from integration.services import credential_refusals

AUDIT_SORT = Sort("created_at", descending=True, label="Newest first")
SEARCH_LIMIT = 200  # more hits than this means the term is not an identifier
LIST_FIELDS = [
    "id",
    "event_type",
    "source_format",  # a correction is shown as one
    "tracking_id",
    "certificate_number",
    "status",
    "mosip_status",
    "transaction_id",
    "created_at",
    "updated_at",
    "failed_step",
    "last_error",
    "reason_code",
    "reason_params",
    "retry_count",
    "next_attempt_at",
    # Who a record is assigned to, shown on the list (one join on the user's key).
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__email",
]


def search_ids(term: str, *, personal_data: bool = True) -> list[int]:
    """Submissions whose tracking id, certificate number, any MOSIP transaction id, VID
    or NID (the deceased's, as OpenCRVS sent it or as it went to MOSIP) is exactly
    `term`. Each is one index lookup; OR-ing them in one WHERE would scan the table.

    Without `personal_data` the VID and NID are not searched: a hit or a miss would tell
    whether a person's number belongs to a record that is masked on screen."""
    terms = sorted({term, term.upper()})
    by_tracking = Submission.objects.filter(tracking_id__in=terms).values_list("pk")
    by_certificate = Submission.objects.filter(certificate_number__in=terms).values_list("pk")
    by_transaction = TransactionId.objects.filter(value__in=terms).values_list("submission_id")
    lookups = [by_certificate, by_transaction]
    if personal_data:
        lookups += _personal_lookups(terms)
    hits = by_tracking.union(*lookups)
    return [pk for (pk,) in hits[:SEARCH_LIMIT]]


def _personal_lookups(terms: list[str]) -> list[QuerySet]:
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
    return [by_vid, by_nid, by_nid_sent]


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def submissions_matching(
    filters: dict, *, personal_data: bool = True, user=None
) -> QuerySet[Submission]:
    """The list's query for cleaned filter values (SubmissionFilterForm.cleaned_data).
    Without `personal_data`, searches by VID or NID and "reason starts with" (a way to
    guess a masked message letter by letter) are not available. `user` is who "assigned
    to me" means."""
    queryset = Submission.objects.all()
    assigned = filters.get("assigned")
    if assigned == ASSIGNED_TO_ME:
        # The partial index holds only assigned rows.
        mine = user.pk if user is not None and user.pk else None
        queryset = queryset.filter(assignee__isnull=False, assignee=mine)
    elif assigned == ASSIGNED_TO_NOBODY:
        queryset = queryset.filter(assignee__isnull=True)
    if filters.get("q"):
        hits = search_ids(filters["q"].strip(), personal_data=personal_data)
        queryset = queryset.filter(pk__in=hits)
    status = filters.get("status")
    if status == NEEDS_ACTION:
        # As the dashboard counts them: with the records whose credential we refused.
        queryset = queryset.filter(
            Q(status__in=NEEDS_ACTION_STATUSES) | credential_refusals.needs_a_person()
        )
    elif status in WAITING_FILTERS:
        queryset = queryset.filter(WAITING_ON[WAITING_FILTERS[status]])
    elif status:
        queryset = queryset.filter(status=status)
    if filters.get("event_type"):
        queryset = queryset.filter(event_type=filters["event_type"])
    if filters.get("failed_step"):
        # The partial index holds only rows that failed somewhere.
        queryset = queryset.exclude(failed_step="").filter(failed_step=filters["failed_step"])
    if filters.get("reason") and personal_data:
        queryset = queryset.exclude(last_error="").filter(last_error__startswith=filters["reason"])
    if filters.get("created_from"):
        queryset = queryset.filter(created_at__gte=_day_start(filters["created_from"]))
    # There is no day after 9999-12-31: "until then" is no bound at all.
    if filters.get("created_to") and filters["created_to"] < date.max:
        end = _day_start(filters["created_to"] + timedelta(days=1))
        queryset = queryset.filter(created_at__lt=end)
    return queryset


def submission_page(
    filters: dict,
    size: int,
    after: str | None = None,
    before: str | None = None,
    *,
    personal_data: bool = True,
    user=None,
) -> Page:
    sort = SORTS[filters.get("sort") or "newest"]
    # Scrubbing needs every value the detail page scrubs: what went to MOSIP and the VID
    # too (an EventDocument's raw request holds the names elsewhere).
    fields = LIST_FIELDS if personal_data else [*LIST_FIELDS, *PERSONAL_COLUMNS]
    matching = submissions_matching(filters, personal_data=personal_data, user=user)
    queryset = matching.select_related("assignee").only(*fields)
    page = keyset_page(queryset, sort, size, after=after, before=before)
    if not personal_data:
        for row in page.items:
            row.last_error = scrub(row.last_error, personal_values_of(row))
            row.reason_params = masked_params(row.reason_params, personal_values_of(row))
    return page


def count_matching(filters: dict, limit: int, *, personal_data: bool = True, user=None) -> int:
    """How many records match, counting no further than `limit` (+1 to tell "more")."""
    matching = submissions_matching(filters, personal_data=personal_data, user=user)
    return matching.values("pk")[: limit + 1].count()


def matching_ids(filters: dict, limit: int, *, personal_data: bool = True, user=None) -> list[int]:
    """The ids of the records that match, in id order, no more than `limit`."""
    matching = submissions_matching(filters, personal_data=personal_data, user=user)
    matching = matching.order_by("pk")
    return list(matching.values_list("pk", flat=True)[:limit])


def shown_filters(filters: dict, *, personal_data: bool) -> dict:
    """A bulk job's filters as a viewer may see them: the search term and the reason
    prefix may be personal data (a support user's job on a NID)."""
    if personal_data:
        return filters
    return {name: MASK if name in ("q", "reason") else value for name, value in filters.items()}


@dataclass
class SubmissionDetail:
    submission: Submission
    has_token: bool
    token_expired: bool
    attempts: list[Attempt]
    transaction_ids: list[TransactionId]
    # Credentials MOSIP issued besides the one the record took: staff must look at them.
    other_credentials: list[TransactionId]
    # Requests for this record after the first (same event, another number; or refused).
    repeats: list[IntakeRepeat]
    actions: list[StaffAction]
    fields_sent: dict
    raw_request: dict
    masked: bool


def submission_detail(pk: int, *, personal_data: bool) -> SubmissionDetail | None:
    """Everything about one record; personal data masked unless `personal_data`."""
    submission = (
        Submission.objects.defer("token")
        .select_related("assignee")
        .annotate(has_token=ExpressionWrapper(~Q(token=""), output_field=BooleanField()))
        .filter(pk=pk)
        .first()
    )
    if submission is None:
        return None
    expires = submission.token_expires_at
    fields_sent, raw_request = submission.fields_sent or {}, submission.raw_request or {}
    attempts = list(submission.attempts.order_by("started_at", "id")[:500])
    transaction_ids = list(submission.transaction_ids.order_by("-created_at", "-id"))
    other_credentials = [t for t in transaction_ids if t.vid and t.vid != submission.vid]
    actions = list(submission.staff_actions.order_by("-created_at", "-id")[:500])
    if not personal_data:
        personal = personal_values_of(submission)
        for attempt in attempts:
            attempt.error = scrub(attempt.error, personal)
            attempt.reason_params = masked_params(attempt.reason_params, personal)
            attempt.response_excerpt = ""
            # The request's head (method, URL, headers, secrets redacted) names no one;
            # its body carries the person's data.
            attempt.request_excerpt, attempt.request_body_hidden = head_of(attempt.request_excerpt)
        for entry in actions:
            entry.reason = mask_message(entry.reason, personal)  # notes and reasons: free text
        submission.last_error = scrub(submission.last_error, personal)
        submission.reason_params = masked_params(submission.reason_params, personal)
        submission.vid = mask_text(submission.vid)
        for link in transaction_ids:
            link.vid = mask_text(link.vid)
        fields_sent, raw_request = mask(fields_sent), mask(raw_request)
    return SubmissionDetail(
        submission=submission,
        has_token=submission.has_token,
        token_expired=bool(expires and expires <= timezone.now()),
        attempts=attempts,
        transaction_ids=transaction_ids,
        other_credentials=other_credentials,
        repeats=list(submission.repeats.all()[:100]),
        actions=actions,
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
    *,
    personal_data: bool = True,
) -> Page:
    queryset = StaffAction.objects.all()
    if kind:
        queryset = queryset.filter(kind=kind)
    if job:
        queryset = queryset.filter(job_id=job)
    page = keyset_page(queryset, AUDIT_SORT, size, after=after, before=before)
    if not personal_data:
        mask_staff_words(page.items)
    return page


def mask_staff_words(entries: list[StaffAction]) -> None:
    """What staff wrote (a note, an action's reason) as someone who may not see personal
    data reads it: the record's own values, anything quoted and digits masked, as
    retention masks them for good (one query for the records' values)."""
    ids = {entry.submission_id for entry in entries if entry.submission_id}
    records = Submission.objects.filter(pk__in=ids).only(*PERSONAL_COLUMNS)
    values = {record.pk: personal_values_of(record) for record in records}
    for entry in entries:
        entry.reason = mask_message(entry.reason, values.get(entry.submission_id, ()))


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

    @property
    def note(self) -> str:
        """What a stalled job is waiting for, or that it was resumed."""
        job, now = self.job, timezone.now()
        if job.stalled:
            return _(
                "Stalled: no progress since %(when)s; its worker stopped. "
                "It is resumed automatically within a few minutes."
            ) % {"when": _when(job.updated_at)}
        grace = timedelta(seconds=app_settings.SWEEP_GRACE_SECONDS)
        if job.state == BulkJob.State.QUEUED and job.created_at < now - grace:
            return _(
                "Waiting for a worker since %(when)s: it is queued again every "
                "minute until one takes it."
            ) % {"when": _when(job.created_at)}
        if job.resumed_at:
            return _("Stalled, then resumed at %(when)s by another worker.") % {
                "when": _when(job.resumed_at)
            }
        return ""

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
            "note": self.note,
        }


def _when(moment: datetime) -> str:
    return local_time(moment)


def job_progress(job: BulkJob) -> JobProgress:
    counts = dict(job.actions.order_by().values_list("outcome").annotate(n=Count("id")))
    return JobProgress(
        job,
        done=counts.get(ActionOutcome.DONE, 0),
        skipped=counts.get(ActionOutcome.SKIPPED, 0),
        failed=counts.get(ActionOutcome.FAILED, 0),
    )


def recent_jobs(limit: int = 50) -> list[JobProgress]:
    return [job_progress(job) for job in BulkJob.objects.all()[:limit]]
