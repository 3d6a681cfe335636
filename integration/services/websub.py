"""Keeping the portal subscribed to MOSIP's credential topic (MOSIP forgets subscribers),
and to its workflow manager's topic when PORTAL_MOSIP_WORKFLOW_TOPIC names one (emptied,
the next subscription unsubscribes the old one), and knowing whether it is: the hub's
answer to the request says nothing about whether it then verified the callback
(models/websub.py). Every request is recorded before it is sent (the hub may verify
before its answer reaches us); the callback's intent check (api/websub.py) records the
verification; `standing` and `workflow_standing` say where each stands, for the command,
/healthz, /metrics and the console.
"""

import logging
import time
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from integration import app_settings
from integration.clients.http import RemoteError
from integration.clients.mosip import MosipClient
from integration.models import MosipSettings
from integration.models.websub import WebSubState, WebSubSubscription
from integration.reasons import Reason, stored_reason

log = logging.getLogger(__name__)
SUBSCRIPTION = 1  # the row's primary key
# The workflow manager's topic (services/workflow_events.py): its own row, same hub and
# secret. Only a convenience beside the status look-up, so its failures are logged, not
# raised; `standing` is the credential subscription's, `workflow_standing` this one's.
WORKFLOW_SUBSCRIPTION = 2
CREDENTIAL_EVENTS, WORKFLOW_EVENTS = "credential_events", "workflow_events"
OFF = "off"  # the workflow topic is not wanted (PORTAL_MOSIP_WORKFLOW_TOPIC is empty)


def workflow_callback_url(config: MosipSettings) -> str:
    """Where the hub delivers the workflow topic: the route next to the credential
    callback (api/websub.py), found wherever MOSIP reaches that one."""
    callback = config.websub_callback_url
    return callback.rstrip("/") + "/workflow" if callback else ""


def subscribe(mode: str = "subscribe") -> WebSubSubscription | None:
    """Ask the hub to (un)subscribe the callback; raises RemoteError when it refuses. The
    hub then verifies the callback on its own: see `wait_for_verification`. Answers the
    request made for the workflow topic too, if one was."""
    config = MosipSettings.load()
    WebSubSubscription.objects.update_or_create(
        pk=SUBSCRIPTION,
        defaults={
            "hub_url": config.websub_hub_url,
            "topic": config.websub_topic,
            "callback_url": config.websub_callback_url,
            "mode": mode,
            "requested_at": timezone.now(),
            **_request_error(""),
        },
    )
    try:
        MosipClient(config).subscribe(mode)
    except RemoteError as exc:
        WebSubSubscription.objects.filter(pk=SUBSCRIPTION).update(**_request_error(exc.reason))
        raise
    return _subscribe_workflow(config, mode)


def _subscribe_workflow(config: MosipSettings, mode: str) -> WebSubSubscription | None:
    topic = app_settings.MOSIP_WORKFLOW_TOPIC
    if topic:
        return _request_workflow(config, mode, topic, workflow_callback_url(config))
    old = WebSubSubscription.objects.filter(pk=WORKFLOW_SUBSCRIPTION).first()
    if old and old.topic and (old.mode == "subscribe" or old.request_error):
        # Turned off after a subscription: the hub would go on delivering the old topic
        # (and retrying what is not answered) until told, so tell it.
        return _request_workflow(config, "unsubscribe", old.topic, old.callback_url)
    return None


def _request_workflow(
    config: MosipSettings, mode: str, topic: str, callback: str
) -> WebSubSubscription:
    sub, _created = WebSubSubscription.objects.update_or_create(
        pk=WORKFLOW_SUBSCRIPTION,
        defaults={
            "hub_url": config.websub_hub_url,
            "topic": topic,
            "callback_url": callback,
            "mode": mode,
            "requested_at": timezone.now(),
            **_request_error(""),
        },
    )
    try:
        MosipClient(config).subscribe(mode, topic, callback)
    except RemoteError as exc:
        failed = _request_error(exc.reason)
        WebSubSubscription.objects.filter(pk=WORKFLOW_SUBSCRIPTION).update(**failed)
        for name, value in failed.items():
            setattr(sub, name, value)
        log.warning("WebSub %s of %s failed: %s (the status look-up still finds "
                    "rejections)", mode, topic, exc.message)  # fmt: skip
    return sub


def _request_error(error: object) -> dict:
    """The columns of a refused request: its English text, and its code and values to
    show it in the reader's language (a plain text, or none, clears them)."""
    stored = stored_reason(error)
    return {
        "request_error": stored["last_error"][:500],
        "request_reason_code": stored["reason_code"],
        "request_reason_params": stored["reason_params"],
    }


