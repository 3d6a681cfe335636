"""What each reconciliation with OpenCRVS found and did (integration.services.reconciliation).

A run lists the events OpenCRVS holds as registered, or waiting for the portal, in a moving
window, and compares them with the portal's records. Its findings are kept on the run (a
few per run at most in a healthy country), so the console can show the last runs and a
person can take in what a run left for them.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Finding(models.TextChoices):
    # OpenCRVS waits for the portal (or registered the event) and the portal never got it:
    # the country config's call was lost.
    MISSING = "missing", _("Never received by the portal")
    # The portal confirmed the record; OpenCRVS still shows it waiting.
    STILL_WAITING = "still_waiting", _("Confirmed here, still waiting in OpenCRVS")


class Done(models.TextChoices):
    TAKEN_IN = "taken_in", _("Taken in")
    LISTED = "listed", _("Listed for a person")
    CONFIRMED_AGAIN = "confirmed_again", _("Queued to confirm again")
    FAILED = "failed", _("Could not act")


class ReconciliationRun(models.Model):
    started_at = models.DateTimeField(default=timezone.now, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    window_start = models.DateTimeField(null=True, blank=True, verbose_name=_("window start"))
    window_end = models.DateTimeField(null=True, blank=True, verbose_name=_("window end"))
    events_seen = models.PositiveIntegerField(default=0, verbose_name=_("events seen"))
    missing = models.PositiveIntegerField(default=0, verbose_name=_("never received"))
    still_waiting = models.PositiveIntegerField(
        default=0, verbose_name=_("confirmed, still waiting")
    )
    taken_in = models.PositiveIntegerField(default=0, verbose_name=_("taken in"))
    listed = models.PositiveIntegerField(default=0, verbose_name=_("listed for a person"))
    confirmed_again = models.PositiveIntegerField(default=0, verbose_name=_("confirmed again"))
    # One entry per difference: event id, type, tracking id, Finding, Done, detail, record.
    findings = models.JSONField(default=list, blank=True, verbose_name=_("findings"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    # `error` as a code of integration/reason_codes.py and its values, shown in the
    # reader's language; empty for runs written before codes (they show the text).
    reason_code = models.CharField(max_length=40, blank=True, editable=False)
    reason_params = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")

    def __str__(self) -> str:
        return f"Reconciliation at {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def differences(self) -> int:
        return self.missing + self.still_waiting
