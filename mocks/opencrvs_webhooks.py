"""Stand-in OpenCRVS core (<= 1.9) webhooks: client-credential tokens, the webhooks API,
the subscription handshake, and signed BIRTH/DEATH_REGISTERED deliveries
(docs/protocols.md#opencrvs-webhooks).

The signature is written here from the spec, apart from the portal's check: HMAC keyed
with the subscription's secret over `"<alg>:" + encodeURIComponent(body)`.
"""

from __future__ import annotations

import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from .base import JSON, Controls, StandIn, iso_now, json_response, read_json

DEFAULT_CLIENT = ("mosip-integration", "webhook-client-secret")
TOPICS = ("BIRTH_REGISTERED", "DEATH_REGISTERED")


def sign(body: bytes, secret: str, algorithm: str = "sha256") -> str:
    encoded = quote(body.decode("utf-8"), safe="-_.!~*'()")  # as encodeURIComponent
    digest = hmac.new(secret.encode(), f"{algorithm}:{encoded}".encode(), algorithm).hexdigest()
    return f"{algorithm}={digest}"


@dataclass
class Webhook:
    id: str
    callback: str
    topic: str
    secret: str
    verified: bool = False


class OpenCrvsWebhooksStandIn(StandIn):
    name = "opencrvs-webhooks"

    def __init__(
        self,
        client: tuple[str, str] = DEFAULT_CLIENT,
        *,
        controls: Controls | None = None,
        quiet: bool = True,
    ) -> None:
        super().__init__(controls, quiet=quiet)
        self.client_id, self.client_secret = client
        self.tokens: set[str] = set()
        self.webhooks: dict[str, Webhook] = {}
        self.deliveries: list[tuple[str, int | None, str]] = []  # (callback, status, reply)

    def rules(self) -> list[Rule]:
        return [
            Rule("/token", endpoint="token", methods=["POST"]),
            Rule("/webhooks", endpoint="webhooks", methods=["GET", "POST"]),
            Rule("/webhooks/<webhook_id>", endpoint="webhook", methods=["DELETE"]),
        ]

    def on_token(self, request: Request) -> Response:
        args = request.args
        if (
            args.get("grant_type") != "client_credentials"
            or args.get("client_id") != self.client_id
            or not secrets.compare_digest(args.get("client_secret", ""), self.client_secret)
        ):
            return json_response({"message": "Invalid client credentials"}, 401)
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        return json_response({"access_token": token, "token_type": "Bearer"})

    def _authorised(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and token in self.tokens

    def on_webhooks(self, request: Request) -> Response:
        if not self._authorised(request):
            return json_response({"message": "Unauthorized"}, 401)
        if request.method == "GET":
            return json_response(
                [
                    {"_id": w.id, "address": w.callback, "topic": w.topic, "verified": w.verified}
                    for w in self.webhooks.values()
                ]
            )
        hub = (read_json(request) or {}).get("hub") or {}
        if (
            hub.get("mode") != "subscribe"
            or hub.get("topic") not in TOPICS
            or not (hub.get("callback") and hub.get("secret"))
        ):
            return json_response(
                {
                    "message": "hub.callback, hub.secret, hub.mode=subscribe "
                    f"and a topic of {TOPICS} are required"
                },
                400,
            )
        webhook = Webhook(str(uuid.uuid4()), hub["callback"], hub["topic"], hub["secret"])
        self.webhooks[webhook.id] = webhook
        self.in_background(self._verify, webhook, delay=0.05)
        return Response(status=202)

    def on_webhook(self, request: Request, webhook_id: str) -> Response:
        if not self._authorised(request):
            return json_response({"message": "Unauthorized"}, 401)
        if self.webhooks.pop(webhook_id, None) is None:
            return json_response({"message": "Not found"}, 404)
        return Response(status=200)

    def _verify(self, webhook: Webhook) -> None:
        challenge = secrets.token_urlsafe(16)
        params = {"mode": "subscribe", "challenge": challenge, "topic": webhook.topic}
        try:
            reply = requests.get(webhook.callback, params=params, timeout=5)
            webhook.verified = reply.ok and reply.json().get("challenge") == challenge
        except (requests.RequestException, ValueError):
            webhook.verified = False

    def deliver(
        self,
        topic: str,
        bundle: JSON,
        *,
        algorithm: str = "sha256",
        secret: str | None = None,
        signature: str | None = None,
        body: bytes | None = None,
    ) -> list[requests.Response]:
        """POST a registration to every verified subscriber of `topic`. `secret`,
        `signature` and `body` override what is signed or sent, for tests of refusals."""
        replies = []
        for webhook in [w for w in self.webhooks.values() if w.verified and w.topic == topic]:
            payload = {
                "timestamp": iso_now(),
                "id": webhook.id,
                "event": {"hub": {"topic": topic}, "context": [bundle]},
            }
            raw = json.dumps(payload).encode()
            header = (
                signature
                if signature is not None
                else sign(raw, secret or webhook.secret, algorithm)
            )
            headers: dict[str, Any] = {"Content-Type": "application/json"}
            if header:
                headers["X-Hub-Signature"] = header
            reply = requests.post(webhook.callback, data=body or raw, headers=headers, timeout=10)
            self.deliveries.append((webhook.callback, reply.status_code, reply.text))
            replies.append(reply)
        return replies
