"""Stand-in OpenCRVS: the auth service's public key and single-record tokens, and the
gateway's ``event.actions.register.accept`` / ``.reject`` tRPC procedures (PROTOCOLS.md §1, §6).

Record states follow OpenCRVS: ``pending`` (register requested, waiting for validation) →
``accepted`` or ``rejected``. Accept is idempotent; any call on a rejected record, and a
reject of an accepted one, is BAD_REQUEST. ``rotate_key()`` replaces the signing key and,
as on a real auth-service key change, tokens signed with the old key stop working.
"""

from __future__ import annotations

import json
import secrets
import string
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from . import trpc
from .base import JSON, Controls, StandIn, iso_now, json_response, read_json
from .trpc import TrpcError

SEVEN_DAYS = 7 * 24 * 3600
DEFAULT_SCOPE = ["record.register", "record.confirm-registration", "record.reject-registration"]
ACCEPT, REJECT = "event.actions.register.accept", "event.actions.register.reject"
NEEDED_SCOPE = {ACCEPT: "record.confirm-registration", REJECT: "record.reject-registration"}


@dataclass
class EventRecord:
    id: str
    type: str
    action_id: str
    status: str = "pending"
    tracking_id: str = field(
        default_factory=lambda: "B" + "".join(secrets.choice(string.digits) for _ in range(8)))
    created_at: str = field(default_factory=iso_now)
    updated_at: str = field(default_factory=iso_now)
    outcome: JSON | None = None  # the accept/reject action that settled the record

    def document(self) -> JSON:
        """An EventDocument as the procedures return it (shape of OpenCRVS v1.9)."""
        actions: list[JSON] = [
            {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, self.id)), "type": "DECLARE",
             "status": "Accepted", "createdAt": self.created_at, "declaration": {}},
            {"id": self.action_id, "type": "REGISTER", "status": "Requested",
             "createdAt": self.created_at, "declaration": {}},
        ]
        if self.outcome is not None:
            actions.append(self.outcome)
        return {"id": self.id, "type": self.type, "trackingId": self.tracking_id,
                "createdAt": self.created_at, "updatedAt": self.updated_at, "actions": actions}


@dataclass
class TrpcCall:
    """One call to a tRPC procedure: what came in and what went out."""

    procedure: str
    headers: dict[str, str]
    body: Any
    status: int
    reply: Any
    batch: bool = True
    at: float = field(default_factory=time.time)

    @property
    def input(self) -> Any:
        """The procedure input (``body["0"]["json"]`` when batched), None if malformed."""
        try:
            return trpc.call_input(self.body, self.batch)
        except TrpcError:
            return None


