"""Every credential callback and OpenCRVS webhook, stored raw before it is looked at.

Facts only: what came (headers, body, from where, when), whether its signature held,
and what became of it. A delivery refused for a reason on our side stays here to be
reprocessed from the console once the set-up is fixed; a forged one stays for the audit.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InboundKind(models.TextChoices):
    CREDENTIAL = "credential", _("MOSIP credential (WebSub)")
    OPENCRVS_WEBHOOK = "opencrvs_webhook", _("OpenCRVS webhook")
    MOSIP_WORKFLOW = "mosip_workflow", _("MOSIP workflow ended (WebSub)")


class InboundOutcome(models.TextChoices):
    RECEIVED = "received", _("Received, not handled yet")
    ACCEPTED = "accepted", _("Accepted")
    KEPT_FOR_RETRY = "kept_for_retry", _("Kept: refused for a reason on our side")
    FORGED = "forged", _("Refused: signature or proof does not hold")
    REFUSED = "refused", _("Refused")
    INVALID = "invalid", _("Kept: unexpected content")


# Deliveries still to be handled, by a worker or a person: kept whole by retention.
PENDING = (InboundOutcome.RECEIVED, InboundOutcome.KEPT_FOR_RETRY)

# Outcomes a person can reprocess once the set-up (or the portal) is fixed.
REPROCESSABLE = (
    InboundOutcome.RECEIVED,
    InboundOutcome.KEPT_FOR_RETRY,
    InboundOutcome.INVALID,
    InboundOutcome.REFUSED,
)


class InboundEvent(models.Model):
    kind = models.CharField(max_length=20, choices=InboundKind.choices)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    remote_address = models.GenericIPAddressField(null=True, blank=True)
    headers = models.JSONField(default=dict, help_text="Authorization and cookies redacted.")
    body = models.BinaryField(help_text="Exactly as received.")
    signature_valid = models.BooleanField(null=True, help_text="Empty: not checked.")
    outcome = models.CharField(
        max_length=20, choices=InboundOutcome.choices, default=InboundOutcome.RECEIVED
    )
    error = models.TextField(blank=True)
    # `error` as a code of integration/reason_codes.py and its values, shown in the
    # reader's language; empty for rows written before codes (they show `error`).
    reason_code = models.CharField(max_length=40, blank=True, editable=False)
    reason_params = models.JSONField(default=dict, blank=True, editable=False)
    submission = models.ForeignKey(
        "integration.Submission",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_events",
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    reprocessed_count = models.PositiveIntegerField(default=0)
    reprocessed_by = models.CharField(max_length=300, blank=True, help_text="The last one.")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["outcome", "received_at"], name="inbound_outcome_received")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.outcome})"

    @property
    def reprocessable(self) -> bool:
        return self.outcome in REPROCESSABLE
