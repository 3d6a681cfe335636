"""Stand-in MOSIP: auth manager, packet manager, registration processor, WebSub hub and the
credential service's callback (docs/protocols.md#portal-to-mosip and
#credential-issued), answering in the captured shapes.

Choices worth knowing:
- Tokens are HS256 JWTs (``sub`` = client id, ``exp`` = now + ``token_ttl_seconds``) that the
  protected endpoints check from the ``Authorization`` cookie; ``revoke_tokens()`` makes
  every token issued so far invalid, as an auth-manager restart does.
- A second ``createPacket`` for an id is not refused, whatever it holds: the new packet
  is written over the stored one and answered as the first was, as MOSIP's packet writer
  does (it puts each sub-packet in its object store without asking whether one is there).
  ``create_packet_calls`` counts the written calls per registration id, so a test sees
  the duplicates MOSIP would have taken silently.
- The packet reader's ``/info`` lists what is stored under an id (for an id with nothing
  stored, an empty list), as the portal asks before sending a packet again.
- A VID is drawn once per registration id; re-issuing (second workflow start) repeats it.
- Packets fail where real MOSIP fails them (docs/mosip-validation.md): ``createPacket``
  answers 200 with ``response: null`` and writes nothing when it cannot write the packet
  (no ID schema in ``schemaJson``, fields that are not an object...); a written packet
  whose identity breaks the ID schema masterdata serves for its version (mandatory
  attributes per process), or that the CRVS_NEW route or UIN generation refuses, fails
  after the workflow started: it is kept in ``rejections`` and no credential is issued.
  Masterdata serves ``GET /v1/masterdata/idschema/latest?schemaVersion=`` from
  ``id_schemas`` (version -> schema; the shipped mosip-api schema as 0.1).
- The registration processor answers its external status search (PROCESSING while the
  workflow runs, REJECTED for a packet in ``rejections``, PROCESSED once a UIN would be
  generated, RPR-RGS-031 in ``errors`` for an id it never heard of; ``verdicts`` forces a
  status such as REREGISTER or RESEND) and its transaction search (the steps of
  ``transactions``). ``lose_packets`` packets are answered as written and their workflow
  as started, but never reach the processor: unknown to it, as a packet the writer did not
  write. The ID repository maps a registration id to its UIN; the credential request
  generator issues the credential again through the hub (``refuse_credential_requests``:
  it answers an error instead). The hub gives up on ``drop_credentials`` credentials
  (kept in ``dropped``), as MOSIP's hub does after its retries. ``reject_packets``,
  ``lose_packets`` and ``drop_credentials`` count the next ones; the controls
  ``packet_reject_rate``, ``packet_lose_rate`` and ``credential_drop_rate`` (settable
  over ``/_control``) pick a fraction at random, for the fault suite.
- When a packet's workflow ends (rejected, or processed once its credential is issued)
  the workflow manager publishes ``{instanceId, resultCode, workflowType, errorCode,
  notificationAttributes}`` on ``WORKFLOW_TOPIC`` to the hub's subscribers
  (docs/protocols.md#workflow-completed); ``publish_workflow_events = False`` stops it.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from . import mosip_crypto as crypto
from . import mosip_issuer as issuer
from .base import JSON, Controls, StandIn, iso_now, json_response, read_json
from .id_object import (
    MANDATORY_ATTRIBUTES,
    identity_of,
    identity_problems,
    infant_route_problem,
    uin_generation_problems,
)
from .paths import certs_dir
from .websub import Delivery, Hub, HubSignature, Subscription

DEFAULT_SECRET = "abcdeABCDE123456"
DEFAULT_CLIENTS = {"mosip-regproc-client": DEFAULT_SECRET, "mosip-websub-client": DEFAULT_SECRET}
WORKFLOW_ID = "mosip.registration.processor.workflow.instance"
# mosip.regproc.workflow.complete.topic in MOSIP's registration-processor-default.properties
WORKFLOW_TOPIC = "REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT"
INTENT_DELAY_SECONDS = 0.05  # let the subscriber read "Subscribed successfully." first
# The ID schema masterdata serves by default: the one mosip-api sends (data, not code).
SHIPPED_ID_SCHEMA = Path(__file__).parent.parent / "integration/mapping/mosip_api_id_schema.json"

# "proof": content changed after signing; "signing_key": listed key URL, other key;
# "verification_method": signed by a key served at an URL that is on no allowlist.
Tamper = Literal["proof", "signing_key", "verification_method"]
# How credentials are signed: URDNA2015 RsaSignature2018 (PS256, as MOSIP's credential
# service, or RS256), URDNA2015 Ed25519Signature2020, or "jcs" as OpenCRVS's MOSIP mock.
ProofKind = Literal["PS256", "RS256", "Ed25519Signature2020", "jcs"]
PROOF_KINDS: tuple[str, ...] = ("PS256", "RS256", "Ed25519Signature2020", "jcs")


@dataclass
class Rejection:
    """A packet the registration processor failed: at which stage, and MOSIP's errors."""

    registration_id: str
    stage: str  # "packet validator", "crvs_new route" or "UIN generation"
    errors: list[tuple[str, str]]


