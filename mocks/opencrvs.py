"""Stand-in OpenCRVS: the auth service (public key, single-record tokens, ``/token`` for
system clients and token exchange) and the gateway's tRPC procedures: ``event.get`` and the
async ``accept``/``reject`` of a registration or a birth correction
(docs/protocols.md#registration-request, #confirm-reject; opencrvs-core ``packages/auth``
and ``packages/events``).

As in core, ``accept``/``reject`` take only an action-confirmation token (``eventId`` and
``actionId`` claims, the confirm and reject scopes): a system client first exchanges its
own token for one (``grant_type=urn:opencrvs:oauth:grant-type:token-exchange``).
``event.get`` takes any valid token with the ``record.read`` scope. ``rotate_key()``
replaces the signing key and, as on a real key change, older tokens stop working.
"""

from __future__ import annotations

import json
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
from .base import JSON, Controls, StandIn, json_response, read_json
from .opencrvs_events import (
    APPROVE_CORRECTION,
    GET,
    PROCEDURES,
    REGISTER,
    EventRecord,
    matches,
    validate,
)
from .trpc import TrpcError

SEVEN_DAYS = 7 * 24 * 3600
DEFAULT_SCOPE = ["record.register", "record.confirm-registration", "record.reject-registration"]
CONFIRM_SCOPES = ("record.confirm-registration", "record.reject-registration")
ACCEPT, REJECT = "event.actions.register.accept", "event.actions.register.reject"
CORRECTION_ACCEPT = "event.actions.correction.approve.accept"
ISSUER = "opencrvs:auth-service"
AUDIENCE = ["opencrvs:gateway-user", "opencrvs:events-user"]
EXCHANGE_GRANT = "urn:opencrvs:oauth:grant-type:token-exchange"
SUBJECT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
RECORD_TOKEN_TYPE = "urn:opencrvs:oauth:token-type:single_record_token"
# A system client as core 2.x encodes its scopes (``type=...``), with what the
# integration needs: register, read, correct and search records.
SYSTEM_CLIENT = ("mosip-integration", "system-client-secret")
SYSTEM_SCOPES = [
    "type=record.register&event=birth,death",
    "type=record.read",
    "type=record.correct&event=birth",
    "type=record.reject",
    "type=record.search",
]


def scope_name(scope: str) -> str:
    """``record.read``, ``record.read[event=birth]`` and ``type=record.read&...`` all
    name ``record.read`` (1.9 and 2.x encodings)."""
    if scope.startswith("type="):
        return scope.split("&", 1)[0].removeprefix("type=")
    return scope.split("[", 1)[0]


def scope_names(claims: JSON) -> set[str]:
    scope = claims.get("scope") or []
    return {scope_name(s) for s in (scope.split() if isinstance(scope, str) else scope)}


@dataclass
class SystemClient:
    secret: str
    scope: list[str]
    active: bool = True


@dataclass
class TokenRequest:
    """One call to ``/token``; the secret is not kept."""

    grant_type: str
    client_id: str
    status: int
    at: float = field(default_factory=time.time)


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

    @property
    def claims(self) -> JSON:
        """The bearer token's claims (unverified: the call was checked when it came in)."""
        token = self.headers.get("Authorization", "").partition(" ")[2]
        try:
            return dict(jwt.decode(token, options={"verify_signature": False}))
        except jwt.PyJWTError:
            return {}