def request_error(sub: WebSubSubscription) -> str:
    """Why the last request failed, in the reader's language (the hub's own words quoted
    after it); a row written before codes shows its stored text."""
    reason = Reason.load(sub.request_reason_code, sub.request_reason_params)
    return reason.for_staff_quoting() if reason else sub.request_error


def subscribe_if_configured() -> bool | None:
    """True once the hub took the request, False if it did not, None if not configured."""
    config = MosipSettings.load()
    if not (config.websub_hub_url and config.websub_callback_url and config.auth_url):
        log.info("WebSub hub or callback not configured; not subscribing")
        return None
    try:
        subscribe()
    except RemoteError as exc:
        log.warning("WebSub subscription failed: %s", exc.message)
        return False
    return True


def intent_verified(mode: str, topic: str, lease_seconds: str | None) -> bool:
    """The hub's intent check for the request we made (same mode and topic) reached us.
    An intent check for anything else is still answered (as mosip-api did) but not
    recorded."""
    lease = int(lease_seconds) if (lease_seconds or "").isdigit() else None
    updated = WebSubSubscription.objects.filter(
        pk__in=(SUBSCRIPTION, WORKFLOW_SUBSCRIPTION), mode=mode, topic=topic
    ).update(verified_at=timezone.now(), lease_seconds=lease)
    if updated:
        log.info("MOSIP's WebSub hub verified the callback (%s %s)", mode, topic)
    return bool(updated)


def denied(topic: str, reason: str) -> None:
    """The hub's `hub.mode=denied` for our topic."""
    updated = WebSubSubscription.objects.filter(
        pk__in=(SUBSCRIPTION, WORKFLOW_SUBSCRIPTION), topic=topic
    ).update(denied_at=timezone.now(), denied_reason=reason[:500])
    if updated:
        log.warning("MOSIP's WebSub hub denied the subscription to %s", topic)


def _hub_words(words: str) -> str:
    """The hub's own reason inside a sentence, in parentheses and marked as its words (never
    translated), or nothing."""
    if not words:
        return ""
    marked = _("in the hub's own words, not translated: “%(words)s”") % {"words": words}
    return f" ({marked})"


