"""How long personal data and call records are kept, and what each clean-up erased.

The policy is a single row edited in the admin (like the connection settings); every run
of the clean-up leaves a `RetentionRun`, and each record it erased gets an entry in the
audit trail (`StaffAction`, kind "erase") saying what went and when.
"""

from django.db import models
from django.utils import timezone

from integration.models.settings import SingletonModel


class RetentionPolicy(SingletonModel):
    personal_data_days = models.PositiveIntegerField(
        "erase personal data after (days)",
        default=90,
        help_text="Days after a record ends (confirmed, completed, rejected or resolved). "
        "Then its raw request, the fields sent to MOSIP, the VID, quoted values in its "
        "messages and the excerpts of its calls are erased; its identifiers (tracking id, "
        "certificate number, OpenCRVS ids, transaction ids), statuses and timestamps stay. "
        "Stored inbound deliveries (credentials, webhooks) lose their body this long after "
        "they came, once handled.",
    )
    call_record_days = models.PositiveIntegerField(
        "delete call records after (days)",
        default=180,
        help_text="Records of outbound calls (of ended records and WebSub subscriptions), "
        "identity-check records and handled inbound deliveries older than this are deleted.",
    )
    enabled = models.BooleanField(
        default=True, help_text="Off: nothing is erased or deleted (the runs still log)."
    )

    class Meta:
        verbose_name = verbose_name_plural = "retention policy"

    def __str__(self) -> str:
        return "Retention policy"


class RetentionRun(models.Model):
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    personal_data_days = models.PositiveIntegerField()
    call_record_days = models.PositiveIntegerField()
    records_erased = models.PositiveIntegerField(default=0)
    call_records_scrubbed = models.PositiveIntegerField(default=0)
    call_records_deleted = models.PositiveIntegerField(default=0)
    identity_checks_deleted = models.PositiveIntegerField(default=0)
    bulk_jobs_scrubbed = models.PositiveIntegerField(default=0)
    inbound_events_erased = models.PositiveIntegerField(
        default=0, help_text="Stored deliveries whose body and headers were erased."
    )
    inbound_events_deleted = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Retention run at {self.started_at:%Y-%m-%d %H:%M}"
