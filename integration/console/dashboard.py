"""The dashboard's figures: what is where, what is stuck and why, what is about to expire,
how much went through, and when each remote system last answered.

Every query is served by an index (counts per status by an index-only scan), and the
whole is cached for CONSOLE_DASHBOARD_CACHE_SECONDS, so a busy team reloading the page
costs the database one computation per interval. Error messages can quote personal data,
so there are two versions, cached apart: as is, and masked for those who may not see it.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, Min
from django.db.models.functions import TruncHour
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from integration import app_settings
from integration.console import reason_text
from integration.console.charts import Bucket, Chart, grouped_bars
from integration.masking import PERSONAL_COLUMNS, mask_message, masked_params, personal_values_of
from integration.models import Attempt, Status, Submission
from integration.models.submission import FINAL_STATUSES, NEEDS_ACTION_STATUSES, Step
from integration.monitoring.remotes import OUTBOUND_STEPS, last_good_answer
from integration.monitoring.waiting import MOSIP, OPENCRVS, waiting
from integration.reason_groups import reason_prefix
from integration.services import credential_refusals

CACHE_KEYS = {True: "console:dashboard:v3:personal", False: "console:dashboard:v3:masked"}
EXPIRY_HORIZON = timedelta(hours=48)


@dataclass
class StatusCount:
    status: str
    label: str
    count: int


@dataclass
class ReasonGroup:
    step: str
    reason: str  # the message up to its first varying part: a "starts with" filter
    example: str
    count: int
    label: str = ""  # the example's reason in the reader's language, if stored as a code

    @property
    def step_label(self) -> str:
        return Step(self.step).label if self.step in Step.values else self.step or "—"


@dataclass
class Expiring:
    pk: int
    tracking_id: str
    status: str
    token_expires_at: datetime


@dataclass
class Contact:
    system: str
    last_ok: datetime | None
    last_attempt: datetime | None
    last_error: str

    @property
    def failing(self) -> bool:
        """The latest call failed (and came after the last success)."""
        return bool(self.last_error)


@dataclass
class Dashboard:
    generated_at: datetime
    total: int
    statuses: list[StatusCount]
    needs_action: int
    waiting_on_mosip: int  # records in retry included (integration/monitoring/waiting.py)
    oldest_waiting: datetime | None
    waiting_on_opencrvs: int
    oldest_waiting_opencrvs: datetime | None
    reasons: list[ReasonGroup]
    expiring_count: int
    expiring: list[Expiring]
    day_chart: Chart
    week_chart: Chart
    contacts: list[Contact] = field(default_factory=list)
    # What MOSIP last said of the packets still open (integration.services.mosip_status).
    mosip_says: list[tuple[str, int]] = field(default_factory=list)


def status_counts() -> list[StatusCount]:
    # COUNT(*) per status: an index-only scan of the status index, no table reads.
    counts = dict(Submission.objects.order_by().values_list("status").annotate(n=Count("*")))
    return [StatusCount(status, label, counts.get(status, 0)) for status, label in Status.choices]


def failure_reasons(personal_data: bool, limit: int = 8) -> list[ReasonGroup]:
    # Grouped in the database on the keys stored with each error (masked, messages that
    # differ only in a name or a date fall in one group): only the examples shown are read.
    key = "reason_key" if personal_data else "masked_reason_key"
    top = list(
        Submission.objects.filter(status__in=NEEDS_ACTION_STATUSES)
        .order_by()
        .values_list("failed_step", key)
        .annotate(n=Count("*"), example_pk=Min("id"))
        .order_by("-n", "failed_step", key)[:limit]
    )
    # Masked, each example is scrubbed of its own record's values too (a name need not be
    # quoted), so those are read with it.
    columns = ["last_error", "reason_code", "reason_params"]
    columns += [] if personal_data else PERSONAL_COLUMNS
    examples = Submission.objects.only(*columns).in_bulk([pk for *_, pk in top])
    if personal_data:
        return [
            ReasonGroup(
                step,
                reason,
                examples[pk].last_error if pk in examples else "",
                count,
                _label(examples.get(pk)),
            )
            for step, reason, count, pk in top
        ]
    return _masked(top, examples)


def _masked(
    top: list[tuple[str, str, int, int]], examples: dict[int, Submission]
) -> list[ReasonGroup]:
    """The groups shown, each example masked: its record's values scrubbed first, then
    the quoted values and digits. Groups whose examples read alike then are merged."""
    merged: Counter[tuple[str, str]] = Counter()
    shown: dict[tuple[str, str], str] = {}
    labels: dict[tuple[str, str], str] = {}
    for step, _key, count, pk in top:
        record = examples.get(pk)
        message, values = (record.last_error, personal_values_of(record)) if record else ("", set())
        example = mask_message(message, values)
        label = (step, reason_prefix(example))
        merged[label] += count
        shown.setdefault(label, example)
        if record is not None:
            record.reason_params = masked_params(record.reason_params, values)
            labels.setdefault(label, _label(record))
    return [
        ReasonGroup(step, reason, shown[step, reason], count, labels.get((step, reason), ""))
        for (step, reason), count in merged.most_common()
    ]


def _label(record: Submission | None) -> str:
    """The reason in the reader's language when stored as a code; else "" (the page shows
    the stored text's group as before)."""
    return reason_text.sentence(record) if record is not None and record.reason_code else ""


