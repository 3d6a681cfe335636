"""Each Celery worker writes its heartbeat here, so /healthz knows whether any worker is
really taking work (not a guess from the broker)."""

from django.db import models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    hostname = models.CharField(max_length=255, unique=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.hostname} (seen {self.seen_at:%Y-%m-%d %H:%M:%S})"
