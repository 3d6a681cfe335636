"""Each Celery worker writes its heartbeat here, so /healthz knows whether any worker is
really taking work (not a guess from the broker)."""

from django.db import models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    """One row per worker process: its node name and its pid. Two workers started on one
    host without `-n` share Celery's default name (celery@host); the pid keeps them
    apart, so /healthz counts both."""

    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hostname", "pid"], name="one_heartbeat_per_process")
        ]

    def __str__(self) -> str:
        return f"{self.hostname} (seen {self.seen_at:%Y-%m-%d %H:%M:%S})"
