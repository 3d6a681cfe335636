"""The WebSub hub part of the MOSIP stand-in: subscriptions, intent verification, delivery.

Follows the W3C WebSub flow MOSIP's hub implements: a subscribe (or unsubscribe) request is
acknowledged at once and verified asynchronously with
``GET <callback>?hub.mode=..&hub.topic=..&hub.challenge=..``; it takes effect only if the
subscriber answers 2xx with exactly the challenge as body. A failed re-subscription leaves
an earlier verified subscription in place, and a failed unsubscribe removes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import requests

HubSignature = Literal["valid", "invalid", "missing"]


@dataclass
class Subscription:
    """One subscribe/unsubscribe request and the outcome of its intent verification."""

    mode: str
    topic: str
    callback: str
    secret: str | None
    challenge: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    requested_at: float = field(default_factory=time.time)
    verified: bool = False
    verification_status: int | None = None
    verification_reply: str | None = None
    error: str | None = None
    done: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)


@dataclass
class Delivery:
    """One POST of a published message to a subscriber, with what the subscriber answered."""

    callback: str
    topic: str
    body: bytes
    headers: dict[str, str]
    status: int | None = None
    reply: str = ""
    error: str | None = None  # connection error, timeout, ...
    at: float = field(default_factory=time.time)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def json(self) -> Any:
        return json.loads(self.body)


def hub_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Hub:
    def __init__(self, timeout_seconds: float = 5.0) -> None:
        self.timeout_seconds = timeout_seconds
        self.subscriptions: dict[tuple[str, str], Subscription] = {}  # (topic, callback) → active
        self.attempts: list[Subscription] = []  # every (un)subscribe request, in order
        self.deliveries: list[Delivery] = []
        self._changed = threading.Condition()

    def request(self, mode: str, topic: str, callback: str, secret: str | None) -> Subscription:
        """Record a (un)subscribe request; call ``verify`` on it (in the background)."""
        attempt = Subscription(mode=mode, topic=topic, callback=callback, secret=secret)
        with self._changed:
            self.attempts.append(attempt)
        return attempt

    def verify(self, attempt: Subscription) -> None:
        params = {
            "hub.mode": attempt.mode,
            "hub.topic": attempt.topic,
            "hub.challenge": attempt.challenge,
        }
        try:
            reply = requests.get(attempt.callback, params=params, timeout=self.timeout_seconds)
            attempt.verification_status, attempt.verification_reply = reply.status_code, reply.text
            echoed = reply.ok and reply.text == attempt.challenge
        except requests.RequestException as exc:
            attempt.error, echoed = repr(exc), False
        with self._changed:
            attempt.verified = echoed
            key = (attempt.topic, attempt.callback)
            if echoed and attempt.mode == "subscribe":
                self.subscriptions[key] = attempt
            elif echoed:
                self.subscriptions.pop(key, None)
            attempt.done.set()
            self._changed.notify_all()

    def active(self, topic: str) -> list[Subscription]:
        with self._changed:
            return [s for (t, _), s in self.subscriptions.items() if t == topic]

    def wait_for_subscription(
        self, callback: str | None = None, topic: str = "CREDENTIAL_ISSUED", timeout: float = 5.0
    ) -> Subscription | None:
        """Block until a verified subscription (to ``callback`` if given) exists on ``topic``."""

        def find() -> Subscription | None:
            return next(
                (s for s in self.active(topic) if callback is None or s.callback == callback), None
            )

        with self._changed:
            self._changed.wait_for(lambda: find() is not None, timeout)
            return find()

    def post(
        self,
        callback: str,
        topic: str,
        body: bytes,
        secret: str | None,
        signature: HubSignature = "valid",
    ) -> Delivery:
        """POST ``body`` to one subscriber, signed with its secret (when it gave one)."""
        headers = {"Content-Type": "application/json"}
        if secret is not None and signature != "missing":
            key = secret if signature == "valid" else secret + "-wrong"
            headers["X-Hub-Signature"] = hub_signature(key, body)
        delivery = Delivery(callback=callback, topic=topic, body=body, headers=headers)
        try:
            reply = requests.post(
                callback, data=body, headers=headers, timeout=self.timeout_seconds
            )
            delivery.status, delivery.reply = reply.status_code, reply.text
        except requests.RequestException as exc:
            delivery.error = repr(exc)
        with self._changed:
            self.deliveries.append(delivery)
            self._changed.notify_all()
        return delivery

    def publish(self, topic: str, body: bytes, signature: HubSignature = "valid") -> list[Delivery]:
        return [self.post(s.callback, topic, body, s.secret, signature) for s in self.active(topic)]

    def wait_for_deliveries(self, count: int, timeout: float = 5.0) -> list[Delivery]:
        """Block until at least ``count`` deliveries were made (or timeout); returns them all."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.deliveries) >= count, timeout)
            return list(self.deliveries)
