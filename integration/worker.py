"""The worker's heartbeat: a consumer bootstep that writes `WorkerHeartbeat` every
PORTAL_WORKER_HEARTBEAT_SECONDS from the worker's own timer.

It lives in the consumer, so it beats only while the worker is connected to the broker
and consuming: a worker that lost its broker for good, hangs, or was killed goes silent,
and /healthz says so.
"""

import logging
import os
from datetime import timedelta

from celery import bootsteps
from django.db import close_old_connections
from django.utils import timezone

from integration import app_settings

log = logging.getLogger(__name__)
FORGET_AFTER = timedelta(days=1)


def beat(hostname: str, started_at) -> None:
    from integration.models.worker import WorkerHeartbeat

    try:
        now = timezone.now()
        # Keyed by name and pid: two workers on one host may share a name.
        WorkerHeartbeat.objects.update_or_create(
            hostname=hostname[:255],
            pid=os.getpid(),
            defaults={"seen_at": now, "started_at": started_at},
        )
        WorkerHeartbeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()
    except Exception as exc:  # noqa: BLE001 - the database may be down; beat again later
        log.warning("worker heartbeat not written: %s", type(exc).__name__)
    finally:
        close_old_connections()


class Heartbeat(bootsteps.StartStopStep):
    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self.timer_ref = None
        self.started_at = timezone.now()

    def start(self, consumer) -> None:
        args = (consumer.hostname, self.started_at)
        beat(*args)
        self.timer_ref = consumer.timer.call_repeatedly(
            app_settings.WORKER_HEARTBEAT_SECONDS, beat, args, priority=10
        )

    def stop(self, consumer) -> None:
        if self.timer_ref is not None:
            self.timer_ref.cancel()
            self.timer_ref = None

    shutdown = stop