@dataclass
class Issuance:
    """One credential issued: the VC (decrypted form), the event body posted, deliveries."""

    registration_id: str
    vid: str | None
    credential: JSON
    body: bytes
    deliveries: list[Delivery] = field(default_factory=list)


def _error(code: str, message: str) -> JSON:
    return {"errorCode": code, "message": message}


class MosipStandIn(StandIn):
    name = "mosip"

    def __init__(
        self,
        client_secrets: dict[str, str] | None = None,
        signing_key_pem_path: str | Path | None = None,
        partner_cert_path: str | Path | None = None,
        credential_delay_seconds: float = 0.2,
        *,
        token_ttl_seconds: int = 3600,
        zero_thumbprint: bool = False,
        public_url: str | None = None,
        proof: ProofKind = "PS256",
        context_defines_vid: bool = True,
        controls: Controls | None = None,
        quiet: bool = True,
    ) -> None:
        super().__init__(controls, quiet=quiet)
        certs = certs_dir()
        self.client_secrets = dict(DEFAULT_CLIENTS if client_secrets is None else client_secrets)
        self.signing_key = crypto.load_private_key(
            signing_key_pem_path or certs / "mock-only-private-key.pem"
        )
        self.partner_cert = crypto.load_certificate(partner_cert_path or certs / "ida-partner.crt")
        self.unlisted_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ed25519_key = ed25519.Ed25519PrivateKey.generate()
        self.unlisted_ed25519_key = ed25519.Ed25519PrivateKey.generate()
        self.proof: ProofKind = proof
        self.context_defines_vid = context_defines_vid  # older mosip-context.json: no VID
        self.credential_delay_seconds = credential_delay_seconds
        # Masterdata's ID schemas by IDSchemaVersion, and the registration processor's
        # mandatory attributes by process in lower case (MOSIP's defaults).
        self.id_schemas: dict[float, JSON] = {0.1: json.loads(SHIPPED_ID_SCHEMA.read_text())}
        self.mandatory_attributes: dict[str, str] = dict(MANDATORY_ATTRIBUTES)
        self.idschema_calls = 0
        # False: masterdata answers 503 (the registration processor keeps the schemas it
        # has read, as MOSIP's packet manager caches them).
        self.masterdata_available = True
        self.rejections: dict[str, Rejection] = {}  # registration id -> why it failed
        self.unwritten: list[JSON] = []  # createPacket bodies answered 200 with nothing written
        self.token_ttl_seconds = token_ttl_seconds
        self.zero_thumbprint = zero_thumbprint  # as the reference mock (fixture) does
        self.public_url = public_url  # base URL put in credentials; default: where it listens
        self.hub = Hub()
        self.auth_calls = 0
        self.auth_clients: list[str] = []  # client id of each successful auth call
        self.packets: dict[str, JSON] = {}  # registration id → createPacket "request" object
        self.create_packet_calls: Counter[str] = Counter()  # registration id → calls written
        self.workflows: dict[str, list[str]] = {}  # registration id → workflow instance ids
        self.issued: dict[str, str | None] = {}  # registration id → VID (None for death)
        # What the credential template writes: the subject key of the national id, and
        # the credential type (``vercred``, or ``euin`` in newer installations).
        self.national_id_key = "VID"
        self.credential_type = "vercred"
        self.issuances: list[Issuance] = []
        self.background_errors: list[str] = []
        # The registration processor's view (docs/protocols.md#mosip-status).
        self.transactions: dict[str, list[JSON]] = {}  # registration id -> its steps
        self.verdicts: dict[str, str] = {}  # registration id -> forced external status
        self.uins: dict[str, str] = {}  # registration id -> UIN generated
        self.lose_packets = 0  # the next packets started never reach the processor
        # The next packets are failed after the checks the portal can foresee, as a
        # manual adjudicator failing a demographic duplicate does.
        self.reject_packets = 0
        self.rejection_reason = ("RPR-MA-REJECTED", "Rejected by the manual adjudicator")
        self.lost_packets: list[str] = []
        self.drop_credentials = 0  # the hub gives up on the next credentials
        self.unavailable_transaction_searches = 0  # the next ones answered 503
        self.dropped: list[Issuance] = []
        self.refuse_credential_requests = False
        self.credential_requests: dict[str, JSON] = {}  # request id -> request and status
        self.status_searches: list[list[str]] = []  # registration ids of each search
        self.publish_workflow_events = True  # the workflow manager's WORKFLOW_TOPIC
        self.workflow_events: list[Delivery] = []  # its deliveries to subscribers
        self.packet_info_calls: list[str] = []  # registration id of each packet look-up
        self._token_secret = secrets.token_bytes(32)

    def rules(self) -> list[Rule]:
        return [
            Rule(
                "/v1/authmanager/authenticate/clientidsecretkey", endpoint="auth", methods=["POST"]
            ),
            Rule(
                "/commons/v1/packetmanager/createPacket", endpoint="create_packet", methods=["PUT"]
            ),
            Rule("/commons/v1/packetmanager/info", endpoint="packet_info", methods=["POST"]),
            Rule(
                "/registrationprocessor/v1/workflowmanager/workflowinstance",
                endpoint="workflow",
                methods=["POST"],
            ),
            Rule("/websub/hub", endpoint="hub", methods=["POST"]),
            Rule(
                "/registrationprocessor/v1/registrationstatus/externalstatus/search",
                endpoint="external_status",
                methods=["POST"],
            ),
            Rule(
                "/registrationprocessor/v1/registrationtransaction/search/<rid>",
                endpoint="transactions",
                methods=["GET"],
            ),
            Rule("/idrepository/v1/identity/idvid/<rid>", endpoint="idvid", methods=["GET"]),
            Rule(
                "/v1/credentialrequest/requestgenerator",
                endpoint="credential_request",
                methods=["POST"],
            ),
            Rule(
                "/v1/credentialrequest/get/<request_id>",
                endpoint="credential_request_status",
                methods=["GET"],
            ),
            Rule("/v1/masterdata/idschema/latest", endpoint="idschema", methods=["GET"]),
            Rule("/.well-known/public-key.json", endpoint="public_key", methods=["GET"]),
            Rule("/.well-known/unlisted-key.json", endpoint="unlisted_key", methods=["GET"]),
            Rule("/.well-known/controller.json", endpoint="controller", methods=["GET"]),
            Rule("/.well-known/ed25519-key.json", endpoint="ed25519_key", methods=["GET"]),
            Rule(
                "/.well-known/unlisted-ed25519-key.json",
                endpoint="unlisted_ed25519_key",
                methods=["GET"],
            ),
            Rule("/.well-known/mosip-context.json", endpoint="mosip_context", methods=["GET"]),
        ]

    # -- convenience views -----------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return (self.public_url or self.url).rstrip("/")

    @property
    def public_key_url(self) -> str:
        return f"{self.base_url}/.well-known/public-key.json"

    @property
    def unlisted_key_url(self) -> str:
        return f"{self.base_url}/.well-known/unlisted-key.json"

    @property
    def ed25519_key_url(self) -> str:
        return f"{self.base_url}/.well-known/ed25519-key.json"

    @property
    def context_url(self) -> str:
        return f"{self.base_url}/.well-known/mosip-context.json"

    @property
    def verification_method_url(self) -> str:
        """The method credentials are signed with, for the current ``proof`` kind."""
        ed = self.proof == "Ed25519Signature2020"
        return self.ed25519_key_url if ed else self.public_key_url

    @property
    def subscriptions(self) -> dict[tuple[str, str], Subscription]:
        return self.hub.subscriptions

    @property
    def deliveries(self) -> list[Delivery]:
        return self.hub.deliveries

    def wait_for_subscription(
        self, callback: str | None = None, timeout: float = 5.0
    ) -> Subscription | None:
        return self.hub.wait_for_subscription(callback, issuer.TOPIC, timeout)

    # -- auth ------------------------------------------------------------------------------

    def mint_token(self, client_id: str, ttl_seconds: int | None = None) -> str:
        now = int(time.time())
        ttl = self.token_ttl_seconds if ttl_seconds is None else ttl_seconds
        claims = {
            "sub": client_id,
            "azp": client_id,
            "iat": now,
            "exp": now + ttl,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self._token_secret, algorithm="HS256")

    def revoke_tokens(self) -> None:
        """Invalidate every token issued so far (new signing secret)."""
        self._token_secret = secrets.token_bytes(32)

    def client_of(self, request: Request) -> str | None:
        """The client id of a valid, unexpired cookie token, else None."""
        token = request.cookies.get("Authorization")
        if not token:
            return None
        try:
            claims = jwt.decode(
                token, self._token_secret, algorithms=["HS256"], options={"require": ["exp", "sub"]}
            )
        except jwt.PyJWTError:
            return None
        return str(claims["sub"])

    def _unauthorized(self, message: str = "Invalid or expired token") -> Response:
        return json_response(
            {
                "id": None,
                "version": None,
                "responsetime": iso_now(),
                "metadata": None,
                "response": None,
                "errors": [_error("KER-ATH-401", message)],
            },
            401,
        )

    def on_auth(self, request: Request) -> Response:
        body = read_json(request)
        body = body if isinstance(body, dict) else {}
        creds = body.get("request") if isinstance(body.get("request"), dict) else {}
        client_id, secret = creds.get("clientId"), creds.get("secretKey")
        known = self.client_secrets.get(client_id) if isinstance(client_id, str) else None
        if not known or not isinstance(secret, str) or not secrets.compare_digest(known, secret):
            return self._unauthorized("Client ID and secret key combination is invalid")
        client_id = str(client_id)
        with self._lock:
            self.auth_calls += 1
            self.auth_clients.append(client_id)
        reply = json_response(
            {
                "id": body.get("id"),
                "version": body.get("version"),
                "responsetime": iso_now(),
                "metadata": None,
                "response": {
                    "status": "Success",
                    "message": "Clientid and Token combination had been validated successfully",
                },
                "errors": None,
            }
        )
        # The same cookie attributes MOSIP sets (captured).
        reply.headers["Set-Cookie"] = (
            f"Authorization={self.mint_token(client_id)}; Path=/; HttpOnly; Secure; SameSite=Strict"
        )
        return reply

    # -- packets and workflow --------------------------------------------------------------

    def on_create_packet(self, request: Request) -> Response:
        if self.client_of(request) is None:
            return self._unauthorized()
        body = read_json(request)
        if _packet_problems(body):
            # The packet manager logs why it could not write the packet and answers 200
            # with no packet infos and no error (PacketWriter.createPacket).
            with self._lock:
                self.unwritten.append(body)
            return _packet_reply(None, [])
        packet = body["request"]
        reg_id = packet["id"]
        with self._lock:
            # Written over whatever is stored under the id: the packet writer does not look.
            self.packets[reg_id] = packet
            self.create_packet_calls[reg_id] += 1
        return _packet_reply(_packet_infos(packet), [])

    def on_packet_info(self, request: Request) -> Response:
        """The packet reader's /info: what the object store holds under an id, one entry
        per source and process (demographics: the identity's field names). An id it holds
        nothing under is an empty list, as the reader answers when the store lists no
        object for it."""
        if self.client_of(request) is None:
            return self._unauthorized()
        body = read_json(request)
        wanted = body.get("request") if isinstance(body, dict) else None
        reg_id = wanted.get("id") if isinstance(wanted, dict) else None
        with self._lock:
            self.packet_info_calls.append(str(reg_id))
            packet = self.packets.get(reg_id) if isinstance(reg_id, str) else None
        if not reg_id:
            return _packet_reader_reply(None, None)  # the reader answers nothing for no id
        info = []
        if packet is not None:
            info.append(
                {
                    "source": packet["source"],
                    "process": packet["process"],
                    "lastModified": iso_now(),
                    "demographics": sorted(packet.get("fields") or {}),
                    "biometrics": None,
                    "documents": None,
                }
            )
        found = {
            "applicationId": reg_id,
            "packetId": reg_id,
            "requestToken": None,
            "info": info,
            "tags": {},
        }
        return _packet_reader_reply(found, None)

    def on_workflow(self, request: Request) -> Response:
        if self.client_of(request) is None:
            return self._unauthorized()
        body = read_json(request)
        wanted = body.get("request") if isinstance(body, dict) else None
        reg_id = wanted.get("registrationId") if isinstance(wanted, dict) else None
        with self._lock:
            known = isinstance(reg_id, str) and reg_id in self.packets
            if known:
                instance = str(uuid.uuid4())
                self.workflows.setdefault(reg_id, []).append(instance)
        if not known:
            message = f"No packet was created for registrationId {reg_id!r}"
            return _workflow_reply(None, [_error("RPR-WFM-404", message)])
        with self._lock:
            lost = self.lose_packets > 0 or self._chance(self.controls.packet_lose_rate)
            if lost:  # answered as started, never reaches the processor
                self.lose_packets = max(self.lose_packets - 1, 0)
                self.lost_packets.append(reg_id)
                del self.packets[reg_id]
            else:
                self._step(reg_id, "PACKET_RECEIVER", "SUCCESS", "RPR-PKR-SUCCESS-001",
                           "Packet has reached Packet Receiver")  # fmt: skip
        if lost:
            return _workflow_reply({"workflowInstanceId": instance}, None)
        self.in_background(self._issue_quietly, reg_id, delay=self.credential_delay_seconds)
        return _workflow_reply({"workflowInstanceId": instance}, None)

    def _issue_quietly(self, registration_id: str) -> None:
        try:
            rejection = self.process_packet(registration_id)
            if rejection is not None:
                with self._lock:
                    self.rejections[registration_id] = rejection
                    code = rejection.errors[0][0] if rejection.errors else "RPR-REJECTED"
                    comment = "; ".join(message for _, message in rejection.errors)
                    self._step(registration_id, STAGE_STEPS.get(rejection.stage, "VALIDATE_PACKET"),
                               "REJECTED", code, comment)  # fmt: skip
                self.publish_workflow_completed(registration_id, "REJECTED")
                return
            with self._lock:
                self._step(registration_id, "VALIDATE_PACKET", "SUCCESS", "RPR-PKV-SUCCESS-001",
                           "Packet validation is successful")  # fmt: skip
                self.uins.setdefault(registration_id, issuer.new_vid())
                self._step(registration_id, "UIN_GENERATOR", "SUCCESS", "RPR-UGS-SUCCESS-001",
                           "UIN Generated Successfully")  # fmt: skip
            self.issue_credential(registration_id)
            self.publish_workflow_completed(registration_id, "PROCESSED")
        except Exception as exc:  # noqa: BLE001 - a background thread must not die silently
            self.background_errors.append(f"{registration_id}: {exc!r}")

    def publish_workflow_completed(
        self, registration_id: str, result_code: str, hub_signature: HubSignature = "valid"
    ) -> list[Delivery]:
        """The workflow manager's event when a workflow ends, as its WebSubUtil publishes
        it: the DTO itself as the body (no envelope), null fields included, signed by the
        hub with each subscriber's secret. ``errorCode`` is PACKET_REJECTED or
        PACKET_FAILED for those results, null for PROCESSED."""
        if not self.publish_workflow_events:
            return []
        with self._lock:
            process = self.packets.get(registration_id, {}).get("process", issuer.BIRTH)
        error_code = {"REJECTED": "PACKET_REJECTED", "FAILED": "PACKET_FAILED"}.get(result_code)
        event = {
            "instanceId": registration_id,
            "resultCode": result_code,
            "workflowType": process,
            "errorCode": error_code,
            "notificationAttributes": None,
        }
        body = json.dumps(event, separators=(",", ":")).encode()
        deliveries = self.hub.publish(WORKFLOW_TOPIC, body, hub_signature)
        with self._lock:
            self.workflow_events += deliveries
        return deliveries

    def process_packet(self, registration_id: str) -> Rejection | None:
        """Run a written packet through the registration processor's checks; the first
        stage that fails it, or None when a UIN would be generated."""
        with self._lock:
            packet = self.packets[registration_id]
        process, today = packet["process"], datetime.now(UTC).date()
        version = float(packet["schemaVersion"])
        schema = self.id_schemas.get(version)
        if schema is None:
            errors = [("KER-SCH-007", f"Identity schema {version} not found")]
            return Rejection(registration_id, "packet validator", errors)
        # The writer wrote the fields the packet's own schemaJson defines; the validator
        # reads back those masterdata's schema defines.
        written = identity_of(packet["fields"], json.loads(packet["schemaJson"]), version)
        identity = identity_of(written, schema, version)
        mandatory = self.mandatory_attributes.get(process.lower(), "")
        if errors := identity_problems(written, schema, mandatory, version):
            return Rejection(registration_id, "packet validator", errors)
        if process.upper() == issuer.BIRTH:
            meta_info = packet.get("metaInfo") or {}
            if reason := infant_route_problem(identity, meta_info, today):
                return Rejection(registration_id, "crvs_new route", [("RPR-ROUTE", reason)])
        if errors := uin_generation_problems(identity, today):
            return Rejection(registration_id, "UIN generation", errors)
        with self._lock:
            if self.reject_packets > 0 or self._chance(self.controls.packet_reject_rate):
                self.reject_packets = max(self.reject_packets - 1, 0)
                return Rejection(registration_id, "manual adjudication", [self.rejection_reason])
        return None

    # -- masterdata ------------------------------------------------------------------------

    def on_idschema(self, request: Request) -> Response:
        if self.client_of(request) is None:
            return self._unauthorized()
        try:
            version = float(request.args.get("schemaVersion", "0"))
        except ValueError:
            version = 0.0
        with self._lock:
            self.idschema_calls += 1
            if not self.masterdata_available:
                return Response("masterdata is down", 503, content_type="text/plain")
            if version <= 0 and self.id_schemas:
                version = max(self.id_schemas)
            schema = self.id_schemas.get(version)
        if schema is None:
            return _masterdata_reply(None, [_error("KER-SCH-007", "Identity schema not found")])
        return _masterdata_reply(
            {
                "id": hashlib.sha256(str(version).encode()).hexdigest()[:36],
                "idVersion": version,
                "title": schema.get("title", ""),
                "description": schema.get("description", ""),
                "schemaJson": json.dumps(schema),
                "status": "PUBLISHED",
                "effectiveFrom": iso_now(),
                "createdBy": "superadmin",
                "updatedBy": None,
                "createdOn": iso_now(),
                "updatedOn": None,
            },
            None,
        )

    # -- WebSub hub ------------------------------------------------------------------------

    def on_hub(self, request: Request) -> Response:
        if self.client_of(request) is None:
            return self._unauthorized()
        form = request.form
        mode, topic, callback = (form.get(f"hub.{k}", "") for k in ("mode", "topic", "callback"))
        if mode not in ("subscribe", "unsubscribe") or not topic or not callback:
            return Response(
                "hub.mode (subscribe|unsubscribe), hub.topic and hub.callback are required",
                400,
                content_type="text/plain",
            )
        attempt = self.hub.request(mode, topic, callback, form.get("hub.secret") or None)
        self.in_background(self.hub.verify, attempt, delay=INTENT_DELAY_SECONDS)
        done = "Subscribed" if mode == "subscribe" else "Unsubscribed"
        return Response(f"{done} successfully.", content_type="text/plain")

    # -- the registration processor's status and steps -------------------------------------

    def _step(self, rid: str, kind: str, status: str, sub_status: str, comment: str) -> None:
        """Record one processing step (call with the lock held)."""
        self.transactions.setdefault(rid, []).append(
            {
                "id": str(uuid.uuid4()),
                "registrationId": rid,
                "transactionTypeCode": kind,
                "parentTransactionId": None,
                "statusCode": status,
                "subStatusCode": sub_status,
                "statusComment": comment,
                "createdDateTimes": iso_now(),
            }
        )

    def _chance(self, rate: float) -> bool:
        return bool(rate) and self._random.random() < rate

    def external_status(self, rid: str) -> str | None:
        """What the external status search says of ``rid``; None: never heard of it."""
        with self._lock:
            if rid in self.verdicts:
                return self.verdicts[rid]
            if rid not in self.packets or rid not in self.workflows:
                return None
            if rid in self.rejections:
                return "REJECTED"
            return "PROCESSED" if rid in self.uins else "PROCESSING"

    def on_external_status(self, request: Request) -> Response:
        if self.client_of(request) is None:
            return self._unauthorized()
        body = read_json(request)
        wanted = body.get("request") if isinstance(body, dict) else None
        if not isinstance(wanted, list) or not wanted or len(wanted) > 100:
            return _status_reply([], [_error("RPR-RGS-026", "Invalid input parameter - request")])
        rids = [str(w.get("registrationId", "")) for w in wanted if isinstance(w, dict)]
        with self._lock:
            self.status_searches.append(rids)
        found, errors = [], []
        for rid in rids:
            status = self.external_status(rid)
            if status is None:
                errors.append({**_error("RPR-RGS-031", "RID Not Found"), "registrationId": rid})
            else:
                found.append({"registrationId": rid, "statusCode": status})
        return _status_reply(found, errors)

    def on_transactions(self, request: Request, rid: str) -> Response:
        if self.client_of(request) is None:
            return self._unauthorized()
        with self._lock:
            steps = list(self.transactions.get(rid, []))
            unavailable = self.unavailable_transaction_searches > 0
            self.unavailable_transaction_searches -= unavailable
        if unavailable:
            return json_response({"errors": [_error("RPR-RTS-500", "Unavailable")]}, status=503)
        if not steps:
            return json_response(
                {
                    "id": "mosip.registration.transaction",
                    "version": "1.0",
                    "responsetime": iso_now(),
                    "response": None,
                    "errors": [_error("RPR-RTS-001", "RID Not Found")],
                }  # fmt: skip
            )
        return json_response(
            {
                "id": "mosip.registration.transaction",
                "version": "1.0",
                "responsetime": iso_now(),
                "response": steps,
                "errors": None,
            }  # fmt: skip
        )

    # -- the ID repository and the credential request generator ------------------------------

    def on_idvid(self, request: Request, rid: str) -> Response:
        if self.client_of(request) is None:
            return self._unauthorized()
        with self._lock:
            uin = self.uins.get(rid)
        if uin is None:
            return _idrepo_reply(None, [_error("IDR-IDC-007", "No Record(s) found")])
        identity = {"UIN": uin, "IDSchemaVersion": 0.1, "registrationId": rid}
        return _idrepo_reply({"status": "ACTIVATED", "identity": identity, "documents": []}, None)

    def on_credential_request(self, request: Request) -> Response:
        if self.client_of(request) is None:
            return self._unauthorized()
        body = read_json(request)
        wanted = body.get("request") if isinstance(body, dict) else None
        uin = wanted.get("id") if isinstance(wanted, dict) else None
        with self._lock:
            rid = next((r for r, u in self.uins.items() if u == uin), None)
            refused = self.refuse_credential_requests
        if refused or rid is None:
            message = "Credential request failed" if refused else "No Record(s) found"
            code = "IDR-CRG-005" if refused else "IDR-IDC-007"
            return _credential_request_reply(None, [_error(code, message)])
        request_id = str(uuid.uuid4())
        with self._lock:
            self.credential_requests[request_id] = {
                "request": wanted,
                "registrationId": rid,
                "statusCode": "NEW",
            }
        self.in_background(self._reissue, request_id, delay=self.credential_delay_seconds)
        return _credential_request_reply({"requestId": request_id, "id": uin}, None)

    def _reissue(self, request_id: str) -> None:
        with self._lock:
            entry = self.credential_requests[request_id]
        try:
            self.issue_credential(entry["registrationId"])
            entry["statusCode"] = "ISSUED"
        except Exception as exc:  # noqa: BLE001 - a background thread must not die silently
            entry["statusCode"] = "FAILED"
            self.background_errors.append(f"{request_id}: {exc!r}")

    def on_credential_request_status(self, request: Request, request_id: str) -> Response:
        if self.client_of(request) is None:
            return self._unauthorized()
        with self._lock:
            entry = self.credential_requests.get(request_id)
        if entry is None:
            return _credential_request_reply(None, [_error("IDR-CRG-004", "Request not found")])
        uin = entry["request"].get("id")
        return _credential_request_reply(
            {"requestId": request_id, "id": uin, "statusCode": entry["statusCode"], "url": None},
            None,
        )

    # -- key documents ---------------------------------------------------------------------

    def on_public_key(self, request: Request) -> Response:
        return json_response(
            issuer.public_key_document(
                self.public_key_url, self.base_url, crypto.public_key_pem(self.signing_key)
            )
        )

    def on_unlisted_key(self, request: Request) -> Response:
        return json_response(
            issuer.public_key_document(
                self.unlisted_key_url, self.base_url, crypto.public_key_pem(self.unlisted_key)
            )
        )

    def on_controller(self, request: Request) -> Response:
        return json_response(
            issuer.controller_document(self.base_url, self.public_key_url, self.ed25519_key_url)
        )

    def _ed25519_document(self, url: str, key: ed25519.Ed25519PrivateKey) -> Response:
        raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return json_response(issuer.ed25519_key_document(url, self.base_url, raw))

    def on_ed25519_key(self, request: Request) -> Response:
        return self._ed25519_document(self.ed25519_key_url, self.ed25519_key)

    def on_unlisted_ed25519_key(self, request: Request) -> Response:
        return self._ed25519_document(
            f"{self.base_url}/.well-known/unlisted-ed25519-key.json", self.unlisted_ed25519_key
        )

    def on_mosip_context(self, request: Request) -> Response:
        return json_response(
            issuer.mosip_context(self.base_url, defines_vid=self.context_defines_vid)
        )

    def context_document(self, url: str) -> JSON:
        """What the signer loads for a context URL: its own context, or a published one."""
        if url == self.context_url:
            return issuer.mosip_context(self.base_url, defines_vid=self.context_defines_vid)
        document = issuer.published_context(url)
        if document is None:
            raise ValueError(f"the stand-in signer has no context {url}")
        return document

    # -- credentials -----------------------------------------------------------------------

    def build_credential(
        self,
        registration_id: str,
        process: str,
        fields: JSON,
        vid: str | None,
        tamper: Tamper | None = None,
    ) -> JSON:
        """A signed VC (the decrypted form); ``tamper`` makes its proof fail on purpose."""
        subject = issuer.credential_subject(
            registration_id, process, fields, vid, self.national_id_key
        )
        unsigned = issuer.unsigned_credential(self.base_url, subject)
        ed = self.proof == "Ed25519Signature2020"
        key: Any = self.ed25519_key if ed else self.signing_key
        method = self.verification_method_url
        if tamper == "signing_key":
            key = self.unlisted_ed25519_key if ed else self.unlisted_key
        elif tamper == "verification_method":
            key = self.unlisted_ed25519_key if ed else self.unlisted_key
            method = (
                f"{self.base_url}/.well-known/unlisted-ed25519-key.json"
                if ed
                else self.unlisted_key_url
            )
        if self.proof == "jcs":
            signed = crypto.sign_credential(unsigned, key, method, unsigned["issuanceDate"])
        else:
            signed = crypto.sign_ld_credential(
                unsigned,
                key,
                method,
                unsigned["issuanceDate"],
                self.context_document,
                algorithm="RS256" if self.proof == "RS256" else "PS256",
            )
        if tamper == "proof":
            issuer.tamper_content(signed)
        return signed

    def encrypt_credential(self, credential: JSON) -> str:
        plaintext = json.dumps(credential, separators=(",", ":")).encode()
        return crypto.encrypt_for_partner(
            plaintext, self.partner_cert, zero_thumbprint=self.zero_thumbprint
        )

    def issue_credential(
        self,
        registration_id: str,
        *,
        tamper: Tamper | None = None,
        process: str | None = None,
        fields: JSON | None = None,
        times: int | None = None,
        hub_signature: HubSignature = "valid",
    ) -> Issuance:
        """Build, sign, encrypt and deliver a credential to every verified CREDENTIAL_ISSUED
        subscriber, synchronously. ``process``/``fields`` default to the created packet's;
        ``times`` defaults to 2 when ``controls.duplicate_callbacks`` else 1."""
        with self._lock:
            packet = self.packets.get(registration_id, {})
            process = process or packet.get("process", issuer.BIRTH)
            fields = packet.get("fields", {}) if fields is None else fields
            vid = None
            if process == issuer.BIRTH:
                vid = self.issued.get(registration_id) or issuer.new_vid()
            elif process == issuer.UPDATE:  # the packet names the person by their VID
                vid = str(fields.get("VID") or fields.get("UIN") or "") or None
            self.issued[registration_id] = vid
        credential = self.build_credential(registration_id, process, fields, vid, tamper)
        event = issuer.callback_body(
            registration_id, self.encrypt_credential(credential), self.credential_type
        )
        body = json.dumps(event, separators=(",", ":")).encode()
        issuance = Issuance(registration_id, vid, credential, body)
        with self._lock:
            self.issuances.append(issuance)
        count = times if times is not None else (2 if self.controls.duplicate_callbacks else 1)
        with self._lock:
            drop = self.drop_credentials > 0 or self._chance(self.controls.credential_drop_rate)
            if drop:  # the hub's retries all failed: it gives up, nobody hears of it
                self.drop_credentials = max(self.drop_credentials - 1, 0)
                self.dropped.append(issuance)
                count = 0
        for _ in range(count):
            issuance.deliveries += self.hub.publish(issuer.TOPIC, body, hub_signature)
        return issuance

    def deliver(
        self,
        body: bytes | JSON,
        *,
        callback: str | None = None,
        secret: str | None = None,
        hub_signature: HubSignature = "valid",
        topic: str = issuer.TOPIC,
    ) -> list[Delivery]:
        """POST a (possibly hand-made) event to ``callback`` with ``secret``, or to every
        verified subscriber of ``topic`` with their own secrets."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        if callback is not None:
            return [self.hub.post(callback, topic, raw, secret, hub_signature)]
        return self.hub.publish(topic, raw, hub_signature)

    def wait_for_deliveries(self, count: int, timeout: float = 5.0) -> list[Delivery]:
        return self.hub.wait_for_deliveries(count, timeout)


# The processing step each stage that can fail a packet is recorded as.
STAGE_STEPS = {
    "packet validator": "VALIDATE_PACKET",
    "crvs_new route": "EXTERNAL_INTEGRATION",
    "UIN generation": "UIN_GENERATOR",
    "manual adjudication": "MANUAL_ADJUDICATION",
}


def _status_reply(found: list[JSON], errors: list[JSON]) -> Response:
    return json_response(
        {
            "id": "mosip.registration.external.status",
            "version": "1.0",
            "responsetime": iso_now(),
            "response": found,
            "errors": errors,
        }
    )


def _idrepo_reply(response: JSON | None, errors: list[JSON] | None) -> Response:
    return json_response(
        {
            "id": "mosip.id.read",
            "version": "v1",
            "responsetime": iso_now(),
            "metadata": None,
            "response": response,
            "errors": errors,
        }
    )


def _credential_request_reply(response: JSON | None, errors: list[JSON] | None) -> Response:
    return json_response(
        {
            "id": "mosip.credential.request.service.id",
            "version": "1.0",
            "responsetime": iso_now(),
            "metadata": None,
            "response": response,
            "errors": errors,
        }
    )


def _packet_problems(body: Any) -> list[str]:
    """Why MOSIP's packet writer would write nothing for this body (it reads the schema's
    properties.identity.properties, each with a $ref or a type, and the schemaVersion as
    a number, to lay out the packet)."""
    packet = body.get("request") if isinstance(body, dict) else None
    if not isinstance(packet, dict):
        return ["request must be an object"]
    problems = [
        f"request.{key} must be a non-empty string"
        for key in ("id", "refId", "process", "source", "schemaVersion")
        if not isinstance(packet.get(key), str) or not packet[key].strip()
    ]
    try:
        float(packet.get("schemaVersion"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        problems.append("request.schemaVersion must be a number")
    if not isinstance(packet.get("fields"), dict):
        problems.append("request.fields must be an object")
    try:
        schema = json.loads(packet.get("schemaJson"))  # type: ignore[arg-type]
        props = schema["properties"]["identity"]["properties"]
        if not isinstance(props, dict) or not all(
            isinstance(p, dict) and ("$ref" in p or "type" in p) for p in props.values()
        ):
            raise ValueError
    except (TypeError, ValueError, KeyError):
        problems.append("request.schemaJson must be an ID schema as a JSON string")
    return problems


def _packet_infos(packet: JSON) -> list[JSON]:
    reg_id, now = packet["id"], iso_now()
    try:  # MOSIP reads schemaVersion as a number: "0.100" comes back as "0.1"
        version = str(float(packet["schemaVersion"]))
    except ValueError:
        version = packet["schemaVersion"]
    digest = hashlib.sha256(json.dumps(packet["fields"], sort_keys=True).encode()).digest()
    return [
        {
            "id": reg_id,
            "packetName": f"{reg_id}_{kind}",
            "source": packet["source"],
            "process": packet["process"],
            "refId": reg_id,
            "schemaVersion": version,
            "signature": crypto.b64url(os.urandom(256)),
            "encryptedHash": crypto.b64url(hashlib.sha256(digest + kind.encode()).digest()),
            "providerName": "PacketWriterImpl",
            "providerVersion": "v1.0",
            "creationDate": now,
        }
        for kind in ("evidence", "optional", "id")
    ]


def _packet_reply(response: list[JSON] | None, errors: list[JSON]) -> Response:
    return json_response(
        {
            "id": "mosip.registration.packet.writer",
            "version": "v1",
            "responsetime": iso_now(),
            "metadata": None,
            "response": response,
            "errors": errors,
        }
    )


def _packet_reader_reply(response: JSON | None, errors: list[JSON] | None) -> Response:
    return json_response(
        {
            "id": "mosip.registration.packet.reader",
            "version": "v1",
            "responsetime": iso_now(),
            "metadata": None,
            "response": response,
            "errors": errors,
        }
    )


def _masterdata_reply(response: JSON | None, errors: list[JSON] | None) -> Response:
    return json_response(
        {
            "id": None,
            "version": "v1",
            "responsetime": iso_now(),
            "metadata": None,
            "response": response,
            "errors": errors,
        }
    )


def _workflow_reply(response: JSON | None, errors: list[JSON] | None) -> Response:
    return json_response(
        {
            "id": WORKFLOW_ID,
            "version": "v1",
            "responsetime": iso_now(),
            "response": response,
            "errors": errors,
        }
    )
