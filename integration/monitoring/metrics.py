"""Prometheus metrics, computed from the database (and the broker) at scrape time.

Why not counters kept in memory: the portal runs as several gunicorn workers, Celery
workers and often several hosts. In-process counters would each see a slice (and
prometheus_client's multiprocess mode shares files on one host only, not across hosts).
Every figure here is derived from what the portal stores anyway (submissions and their
call records), so any web process answers the whole truth and a restart loses nothing.
Counts of calls are therefore gauges over a sliding window
(PORTAL_METRICS_WINDOW_SECONDS) rather than ever-growing counters: retention prunes call
records, and a counter that went down would read as a reset to Prometheus.
"""

from collections.abc import Iterator
from datetime import timedelta

from axes.models import AccessAttempt
from celery import current_app as celery_app
from django.db.models import Case, Count, Q, Sum, Value, When
from django.utils import timezone
from kombu.exceptions import ChannelError
from prometheus_client.core import GaugeHistogramMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from integration import app_settings
from integration.models import (
    Attempt,
    InboundEvent,
    InboundKind,
    InboundOutcome,
    Status,
    Submission,
    VerificationRecord,
)
from integration.models.inbound import PENDING
from integration.models.submission import (
    FINAL_STATUSES,
    NEEDS_ACTION_STATUSES,
    RETRY_STATUSES,
    Step,
)
from integration.models.websub import WebSubState
from integration.monitoring import reconciliation
from integration.monitoring.remotes import OUTBOUND_STEPS, SYSTEM_OF_STEP, remote_states
from integration.monitoring.waiting import waiting
from integration.services import credential_refusals, websub

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
TOKEN_HORIZON = timedelta(hours=48)
VERIFICATION_SYSTEMS = {"ida": ("IDA", "verify"), "esignet": ("E-Signet", "userinfo")}


def _window() -> str:
    return f"in the last {app_settings.METRICS_WINDOW_SECONDS:.0f} s"


def call_result() -> Case:
    """ok, http_4xx, http_5xx or no_answer (connection refused, timeout, ...)."""
    return Case(
        When(error="", then=Value("ok")),
        When(http_status__gte=500, then=Value("http_5xx")),
        When(http_status__gte=400, then=Value("http_4xx")),
        When(http_status__isnull=True, then=Value("no_answer")),
        default=Value("error"),
    )


class PortalCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        since = now - timedelta(seconds=app_settings.METRICS_WINDOW_SECONDS)
        yield from self.records(now)
        yield from self.outbound(since)
        yield from self.remotes(now)
        yield from self.credentials(since)
        yield from self.queue(now)
        yield from self.websub()
        yield from reconciliation.collect()
        yield from self.logins(since)

    def records(self, now) -> Iterator[Metric]:
        by_status = GaugeMetricFamily("portal_records", "Submissions by status.", labels=["status"])
        counts = dict(Submission.objects.order_by().values_list("status").annotate(n=Count("*")))
        for status in Status.values:
            by_status.add_metric([status], counts.get(status, 0))
        yield by_status

        retrying = GaugeMetricFamily(
            "portal_records_retrying",
            "Submissions waiting for another try, by the step that failed.",
            labels=["step"],
        )
        failed = GaugeMetricFamily(
            "portal_records_needing_action",
            "Submissions a person has to act on (failed or token expired; awaiting "
            "credential when our set-up refused the credential MOSIP delivered), by "
            "status and the step that failed.",
            labels=["status", "step"],
        )
        rows = (
            Submission.objects.filter(status__in=[*RETRY_STATUSES, *NEEDS_ACTION_STATUSES])
            .order_by()
            .values_list("status", "failed_step")
            .annotate(n=Count("*"))
        )
        # Every step listed, at zero when nothing is there, so graphs and sums have a line.
        retry_counts = dict.fromkeys(Step.values, 0)
        failed_counts = {
            (status, step): 0 for status in NEEDS_ACTION_STATUSES for step in Step.values
        }
        for status, step, count in rows:
            if status in RETRY_STATUSES:
                retry_counts[step or "unknown"] = retry_counts.get(step or "unknown", 0) + count
            else:
                failed_counts[status, step or "unknown"] = count
        for step, count in retry_counts.items():
            retrying.add_metric([step], count)
        failed_counts[Status.AWAITING_CREDENTIAL, credential_refusals.STEP] = (
            credential_refusals.count()
        )
        for (status, step), count in failed_counts.items():
            failed.add_metric([status, step], count)
        yield retrying
        yield failed

        count = GaugeMetricFamily(
            "portal_records_waiting",
            "Submissions waiting on a remote system (records in retry included).",
            labels=["system"],
        )
        age = GaugeMetricFamily(
            "portal_oldest_waiting_seconds",
            "How long the longest-waiting submission has waited on the system (0 when none waits).",
            labels=["system"],
        )
        for system, found in waiting().items():
            count.add_metric([system], found.count)
            seconds = (now - found.oldest_since).total_seconds() if found.oldest_since else 0
            age.add_metric([system], max(seconds, 0.0))
        yield count
        yield age

        # What MOSIP's registration processor last said of the open records' packets
        # (integration.services.mosip_status): PROCESSING piling up is MOSIP's backlog.
        said = GaugeMetricFamily(
            "portal_records_by_mosip_status",
            "Open submissions by the status MOSIP last gave their packet.",
            labels=["status"],
        )
        by_status = (
            Submission.objects.exclude(status__in=FINAL_STATUSES)
            .exclude(mosip_status="")
            .order_by()
            .values_list("mosip_status")
            .annotate(n=Count("*"))
        )
        for status, n in by_status:
            said.add_metric([status], n)
        yield said

        open_records = Submission.objects.exclude(status__in=FINAL_STATUSES)
        expiring = GaugeMetricFamily(
            "portal_tokens_expiring",
            "Open submissions whose OpenCRVS token expires within 48 hours.",
            labels=["within"],
        )
        expiring.add_metric(
            ["48h"],
            open_records.filter(
                token_expires_at__gte=now, token_expires_at__lt=now + TOKEN_HORIZON
            ).count(),
        )
        yield expiring

    def outbound(self, since) -> Iterator[Metric]:
        calls = GaugeMetricFamily(
            "portal_outbound_calls",
            f"Calls the portal made to remote systems {_window()}, by result.",
            labels=["system", "step", "result"],
        )
        latency = GaugeHistogramMetricFamily(
            "portal_outbound_call_duration_seconds",
            f"How long calls to remote systems took, {_window()}.",
            labels=["system", "step"],
        )
        buckets = {
            f"le_{n}": Count("id", filter=Q(duration_ms__lte=b * 1000))
            for n, b in enumerate(LATENCY_BUCKETS)
        }
        per_step: dict[str, list] = {}
        rows = (
            Attempt.objects.filter(
                started_at__gte=since,
                step__in=[step for steps in OUTBOUND_STEPS.values() for step in steps],
            )
            .annotate(result=call_result())
            .order_by()
            .values("step", "result")
            .annotate(n=Count("id"), total_ms=Sum("duration_ms"), **buckets)
        )
        for row in rows:
            system = SYSTEM_OF_STEP[row["step"]]
            calls.add_metric([system, row["step"], row["result"]], row["n"])
            per_step.setdefault(row["step"], []).append(row)
        checks = (
            VerificationRecord.objects.filter(created_at__gte=since)
            .order_by()
            .values("kind", "result")
            .annotate(n=Count("id"), total_ms=Sum("duration_ms"), **buckets)
        )
        for row in checks:
            system, step = VERIFICATION_SYSTEMS.get(row["kind"], (row["kind"], "check"))
            result = {"verified": "ok", "failed": "refused"}.get(row["result"], row["result"])
            calls.add_metric([system, step, result], row["n"])
            per_step.setdefault(f"{system}:{step}", []).append(row)
        for key, group in per_step.items():
            system, step = key.split(":") if ":" in key else (SYSTEM_OF_STEP[key], key)
            cumulative = [
                (str(bound), sum(r[f"le_{n}"] for r in group))
                for n, bound in enumerate(LATENCY_BUCKETS)
            ]
            cumulative.append(("+Inf", sum(r["n"] for r in group)))
            total = sum((r["total_ms"] or 0) for r in group) / 1000
            latency.add_metric([system, step], cumulative, total)
        yield calls
        yield latency

    def remotes(self, now) -> Iterator[Metric]:
        failing = GaugeMetricFamily(
            "portal_remote_failing_seconds",
            "How long calls to the system have failed "
            "without a good answer in between (0 while the latest call succeeded).",
            labels=["system"],
        )
        failed = GaugeMetricFamily(
            "portal_remote_failed_calls",
            "Failed calls to the system since its last good answer.",
            labels=["system"],
        )
        for system, state in remote_states().items():
            failing.add_metric([system], state.failing_seconds(now))
            failed.add_metric([system], state.failed_calls)
        yield failing
        yield failed

    def credentials(self, since) -> Iterator[Metric]:
        """From the inbound store: every delivery is kept with what became of it."""
        callbacks = GaugeMetricFamily(
            "portal_credential_callbacks",
            f"Credentials MOSIP delivered {_window()}, by outcome (accepted; refused, "
            "forged or invalid; kept_for_retry: refused for a reason on our side and "
            "answered 503 so that MOSIP delivers it again).",
            labels=["outcome"],
        )
        rows = dict(
            InboundEvent.objects.filter(kind=InboundKind.CREDENTIAL, received_at__gte=since)
            .order_by()
            .values_list("outcome")
            .annotate(n=Count("id"))
        )
        for outcome in InboundOutcome.values:
            callbacks.add_metric([outcome], rows.get(outcome, 0))
        yield callbacks
        waiting = GaugeMetricFamily(
            "portal_inbound_waiting",
            "Stored deliveries not handled yet or kept to be reprocessed, by kind.",
            labels=["kind"],
        )
        counts = dict(
            InboundEvent.objects.filter(outcome__in=PENDING)
            .order_by()
            .values_list("kind")
            .annotate(n=Count("id"))
        )
        for kind in InboundKind.values:
            waiting.add_metric([kind], counts.get(kind, 0))
        yield waiting

    def queue(self, now) -> Iterator[Metric]:
        due = GaugeMetricFamily(
            "portal_records_due",
            "Submissions a worker should be working on now: new ones "
            "and retries whose time has come.",
            labels=["kind"],
        )
        due.add_metric(["new"], Submission.objects.filter(status=Status.RECEIVED).count())
        due.add_metric(
            ["retry"],
            Submission.objects.filter(status__in=RETRY_STATUSES, next_attempt_at__lte=now).count(),
        )
        yield due
        depth = broker_queue_depth()
        up = GaugeMetricFamily("portal_broker_up", "Whether the broker answered the scrape.")
        up.add_metric([], 0 if depth is None else 1)
        yield up
        if depth is not None:
            messages = GaugeMetricFamily(
                "portal_queue_messages",
                "Task messages in the broker's queue (waiting retries with a countdown included).",
                labels=["queue"],
            )
            messages.add_metric([celery_app.conf.task_default_queue], depth)
            yield messages

    def websub(self) -> Iterator[Metric]:
        """Credentials arrive only through a subscription the hub has verified."""
        found = websub.standing()
        state = GaugeMetricFamily(
            "portal_websub_subscription",
            "1 for the state the WebSub subscription to MOSIP's credential topic is in.",
            labels=["state"],
        )
        for value in [*WebSubState.values, "not_configured"]:
            state.add_metric([value], 1 if found.state == value else 0)
        yield state
        # Apart, so the credential alert's expression keeps its meaning.
        workflow = websub.workflow_standing()
        state = GaugeMetricFamily(
            "portal_websub_workflow_subscription",
            "1 for the state the WebSub subscription to MOSIP's workflow events is in "
            "(off: PORTAL_MOSIP_WORKFLOW_TOPIC is empty).",
            labels=["state"],
        )
        for value in [*WebSubState.values, "not_configured", websub.OFF]:
            state.add_metric([value], 1 if workflow.state == value else 0)
        yield state

    def logins(self, since) -> Iterator[Metric]:
        """Password sign-ins refused, for the account tried most: django-axes locks a
        username per address, so the same account tried from many addresses (password
        spraying) locks nothing. No username is a label: anyone can make up names, and
        a label per name would grow without bound; the runbook says where to read it."""
        top = (
            AccessAttempt.objects.filter(attempt_time__gte=since)
            .order_by()
            .values("username")
            .annotate(n=Sum("failures_since_start"), addresses=Count("ip_address", distinct=True))
            .order_by("-n", "-addresses")
            .first()
        ) or {"n": 0, "addresses": 0}
        failures = GaugeMetricFamily(
            "portal_login_failures_top_account",
            f"Failed password sign-ins {_window()} against the account tried most "
            "(each address's latest failure in the window; a success resets its count).",
        )
        failures.add_metric([], top["n"] or 0)
        yield failures
        addresses = GaugeMetricFamily(
            "portal_login_failure_addresses_top_account",
            f"How many addresses the failed sign-ins against that account came from {_window()}.",
        )
        addresses.add_metric([], top["addresses"])
        yield addresses


def broker_queue_depth() -> int | None:
    """Task messages waiting in the queue, or None when the broker does not answer."""
    try:
        with celery_app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
            try:
                declared = connection.default_channel.queue_declare(
                    queue=celery_app.conf.task_default_queue, passive=True
                )
            except ChannelError:
                # "No such queue": Redis keeps no key for an empty list, so an idle queue
                # is answered this way. The broker answered: it is up, the queue empty.
                return 0
            return declared.message_count
    except Exception:  # noqa: BLE001 - an unreachable broker is reported, not raised
        return None