class OpenCrvsStandIn(StandIn):
    name = "opencrvs"
    exempt_endpoints = frozenset({"control", "test_token", "test_event"})

    def __init__(
        self, *, controls: Controls | None = None, quiet: bool = True, system_token_ttl: int = 600
    ) -> None:
        super().__init__(controls, quiet=quiet)
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_rotations = 0
        self.system_token_ttl = system_token_ttl
        self.system_clients: dict[str, SystemClient] = {
            SYSTEM_CLIENT[0]: SystemClient(SYSTEM_CLIENT[1], list(SYSTEM_SCOPES))
        }
        self.token_requests: list[TokenRequest] = []
        self.events: dict[str, EventRecord] = {}
        self.calls: list[TrpcCall] = []  # every tRPC call, successful or not
        self.accepted: list[TrpcCall] = []  # successful accept calls (repeats included)
        self.rejected: list[TrpcCall] = []  # successful reject calls
        self.searches: list[JSON] = []  # each POST /events/search body, answered or not
        self.undelivered: set[str] = set()  # events whose country-config call was lost

    def rules(self) -> list[Rule]:
        return [
            Rule("/.well-known", endpoint="public_key", methods=["GET"]),
            Rule("/token", endpoint="token", methods=["POST"]),
            Rule("/_test/token", endpoint="test_token", methods=["POST"]),
            Rule("/_test/event", endpoint="test_event", methods=["POST"]),
            Rule("/events/events/search", endpoint="search", methods=["POST"]),
            Rule("/events/events/<event_id>", endpoint="rest_get", methods=["GET"]),
            Rule("/events/<procedure>", endpoint="trpc", methods=["GET", "POST"]),
        ]

    # -- keys and tokens -------------------------------------------------------------------

    @property
    def public_key_pem(self) -> str:
        return (
            self._key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )

    def rotate_key(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_rotations += 1

    def _sign(self, claims: JSON, expires_in: int) -> str:
        now = int(time.time())
        claims = {**claims, "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + expires_in}
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"typ": "JWT"})

    def mint_token(
        self,
        event_id: str | None = None,
        action_id: str | None = None,
        expires_in: int = SEVEN_DAYS,
        scope: list[str] | None = None,
        *,
        sub: str = "mosip-standin-user",
        event_type: str = "birth",
        pending: str = REGISTER,
    ) -> str:
        """A single-record token (claims as captured) and a record whose pending action
        it confirms: a REGISTER, or with ``pending="APPROVE_CORRECTION"`` a correction."""
        event_id, action_id = event_id or str(uuid.uuid4()), action_id or str(uuid.uuid4())
        with self._lock:
            self.events.setdefault(
                event_id, EventRecord(event_id, event_type, action_id, pending_type=pending)
            )
        claims = {
            "eventId": event_id,
            "actionId": action_id,
            "scope": list(DEFAULT_SCOPE if scope is None else scope),
            "sub": sub,
        }
        return self._sign(claims, expires_in)

    def mint_correction(self, **options: Any) -> tuple[str, EventRecord]:
        """An approved birth correction waiting for MOSIP, and the token OpenCRVS gives
        the country config for it (2.x: the registrar's ``record.read`` comes along)."""
        options.setdefault("scope", [*CONFIRM_SCOPES, "type=record.read"])
        token = self.mint_token(pending=APPROVE_CORRECTION, **options)
        claims = jwt.decode(token, options={"verify_signature": False})
        return token, self.events[claims["eventId"]]

    def add_event(self, document: JSON) -> EventRecord:
        """Hold an EventDocument as given: ``event.get`` answers it, with its declaration,
        and the procedures settle its requested action. Tokens for it come from
        ``mint_token(event_id=..., action_id=record.action_id, ...)``."""
        record = EventRecord.from_document(document)
        with self._lock:
            self.events[record.id] = record
        return record

    def lose_delivery(self, document: JSON) -> EventRecord:
        """A registration sent for external validation whose call from the country config
        to the portal was lost: OpenCRVS holds it waiting (REGISTER requested), the portal
        never heard of it. Only a search finds it."""
        record = self.add_event(document)
        with self._lock:
            self.undelivered.add(record.id)
        return record

    def forget_confirmation(self, event_id: str) -> None:
        """The event shows waiting again though the portal's confirmation was accepted."""
        with self._lock:
            self.events[event_id].forget_outcome()

    def add_system_client(self, client_id: str, secret: str, scope: list[str]) -> None:
        with self._lock:
            self.system_clients[client_id] = SystemClient(secret, list(scope))

    def event_status(self, event_id: str) -> str | None:
        record = self.events.get(event_id)
        return record.status if record else None

    def on_public_key(self, request: Request) -> Response:
        return Response(self.public_key_pem, content_type="text/plain")

    def on_test_token(self, request: Request) -> Response:
        options = read_json(request) if request.get_data() else {}
        allowed = {"event_id", "action_id", "expires_in", "scope", "sub", "event_type", "pending"}
        if not isinstance(options, dict) or set(options) - allowed:
            return json_response(
                {"error": f"expected a JSON object with keys from {sorted(allowed)}"}, 400
            )
        try:
            token = self.mint_token(**options)
        except (TypeError, ValueError) as exc:
            return json_response({"error": str(exc)}, 400)
        claims = jwt.decode(token, options={"verify_signature": False})
        return json_response(
            {"token": token, "eventId": claims["eventId"], "actionId": claims["actionId"]}
        )

    def on_test_event(self, request: Request) -> Response:
        """Hold an EventDocument posted as JSON (e.g. tests/fixtures/farajaland/*.event.json)
        for a demo or an acceptance run; a token for it: ``/_test/token`` with the ids.
        ``?lost=1``: its country-config call to the portal was lost (``lose_delivery``)."""
        document = read_json(request)
        if not isinstance(document, dict) or not isinstance(document.get("actions"), list):
            return json_response({"error": "expected an EventDocument with actions"}, 400)
        if not document.get("id") or not document.get("type"):
            return json_response({"error": "an EventDocument needs an id and a type"}, 400)
        lost = request.args.get("lost") == "1"
        record = self.lose_delivery(document) if lost else self.add_event(document)
        return json_response({"eventId": record.id, "actionId": record.action_id})

    # -- auth service /token ---------------------------------------------------------------

    def on_token(self, request: Request) -> Response:
        """core's ``oauthToken`` handler: parameters from the form, else the query."""

        def param(key: str) -> str:
            return request.form.get(key) or request.args.get(key) or ""

        grant = param("grant_type")
        if grant == "client_credentials":
            reply = self._client_credentials(param("client_id"), param("client_secret"))
        elif grant == EXCHANGE_GRANT:
            reply = self._exchange(param)
        else:
            reply = _oauth_error("unsupported_grant_type", 400)
        with self._lock:
            self.token_requests.append(TokenRequest(grant, param("client_id"), reply.status_code))
        return reply

    def _client_credentials(self, client_id: str, secret: str) -> Response:
        if not client_id or not secret:
            return _oauth_error("invalid_request", 400)
        client = self.system_clients.get(client_id)
        if client is None or not client.active or client.secret != secret:
            return _oauth_error("invalid_client", 401)
        claims = {"scope": list(client.scope), "userType": "system", "sub": client_id}
        return _token_reply(self._sign(claims, self.system_token_ttl))

    def _exchange(self, param: Any) -> Response:
        event_id, action_id = param("event_id"), param("action_id")
        if (
            not event_id
            or not action_id
            or param("subject_token_type") != SUBJECT_TOKEN_TYPE
            or param("requested_token_type") != RECORD_TOKEN_TYPE
        ):
            return _oauth_error("invalid_request", 400)
        try:
            subject = self._verify(param("subject_token"))
        except jwt.PyJWTError:
            return _oauth_error("unauthorized_client", 401)
        # As core: the confirm/reject scopes, plus the subject's read and reject scopes.
        extra = [
            s for s in subject.get("scope", []) if scope_name(s) in ("record.read", "record.reject")
        ]
        claims = {
            "scope": [*CONFIRM_SCOPES, *extra],
            "eventId": event_id,
            "actionId": action_id,
            "sub": subject.get("sub"),
            "userType": subject.get("userType", "user"),
        }
        return _token_reply(self._sign(claims, SEVEN_DAYS))

    def _verify(self, token: str) -> JSON:
        return dict(
            jwt.decode(
                token,
                self._key.public_key(),
                algorithms=["RS256"],
                options={"require": ["exp"], "verify_aud": False},
            )
        )

    # -- REST (trpc-to-openapi), as the gateway proxies /events/* to the events service ---

    def _rest_claims(self, request: Request) -> JSON | Response:
        try:
            return self._claims(request)
        except TrpcError as exc:
            return json_response({"message": exc.message, "code": "UNAUTHORIZED"}, 401)

    def on_search(self, request: Request) -> Response:
        """``POST /events/search``: ``{"query": QueryType, "limit", "offset"}`` ->
        ``{"results": [EventIndex], "total"}``; 2.x's ``record.search`` or 1.9's
        ``recordsearch`` (or a ``search[...]`` scope) may search."""
        claims = self._rest_claims(request)
        if isinstance(claims, Response):
            return claims
        body = read_json(request)
        with self._lock:
            self.searches.append(body if isinstance(body, dict) else {})
        if not scope_names(claims) & {"record.search", "recordsearch", "search"}:
            return json_response({"message": "Missing search scope", "code": "FORBIDDEN"}, 403)
        if not isinstance(body, dict) or not isinstance(body.get("query"), dict):
            return json_response({"message": "Input validation failed", "code": "BAD_REQUEST"}, 400)
        limit, offset = int(body.get("limit", 100)), int(body.get("offset", 0))
        try:
            with self._lock:
                indexes = [record.index() for record in self.events.values()]
            found = [index for index in indexes if matches(index, body["query"])]
        except TrpcError as exc:
            return json_response({"message": exc.message, "code": "BAD_REQUEST"}, 400)
        found.sort(key=lambda index: index["updatedAt"])
        return json_response({"results": found[offset : offset + limit], "total": len(found)})

    def on_rest_get(self, request: Request, event_id: str) -> Response:
        """``GET /events/{eventId}`` (2.x; 1.9.15 has only the tRPC ``event.get``)."""
        claims = self._rest_claims(request)
        if isinstance(claims, Response):
            return claims
        try:
            return json_response(self._get(claims, event_id))
        except TrpcError as exc:
            status = 403 if exc.code == "FORBIDDEN" else 404
            return json_response({"message": exc.message, "code": exc.code}, status)

    # -- tRPC ------------------------------------------------------------------------------

    def on_trpc(self, request: Request, procedure: str) -> Response:
        batch = request.args.get("batch") == "1"
        raw = request.args.get("input", "") if request.method == "GET" else request.get_data()
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        try:
            data = self._call(request, procedure, body, batch)
            entry, status = trpc.result_entry(data), 200
        except TrpcError as exc:
            entry, status = exc.entry(procedure), exc.http_status
        call = TrpcCall(procedure, dict(request.headers), body, status, entry, batch)
        with self._lock:
            self.calls.append(call)
            if status == 200 and procedure != GET:
                kind = PROCEDURES[procedure][1]
                (self.accepted if kind == "Accepted" else self.rejected).append(call)
        return trpc.reply(entry, status, batch)

    def calls_to(self, procedure: str) -> list[TrpcCall]:
        with self._lock:
            return [c for c in self.calls if c.procedure == procedure]

    def _call(self, request: Request, procedure: str, body: Any, batch: bool) -> JSON:
        if procedure != GET and procedure not in PROCEDURES:
            raise TrpcError("NOT_FOUND", f'No procedure found on path "{procedure}"')
        if (request.method == "GET") != (procedure == GET):
            raise TrpcError("METHOD_NOT_SUPPORTED", f"Unsupported {request.method} request")
        if isinstance(body, str):
            raise TrpcError("PARSE_ERROR", "Body is not valid JSON")
        claims = self._claims(request)
        payload = trpc.call_input(body, batch)
        validate(procedure, payload)
        if procedure == GET:
            return self._get(claims, payload["eventId"])
        if (payload["eventId"], payload["actionId"]) != (
            claims.get("eventId"),
            claims.get("actionId"),
        ):
            if not (claims.get("eventId") and claims.get("actionId")):
                raise TrpcError("FORBIDDEN", "Missing required claims for action confirmation")
            raise TrpcError("UNAUTHORIZED", "Token is not valid for this event and action")
        if not set(CONFIRM_SCOPES) <= scope_names(claims):
            raise TrpcError("FORBIDDEN", "Missing required scopes for action confirmation")
        with self._lock:
            record = self.events.get(payload["eventId"])
            if record is None:
                raise TrpcError("NOT_FOUND", f"Event {payload['eventId']} not found")
            return record.settle(procedure, payload, by=str(claims.get("sub", "")))

    def _get(self, claims: JSON, event_id: str) -> JSON:
        if "record.read" not in scope_names(claims):
            raise TrpcError("FORBIDDEN", "Token lacks scope record.read")
        with self._lock:
            record = self.events.get(event_id)
            if record is None:
                raise TrpcError("NOT_FOUND", f"Event {event_id} not found")
            return record.document()

    def _claims(self, request: Request) -> JSON:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise TrpcError("UNAUTHORIZED", "Missing bearer token")
        try:
            return self._verify(token)
        except jwt.PyJWTError as exc:
            raise TrpcError("UNAUTHORIZED", f"Invalid token: {exc}") from exc


def _oauth_error(error: str, status: int) -> Response:
    return json_response(
        {"error": error, "error_description": error.replace("_", " ")},
        status,
        **{"Cache-Control": "no-store"},
    )


def _token_reply(token: str) -> Response:
    # As core: no expires_in, the expiry is the JWT's ``exp``.
    return json_response(
        {"access_token": token, "token_type": "Bearer"}, **{"Cache-Control": "no-store"}
    )
