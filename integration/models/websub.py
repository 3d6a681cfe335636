"""The portal's subscription to MOSIP's credential topic, as far as the portal can know it.

A WebSub hub answers a subscribe request at once (202) and only then checks the
subscriber's intent: it calls ``GET <callback>?hub.mode=subscribe&hub.topic=..&hub.challenge=..``
and adds the subscription only if the challenge comes back. So "the hub took the request"
is not "subscribed": a hub that cannot reach the callback URL, or a callback refused for
its Host, leaves the portal unsubscribed and every credential undelivered, while the
request itself succeeded. This row keeps both moments (services/websub.py).
"""

from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The hub verifies within seconds of the request; past this, it is not coming.
VERIFICATION_GRACE = timedelta(seconds=60)


class WebSubState(models.TextChoices):
    NEVER = "never", _("never subscribed")
    FAILED = "failed", _("the subscription request failed")
    PENDING = "pending", _("waiting for the hub to verify the callback")
    UNVERIFIED = "unverified", _("the hub never verified the callback")
    DENIED = "denied", _("the hub denied the subscription")
    VERIFIED = "verified", _("subscribed and verified")
    UNSUBSCRIBED = "unsubscribed", _("unsubscribed")
    CHANGED = "changed", _("the settings changed since the last subscription")


class WebSubSubscription(models.Model):
    """The last (un)subscribe request to a topic and what the hub did with it: pk=1 the
    credential topic, pk=2 the workflow manager's (services/websub.py)."""

    hub_url = models.URLField(_("hub URL"), blank=True)
    topic = models.CharField(_("topic"), max_length=100, blank=True)
    callback_url = models.URLField(_("callback URL"), blank=True)
    mode = models.CharField(_("mode"), max_length=20, default="subscribe")
    requested_at = models.DateTimeField(_("requested at"), null=True, blank=True)
    request_error = models.CharField(_("request error"), max_length=500, blank=True)
    # `request_error` as a code of integration/reason_codes.py and its values, shown in
    # the reader's language; empty for rows written before codes (they show the text).
    request_reason_code = models.CharField(max_length=40, blank=True, editable=False)
    request_reason_params = models.JSONField(default=dict, blank=True, editable=False)
    verified_at = models.DateTimeField(
        _("verified at"), null=True, blank=True, help_text=_("The hub's last intent check.")
    )
    lease_seconds = models.PositiveIntegerField(_("lease (seconds)"), null=True, blank=True)
    denied_at = models.DateTimeField(_("denied at"), null=True, blank=True)
    denied_reason = models.CharField(_("reason given by the hub"), max_length=500, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("WebSub subscription")

    def __str__(self) -> str:
        return f"{self.mode} {self.callback_url} to {self.topic}"

    def state(self, hub_url: str, topic: str, callback_url: str, now: datetime | None = None):
        """Where the subscription stands for the settings given (the MOSIP settings')."""
        now = now or timezone.now()
        if self.requested_at is None:
            return WebSubState.NEVER
        if (self.hub_url, self.topic, self.callback_url) != (hub_url, topic, callback_url):
            return WebSubState.CHANGED
        if self.request_error:
            return WebSubState.FAILED
        if self.denied_at and self.denied_at >= self.requested_at:
            return WebSubState.DENIED
        if self.verified_at and self.verified_at >= self.requested_at:
            return WebSubState.UNSUBSCRIBED if self.mode == "unsubscribe" else WebSubState.VERIFIED
        if now - self.requested_at < VERIFICATION_GRACE:
            return WebSubState.PENDING
        return WebSubState.UNVERIFIED