class OpenCrvsStandIn(StandIn):
    name = "opencrvs"
    exempt_endpoints = frozenset({"control", "test_token"})

    def __init__(self, *, controls: Controls | None = None, quiet: bool = True) -> None:
        super().__init__(controls, quiet=quiet)
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_rotations = 0
        self.events: dict[str, EventRecord] = {}
        self.calls: list[TrpcCall] = []  # every tRPC call, successful or not
        self.accepted: list[TrpcCall] = []  # successful accept calls (repeats included)
        self.rejected: list[TrpcCall] = []  # successful reject calls

    def rules(self) -> list[Rule]:
        return [
            Rule("/.well-known", endpoint="public_key", methods=["GET"]),
            Rule("/_test/token", endpoint="test_token", methods=["POST"]),
            Rule("/events/<procedure>", endpoint="trpc", methods=["POST"]),
        ]

    # -- keys and tokens -------------------------------------------------------------------

    @property
    def public_key_pem(self) -> str:
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def rotate_key(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_rotations += 1

    def mint_token(self, event_id: str | None = None, action_id: str | None = None,
                   expires_in: int = SEVEN_DAYS, scope: list[str] | None = None, *,
                   sub: str = "mosip-standin-user", event_type: str = "birth") -> str:
        """A single-record token (claims as captured) and a pending record it confirms."""
        event_id, action_id = event_id or str(uuid.uuid4()), action_id or str(uuid.uuid4())
        now = int(time.time())
        claims = {"eventId": event_id, "actionId": action_id,
                  "scope": list(DEFAULT_SCOPE if scope is None else scope), "sub": sub,
                  "iss": "opencrvs:auth-service",
                  "aud": ["opencrvs:gateway-user", "opencrvs:events-user"],
                  "iat": now, "exp": now + expires_in}
        with self._lock:
            self.events.setdefault(event_id, EventRecord(event_id, event_type, action_id))
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"typ": "JWT"})

    def event_status(self, event_id: str) -> str | None:
        record = self.events.get(event_id)
        return record.status if record else None

    def on_public_key(self, request: Request) -> Response:
        return Response(self.public_key_pem, content_type="text/plain")

    def on_test_token(self, request: Request) -> Response:
        options = read_json(request) if request.get_data() else {}
        allowed = {"event_id", "action_id", "expires_in", "scope", "sub", "event_type"}
        if not isinstance(options, dict) or set(options) - allowed:
            return json_response({"error": f"expected a JSON object with keys from "
                                           f"{sorted(allowed)}"}, 400)
        try:
            token = self.mint_token(**options)
        except (TypeError, ValueError) as exc:
            return json_response({"error": str(exc)}, 400)
        claims = jwt.decode(token, options={"verify_signature": False})
        return json_response({"token": token, "eventId": claims["eventId"],
                              "actionId": claims["actionId"]})

    # -- tRPC ------------------------------------------------------------------------------

    def on_trpc(self, request: Request, procedure: str) -> Response:
        batch = request.args.get("batch") == "1"
        raw = request.get_data()
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        try:
            data = self._call(request, procedure, body, batch)
            entry, status = trpc.result_entry(data), 200
        except TrpcError as exc:
            entry, status = exc.entry(procedure), exc.http_status
        call = TrpcCall(procedure, dict(request.headers), body, status, entry, batch)
        with self._lock:
            self.calls.append(call)
            if status == 200:
                (self.accepted if procedure == ACCEPT else self.rejected).append(call)
        return trpc.reply(entry, status, batch)

    def _call(self, request: Request, procedure: str, body: Any, batch: bool) -> JSON:
        if procedure not in NEEDED_SCOPE:
            raise TrpcError("NOT_FOUND", f'No procedure found on path "{procedure}"')
        if isinstance(body, str):
            raise TrpcError("PARSE_ERROR", "Body is not valid JSON")
        claims = self._claims(request)
        payload = trpc.call_input(body, batch)
        _validate(procedure, payload)
        if (payload["eventId"], payload["actionId"]) != (claims["eventId"], claims["actionId"]):
            raise TrpcError("UNAUTHORIZED", "Token is not valid for this event and action")
        if NEEDED_SCOPE[procedure] not in claims.get("scope", []):
            raise TrpcError("FORBIDDEN", f"Token lacks scope {NEEDED_SCOPE[procedure]}")
        with self._lock:
            record = self.events.get(payload["eventId"])
            if record is None:
                raise TrpcError("NOT_FOUND", f"Event {payload['eventId']} not found")
            return _settle(record, procedure, payload)

    def _claims(self, request: Request) -> JSON:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise TrpcError("UNAUTHORIZED", "Missing bearer token")
        try:
            claims = jwt.decode(token, self._key.public_key(), algorithms=["RS256"],
                                options={"require": ["exp", "eventId", "actionId"],
                                         "verify_aud": False})
        except jwt.PyJWTError as exc:
            raise TrpcError("UNAUTHORIZED", f"Invalid token: {exc}") from exc
        return dict(claims)


def _validate(procedure: str, payload: Any) -> None:
    """The procedure's input schema, loosely: the keys the portal must send."""
    required = ["transactionId", "eventId", "actionId"]
    problems = [] if isinstance(payload, dict) else ["input must be an object"]
    if not problems:
        problems = [f"{k} must be a non-empty string" for k in required
                    if not isinstance(payload.get(k), str) or not payload[k]]
        if procedure == ACCEPT and not isinstance(payload.get("declaration", {}), dict):
            problems.append("declaration must be an object")
        # Core 1.9's reject input is exactly {transactionId, eventId, actionId}: anything
        # else (a `content` with a reason) is dropped by its schema, as here.
    if problems:
        raise TrpcError("BAD_REQUEST", "; ".join(problems))


def _settle(record: EventRecord, procedure: str, payload: JSON) -> JSON:
    if record.status == "rejected":
        raise TrpcError("BAD_REQUEST", f"Event {record.id} has been rejected")
    if procedure == ACCEPT and record.status == "accepted":
        return record.document()  # idempotent: already accepted → the event again
    if procedure == REJECT and record.status == "accepted":
        raise TrpcError("BAD_REQUEST", f"Event {record.id} is already registered")
    record.updated_at = iso_now()
    outcome: JSON = {"id": str(uuid.uuid4()), "type": "REGISTER",
                     "originalActionId": record.action_id, "createdAt": record.updated_at,
                     "transactionId": payload["transactionId"]}
    if procedure == ACCEPT:
        record.status = "accepted"
        outcome.update(status="Accepted", registrationNumber=payload.get("registrationNumber"),
                       declaration=payload.get("declaration", {}))
    else:
        record.status = "rejected"
        outcome.update(status="Rejected")
    record.outcome = outcome
    return record.document()