@dataclass
class Standing:
    state: str
    subscription: WebSubSubscription | None
    events: str = CREDENTIAL_EVENTS  # or WORKFLOW_EVENTS: which topic's row

    @property
    def ok(self) -> bool:
        return self.state in {WebSubState.VERIFIED, WebSubState.PENDING, "not_configured", OFF}

    @property
    def name(self) -> str:
        """What the subscription brings, as shown beside its standing."""
        return _("credential events") if self.events == CREDENTIAL_EVENTS else _("workflow events")

    def problem(self, detailed: bool = True) -> str:
        """What is wrong, for an operator; `detailed` adds the callback URL and the hub's
        own words (the console and the command, not the public /healthz)."""
        if self.events == WORKFLOW_EVENTS:
            return self._workflow_problem(detailed)
        sub = self.subscription
        callback = f" {sub.callback_url}" if detailed and sub and sub.callback_url else ""
        hosts = _(
            "the hub could not reach the callback URL, or the portal refused the request "
            "for its host name (it must be in DJANGO_ALLOWED_HOSTS or PORTAL_INTERNAL_HOSTS; "
            "the log then says 'refused a request for host')"
        )
        if self.state == WebSubState.NEVER:
            return _(
                "The portal has not subscribed to MOSIP's WebSub hub: no credential will be "
                "delivered. Run manage.py subscribe_websub."
            )
        if self.state == WebSubState.CHANGED:
            return _(
                "The WebSub settings changed since the last subscription: run "
                "manage.py subscribe_websub so the hub delivers to the new callback."
            )
        if self.state == WebSubState.FAILED:
            error = f" ({request_error(sub)})" if detailed else ""
            return _(
                "The last WebSub subscription request failed%(error)s: credentials may not "
                "be delivered. Run manage.py subscribe_websub once MOSIP's hub is reachable."
            ) % {"error": error}
        if self.state == WebSubState.UNVERIFIED:
            return _(
                "MOSIP's WebSub hub took the subscription request but never verified the "
                "callback%(callback)s: %(why)s. No credential is delivered until it does; "
                "fix it and run manage.py subscribe_websub."
            ) % {"callback": callback, "why": hosts}
        if self.state == WebSubState.DENIED:
            reason = _hub_words(sub.denied_reason) if detailed else ""
            return _(
                "MOSIP's WebSub hub denied the subscription%(reason)s: no credential is delivered."
            ) % {"reason": reason}
        if self.state == WebSubState.UNSUBSCRIBED:
            return _(
                "The portal is unsubscribed from MOSIP's credential topic: no credential is "
                "delivered."
            )
        return ""

    def _workflow_problem(self, detailed: bool) -> str:
        # Without these events a rejected packet still fails, at the next status look-up.
        sub = self.subscription
        later = _("a packet MOSIP rejects shows only at the next status look-up")
        if self.state == WebSubState.NEVER:
            return _(
                "The portal has not subscribed to MOSIP's workflow events: %(later)s. Run "
                "manage.py subscribe_websub."
            ) % {"later": later}
        if self.state == WebSubState.CHANGED:
            return _(
                "The workflow events' topic or callback changed since the last "
                "subscription (PORTAL_MOSIP_WORKFLOW_TOPIC or the WebSub settings): run "
                "manage.py subscribe_websub so the hub follows."
            )
        if self.state == WebSubState.FAILED:
            error = f" ({request_error(sub)})" if detailed else ""
            if sub.mode == "unsubscribe":
                return _(
                    "The last request to unsubscribe from MOSIP's workflow events failed"
                    "%(error)s: the hub may go on delivering them. Run manage.py "
                    "subscribe_websub once MOSIP's hub is reachable."
                ) % {"error": error}
            return _(
                "The last WebSub subscription request for MOSIP's workflow events failed"
                "%(error)s: %(later)s. Run manage.py subscribe_websub once MOSIP's hub is "
                "reachable."
            ) % {"error": error, "later": later}
        if self.state == WebSubState.UNVERIFIED:
            callback = f" {sub.callback_url}" if detailed and sub.callback_url else ""
            return _(
                "MOSIP's WebSub hub took the subscription request for workflow events but "
                "never verified the callback%(callback)s: %(later)s. Check that the hub "
                "reaches it and run manage.py subscribe_websub."
            ) % {"callback": callback, "later": later}
        if self.state == WebSubState.DENIED:
            reason = _hub_words(sub.denied_reason) if detailed else ""
            return _(
                "MOSIP's WebSub hub denied the subscription to workflow events%(reason)s: "
                "%(later)s. If this MOSIP does not publish the topic, set "
                "PORTAL_MOSIP_WORKFLOW_TOPIC empty."
            ) % {"reason": reason, "later": later}
        if self.state == WebSubState.UNSUBSCRIBED:
            return _("The portal is unsubscribed from MOSIP's workflow events: %(later)s.") % {
                "later": later
            }
        return ""

    def summary(self) -> str:
        """One line for the MOSIP settings page: what is wrong, or where it stands."""
        if self.state == "not_configured":
            return _("Not configured: set the WebSub hub URL and callback URL.")
        if self.state == OFF:
            return _(
                "Off (PORTAL_MOSIP_WORKFLOW_TOPIC is empty): a packet MOSIP rejects shows at "
                "the next status look-up."
            )
        return self.problem() or str(WebSubState(self.state).label)


def workflow_standing() -> Standing:
    """Where the subscription to the workflow manager's topic stands. Emptied after a
    subscription, it is "changed" until the next (re-)subscription has asked the hub to
    unsubscribe the old topic, then "off"."""
    config = MosipSettings.load()
    topic = app_settings.MOSIP_WORKFLOW_TOPIC
    sub = WebSubSubscription.objects.filter(pk=WORKFLOW_SUBSCRIPTION).first()
    if not topic:
        if sub is None or not sub.requested_at:
            state = OFF
        elif sub.mode == "subscribe":
            state = WebSubState.CHANGED
        else:
            state = WebSubState.FAILED if sub.request_error else OFF
        return Standing(state, sub, WORKFLOW_EVENTS)
    if not (config.websub_hub_url and config.websub_callback_url):
        return Standing("not_configured", None, WORKFLOW_EVENTS)
    if sub is None:
        return Standing(WebSubState.NEVER, None, WORKFLOW_EVENTS)
    state = sub.state(config.websub_hub_url, topic, workflow_callback_url(config))
    return Standing(state, sub, WORKFLOW_EVENTS)


def standing() -> Standing:
    config = MosipSettings.load()
    if not (config.websub_hub_url and config.websub_callback_url):
        return Standing("not_configured", None)
    sub = WebSubSubscription.objects.filter(pk=SUBSCRIPTION).first()
    if sub is None:
        return Standing(WebSubState.NEVER, None)
    state = sub.state(config.websub_hub_url, config.websub_topic, config.websub_callback_url)
    return Standing(state, sub)


def wait_for_verification(timeout: float, poll: float = 0.25) -> Standing:
    """Until the hub's intent check has come (or was denied), or `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = standing()
        if found.state not in {WebSubState.PENDING, WebSubState.UNVERIFIED}:
            return found
        if time.monotonic() >= deadline:
            return Standing(WebSubState.UNVERIFIED, found.subscription)
        time.sleep(poll)
