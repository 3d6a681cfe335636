"""How long personal data and call records are kept, and what each clean-up erased.

The policy is a single row edited in the admin (like the connection settings); every run
of the clean-up leaves a `RetentionRun`, and each record it erased gets an entry in the
audit trail (`StaffAction`, kind "erase") saying what went and when.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integration.models.settings import SingletonModel


class RetentionPolicy(SingletonModel):
    personal_data_days = models.PositiveIntegerField(
        _("erase personal data after (days)"),
        default=90,
        help_text=_(
            "Days after a record ends (confirmed, completed, rejected or resolved). "
            "Then its raw request, the fields sent to MOSIP, the VID, quoted values in its "
            "messages and the excerpts of its calls are erased; its identifiers (tracking id, "
            "certificate number, OpenCRVS ids, transaction ids), statuses and timestamps stay. "
            "Stored inbound deliveries (credentials, webhooks) lose their body this long after "
            "they came, once handled."
        ),
    )
    call_record_days = models.PositiveIntegerField(
        _("delete call records after (days)"),
        default=180,
        help_text=_(
            "Records of outbound calls (of ended records and WebSub subscriptions), "
            "identity-check records and handled inbound deliveries older than this are deleted."
        ),
    )
    enabled = models.BooleanField(
        default=True,
        help_text=_("Off: nothing is erased or deleted (the runs still log)."),
        verbose_name=_("enabled"),
    )

    class Meta:
        verbose_name = verbose_name_plural = _("retention policy")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class RetentionRun(models.Model):
    started_at = models.DateTimeField(default=timezone.now, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    personal_data_days = models.PositiveIntegerField(verbose_name=_("personal data days"))
    call_record_days = models.PositiveIntegerField(verbose_name=_("call record days"))
    records_erased = models.PositiveIntegerField(default=0, verbose_name=_("records erased"))
    call_records_scrubbed = models.PositiveIntegerField(
        default=0, verbose_name=_("call records scrubbed")
    )
    call_records_deleted = models.PositiveIntegerField(
        default=0, verbose_name=_("call records deleted")
    )
    identity_checks_deleted = models.PositiveIntegerField(
        default=0, verbose_name=_("identity checks deleted")
    )
    bulk_jobs_scrubbed = models.PositiveIntegerField(
        default=0, verbose_name=_("bulk jobs scrubbed")
    )
    inbound_events_erased = models.PositiveIntegerField(
        default=0,
        help_text=_("Stored deliveries whose body and headers were erased."),
        verbose_name=_("inbound events erased"),
    )
    inbound_events_deleted = models.PositiveIntegerField(
        default=0, verbose_name=_("inbound events deleted")
    )
    error = models.TextField(blank=True, verbose_name=_("error"))
    # `error` as a code of integration/reason_codes.py and its values, shown in the
    # reader's language; empty for runs written before codes (they show the text).
    reason_code = models.CharField(max_length=40, blank=True, editable=False)
    reason_params = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")

    def __str__(self) -> str:
        return f"Retention run at {self.started_at:%Y-%m-%d %H:%M}"
