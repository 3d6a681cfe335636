"""Metrics of the reconciliation with OpenCRVS, from its stored runs (like every figure
in /metrics, so any web process answers the whole truth)."""

from collections.abc import Iterator

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric

from integration.models import ReconciliationRun
from integration.models.reconciliation import Done, Finding


def collect() -> Iterator[Metric]:
    differences = GaugeMetricFamily(
        "portal_reconciliation_differences",
        "What the latest reconciliation with OpenCRVS found: events OpenCRVS holds that the "
        "portal never received (missing), records confirmed here still waiting there.",
        labels=["finding"],
    )
    unresolved = GaugeMetricFamily(
        "portal_reconciliation_unresolved",
        "Differences the latest reconciliation left for a person: events listed and not "
        "taken in yet, and those it could not act on.",
    )
    failing = GaugeMetricFamily(
        "portal_reconciliation_failing",
        "1 when the latest reconciliation could not run (no system client, no search "
        "scope, OpenCRVS out of reach).",
    )
    age = GaugeMetricFamily(
        "portal_reconciliation_last_run_age_seconds",
        "Seconds since the latest reconciliation with OpenCRVS finished (any outcome).",
    )
    run = ReconciliationRun.objects.filter(finished_at__isnull=False).first()
    findings = run.findings if run and not run.error else []
    for finding in Finding.values:
        differences.add_metric([finding], sum(1 for f in findings if f.get("finding") == finding))
    yield differences
    if run is not None:
        from integration.services.reconciliation import waiting_for_a_person

        failed = sum(1 for f in findings if f.get("done") == Done.FAILED)
        unresolved.add_metric([], failed + len(waiting_for_a_person()))
        failing.add_metric([], 1 if run.error else 0)
        age.add_metric([], (timezone.now() - run.finished_at).total_seconds())
    else:
        unresolved.add_metric([], 0)
        failing.add_metric([], 0)
    yield unresolved
    yield failing
    if run is not None:
        yield age