def throughput(now: datetime) -> tuple[Chart, Chart]:
    """Received and confirmed per hour (last 24 hours) and per day (last 7 days)."""
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    today = this_hour.replace(hour=0)
    since = today - timedelta(days=6)
    hours = {
        this_hour - timedelta(hours=n): Bucket(this_hour - timedelta(hours=n)) for n in range(24)
    }
    days = {today - timedelta(days=n): Bucket(today - timedelta(days=n)) for n in range(7)}
    for column, series in (("created_at", "received"), ("confirmed_at", "confirmed")):
        per_hour = (
            Submission.objects.filter(**{f"{column}__gte": since})
            .annotate(hour=TruncHour(column))
            .order_by()
            .values_list("hour")
            .annotate(n=Count("id"))
        )
        for hour, count in per_hour:
            if hour in hours:
                setattr(hours[hour], series, getattr(hours[hour], series) + count)
            day = hour.replace(hour=0)
            if day in days:
                setattr(days[day], series, getattr(days[day], series) + count)
    day_chart = grouped_bars(
        _("Last 24 hours"), [hours[k] for k in sorted(hours)], label_format="H:00", label_every=3
    )
    week_chart = grouped_bars(
        _("Last 7 days"), [days[k] for k in sorted(days)], label_format="D d", label_every=1
    )
    return day_chart, week_chart


def contacts(personal_data: bool) -> list[Contact]:
    """When each system last answered well, and whether its latest call failed: every
    recorded call of the system counts, its auth and look-ups as much as the calls that
    carry a record (integration/monitoring/remotes.py, as /healthz and /metrics)."""
    found = []
    for system, steps in OUTBOUND_STEPS.items():
        last_ok = last_good_answer(system)
        latest = Attempt.objects.filter(step__in=steps).order_by("-started_at").first()
        error = reason_text.sentence(latest) if latest and latest.error else ""
        if error and not personal_data:
            error = _masked_error(latest)
        found.append(Contact(system, last_ok, latest.started_at if latest else None, error))
    return found


def _masked_error(attempt: Attempt) -> str:
    record = Submission.objects.only(*PERSONAL_COLUMNS).filter(pk=attempt.submission_id).first()
    values = personal_values_of(record) if record else set()
    if attempt.reason_code:
        attempt.reason_params = masked_params(attempt.reason_params, values)
        return reason_text.sentence(attempt)
    return mask_message(attempt.error, values)


def mosip_says() -> list[tuple[str, int]]:
    """Open records by the status MOSIP last gave their packet, the most first."""
    rows = (
        Submission.objects.exclude(status__in=FINAL_STATUSES)
        .exclude(mosip_status="")
        .order_by()
        .values_list("mosip_status")
        .annotate(n=Count("*"))
    )
    return sorted(((status, n) for status, n in rows), key=lambda row: -row[1])


def build_dashboard(personal_data: bool) -> Dashboard:
    now = timezone.now()
    statuses = status_counts()
    by_status = {row.status: row.count for row in statuses}
    waits = waiting()
    open_tokens = Submission.objects.exclude(status__in=FINAL_STATUSES).filter(
        token_expires_at__gte=now, token_expires_at__lt=now + EXPIRY_HORIZON
    )
    expiring = [
        Expiring(row.pk, row.tracking_id, row.status, row.token_expires_at)
        for row in open_tokens.order_by("token_expires_at").only(
            "id", "tracking_id", "status", "token_expires_at"
        )[:5]
    ]
    day_chart, week_chart = throughput(now)
    return Dashboard(
        generated_at=now,
        total=sum(by_status.values()),
        statuses=statuses,
        # Failed or token expired, and those whose credential our set-up refused.
        needs_action=sum(by_status.get(status, 0) for status in NEEDS_ACTION_STATUSES)
        + credential_refusals.count(),
        waiting_on_mosip=waits[MOSIP].count,
        oldest_waiting=waits[MOSIP].oldest_since,
        waiting_on_opencrvs=waits[OPENCRVS].count,
        oldest_waiting_opencrvs=waits[OPENCRVS].oldest_since,
        reasons=failure_reasons(personal_data),
        expiring_count=open_tokens.count() if len(expiring) == 5 else len(expiring),
        expiring=expiring,
        day_chart=day_chart,
        week_chart=week_chart,
        contacts=contacts(personal_data),
        mosip_says=mosip_says(),
    )


def dashboard(personal_data: bool) -> Dashboard:
    timeout = app_settings.CONSOLE_DASHBOARD_CACHE_SECONDS
    if timeout <= 0:
        return build_dashboard(personal_data)
    # Its reasons, labels and dates are in the reader's language: one copy per language.
    key = f"{CACHE_KEYS[personal_data]}:{translation.get_language() or 'en'}"
    return cache.get_or_set(key, lambda: build_dashboard(personal_data), timeout)
