"""/healthz's verdict.

- `down` (503): the database or the broker cannot be reached, or the database is
  read-only (a standby, `default_transaction_read_only`); this process can do no
  useful work, so a load balancer should stop sending it requests.
- `degraded` (200, with reasons): the portal works but a remote system has been failing
  for PORTAL_HEALTH_FAILING_SECONDS, or records have waited past their threshold. A
  restart would not help, so it must not take the portal out of rotation; an operator
  should look.
- `ok` otherwise.

No reason quotes an error message: the answer is public and messages can hold personal
data.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from celery import current_app as celery_app
from django.db import connection
from django.utils import timezone, translation

from integration import app_settings
from integration.db import retire
from integration.models import Submission, WorkerHeartbeat
from integration.models.submission import RETRY_STATUSES
from integration.monitoring.remotes import remote_states
from integration.monitoring.waiting import MOSIP, OPENCRVS, waiting
from integration.services import websub
from integration.version import __version__


@dataclass
class Health:
    status: str = "ok"
    checks: dict[str, str] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    details: dict = field(default_factory=dict)

    @property
    def http_status(self) -> int:
        return 503 if self.status == "down" else 200

    def as_json(self) -> dict:
        return {
            "status": self.status,
            "version": __version__,
            "checks": self.checks,
            "reasons": self.reasons,
            **self.details,
        }


def check_database() -> str:
    try:
        if not _read_only():
            return "ok"
        if not connection.in_atomic_block:
            # Maybe only this session is (opened while the database was): ask a fresh one.
            retire(connection)
            connection.close()
            if not _read_only():
                return "ok"
        return "error: read-only"
    except Exception as exc:  # noqa: BLE001 - any failure is the answer here
        return f"error: {type(exc).__name__}"


def _read_only() -> bool:
    """A standby, or `default_transaction_read_only`: it answers, but stores nothing."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("SELECT 1")
            return False
        cursor.execute(
            "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only')::bool"
        )
        return cursor.fetchone()[0]


def check_broker() -> str:
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"error: {type(exc).__name__}"


def wait_thresholds() -> dict[str, float]:
    return {
        MOSIP: app_settings.HEALTH_MOSIP_WAIT_SECONDS,
        OPENCRVS: app_settings.HEALTH_OPENCRVS_WAIT_SECONDS,
    }


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:.0f} s"


def assess() -> Health:
    health = Health(checks={"database": check_database(), "broker": check_broker()})
    if any(value != "ok" for value in health.checks.values()):
        health.status = "down"
    if health.checks["database"] != "ok":
        health.reasons.append(f"the database cannot take work ({health.checks['database']})")
        return health
    now = timezone.now()
    health.details["overdue_retries"] = Submission.objects.filter(
        status__in=RETRY_STATUSES, next_attempt_at__lt=now
    ).count()
    _workers(health, now)
    _websub(health)
    _remotes(health, now)
    _waiting(health, now)
    if health.reasons and health.status == "ok":
        health.status = "degraded"
    return health


def _remotes(health: Health, now: datetime) -> None:
    limit = app_settings.HEALTH_FAILING_SECONDS
    remotes = {}
    for system, state in remote_states().items():
        failing = state.failing_seconds(now)
        remotes[system] = {
            "last_ok": state.last_ok.isoformat() if state.last_ok else None,
            "failing_since": state.failing_since.isoformat() if state.failing_since else None,
        }
        if state.failing_since and failing >= limit:
            health.reasons.append(
                f"{system} calls have been failing for {_minutes(failing)} "
                f"({state.failed_calls} failed calls since the last good one)"
            )
    health.details["remotes"] = remotes


def _waiting(health: Health, now: datetime) -> None:
    thresholds = wait_thresholds()
    waits = {}
    for system, found in waiting().items():
        age = (now - found.oldest_since).total_seconds() if found.oldest_since else 0.0
        waits[system] = {"records": found.count, "oldest_seconds": round(age)}
        if found.oldest_since and age >= thresholds[system]:
            health.reasons.append(
                f"{found.count} records wait on {system}, the oldest for {_minutes(age)} "
                f"(threshold {_minutes(thresholds[system])})"
            )
    health.details["waiting"] = waits


def _websub(health: Health) -> None:
    """Credentials arrive only through a subscription the hub has verified; workflow
    events (MOSIP's rejections at once) through their own. `state` stays the credential
    events' for probes that read it."""
    found, workflow = websub.standing(), websub.workflow_standing()
    health.details["websub"] = {
        "state": str(found.state),
        websub.CREDENTIAL_EVENTS: str(found.state),
        websub.WORKFLOW_EVENTS: str(workflow.state),
    }
    with translation.override("en"):
        for standing in (found, workflow):
            if not standing.ok:
                health.reasons.append(standing.problem(detailed=False))


def _workers(health: Health, now: datetime) -> None:
    """From the heartbeats the workers write (integration/worker.py)."""
    silent_after = app_settings.WORKER_SILENT_SECONDS
    last = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    since = (now - last).total_seconds() if last else None
    alive = WorkerHeartbeat.objects.filter(
        seen_at__gte=now - timedelta(seconds=silent_after)
    ).count()
    health.details["workers"] = {
        "alive": alive,
        "last_heartbeat_seconds": round(since) if since is not None else None,
    }
    if last is None:
        health.reasons.append("no worker has ever reported: nothing is being delivered")
    elif not alive:
        health.reasons.append(
            f"no worker has reported for {_minutes(since)}: nothing is being delivered"
        )
