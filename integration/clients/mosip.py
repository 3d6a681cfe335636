"""The MOSIP client: auth token, create packet, start workflow, WebSub subscription, the
registration processor's status, the ID repository and the credential request generator.

Every MOSIP call carries the auth manager's token as the cookie `Authorization=<token>`.
Tokens are JWTs; one is reused until shortly before it expires (the reference asked
for a new one per record).
"""

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests
from django.core.cache import cache

from integration import app_settings
from integration.clients import token_cache
from integration.clients.http import RemoteError, origin, raise_for_status, recorded_call, send
from integration.models import MosipSettings, Submission
from integration.models.submission import Step
from integration.reasons import Reason
from integration.redaction import redact

TOKEN_SAFETY_MARGIN_SECONDS = 60
TOKEN_FALLBACK_TTL_SECONDS = 300  # for a token that is not a JWT we can read `exp` from
EXTERNAL_STATUS_PATH = "/registrationprocessor/v1/registrationstatus/externalstatus/search"
TRANSACTION_SEARCH_PATH = "/registrationprocessor/v1/registrationtransaction/search/"
IDENTITY_PATH = "/idrepository/v1/identity/idvid/"
CREDENTIAL_REQUEST_PATH = "/v1/credentialrequest/requestgenerator"
CREDENTIAL_STATUS_PATH = "/v1/credentialrequest/get/"
RID_NOT_FOUND = "RPR-RGS-031"  # RPR_RGS_RID_NOT_FOUND: the processor never heard of it
# What MOSIP's packet manager answers /info with when its object store has nothing under
# the id: OBJECT_DOESNOT_EXISTS, and the packet keeper's PACKET_NOT_FOUND.
PACKET_ABSENT_CODES = ("KER-PUT-027", "KER-KPM-010")


@dataclass
class Packet:
    """What goes into one MOSIP packet, apart from the connection settings."""

    transaction_id: str
    process: str
    fields: dict
    meta_info: dict
    audits: list
    notification: dict
    defaulted: list[str] = field(default_factory=list)  # fields filled from a profile default
    from_declaration: list[str] = field(default_factory=list)  # read from OpenCRVS's declaration
    schema_json: str = ""  # the ID schema sent with the packet; default: the configured one


def request_time() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _token_cache_key(auth_url: str, client_id: str) -> str:
    return "mosip-token:" + hashlib.sha256(f"{auth_url}|{client_id}".encode()).hexdigest()


# This process's copies of the tokens in the shared cache: token and until when (monotonic).
# Why: without them every MOSIP call reads and decrypts the token from Redis (a round trip
# each), and an emptied or restarting cache makes the process authenticate again although
# it holds a valid token. tests/e2e/test_fast_paths.py pins one auth call for many deliveries.
_tokens_here: dict[str, tuple[str, float]] = {}


def _keep_here(key: str, token: str, ttl: float) -> None:
    # For as long as its cache entry lives, and at most 5 minutes: a delivery asks twice,
    # and every worker thread asks again.
    _tokens_here[key] = (token, time.monotonic() + min(ttl, 300.0))


def forget_tokens_here() -> None:
    """Drop this process's copies (tests: as a freshly started process)."""
    _tokens_here.clear()


def _token_ttl(token: str) -> float:
    try:
        # Our own credential from MOSIP: we only read its expiry, we don't trust it.
        exp = token_cache.unverified_claims(token)["exp"]
    except (ValueError, KeyError, TypeError):
        return TOKEN_FALLBACK_TTL_SECONDS
    return float(exp) - time.time() - TOKEN_SAFETY_MARGIN_SECONDS


def _mosip_errors(response: requests.Response, what: str) -> dict:
    """Parse a MOSIP JSON reply; a non-empty `errors` inside a 200 is a failure."""
    try:
        body = response.json()
    except ValueError as exc:
        raise RemoteError(Reason("remote_not_json", system=what), retriable=True) from exc
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors:
        described = "; ".join(
            f"{e.get('errorCode', '?')}: {e.get('message', '')}" if isinstance(e, dict) else str(e)
            for e in errors
        )
        refused = Reason("remote_refused", system=what, verbatim=redact(described), source=what)
        raise RemoteError(refused, retriable=False)
    return body


class MosipClient:
    def __init__(self, config: MosipSettings | None = None):
        self.config = config or MosipSettings.load()

    # --- auth ---------------------------------------------------------------------------
    def auth_token(self, client_id: str, secret: str, submission: Submission | None = None) -> str:
        key = _token_cache_key(self.config.auth_url, client_id)
        kept = _tokens_here.get(key)
        if kept and kept[1] > time.monotonic():
            return kept[0]
        token = token_cache.get(key)
        if token:
            _keep_here(key, token, _token_ttl(token))
            return token
        body = {
            "id": "string",
            "version": "string",
            "requesttime": request_time(),
            "metadata": {},
            "request": {"clientId": client_id, "secretKey": secret, "appId": self.config.app_id},
        }
        with recorded_call(Step.AUTH, self.config.auth_url, submission) as call:
            call.response = send("POST", self.config.auth_url, what="MOSIP auth", json=body)
            raise_for_status(call.response, "MOSIP auth")
            token = call.response.cookies.get("Authorization")
            if not token:
                _mosip_errors(call.response, "MOSIP auth")
                raise RemoteError(Reason("mosip_no_cookie"), retriable=False)
        ttl = _token_ttl(token)
        if ttl > 0:
            token_cache.put(key, token, ttl)
            _keep_here(key, token, ttl)
        return token

    def forget_token(self, client_id: str) -> None:
        key = _token_cache_key(self.config.auth_url, client_id)
        _tokens_here.pop(key, None)
        token_cache.delete(key)

    def _packet_token(self, submission: Submission | None) -> str:
        return self.auth_token(
            self.config.packet_client_id, self.config.packet_client_secret, submission
        )

    def _call(self, step: str, method: str, url: str, body: dict, submission: Submission) -> dict:
        cookies = {"Authorization": self._packet_token(submission)}
        with recorded_call(step, url, submission) as call:
            call.response = send(
                method, url, what=f"MOSIP {Step(step).label.lower()}", json=body, cookies=cookies
            )
            if call.response.status_code == 401:
                # A revoked or expired token: ask for a new one on the next try.
                self.forget_token(self.config.packet_client_id)
                raise RemoteError(Reason("mosip_token_refused"), retriable=True, http_status=401)
            raise_for_status(call.response, f"MOSIP {Step(step).label.lower()}")
            return _mosip_errors(call.response, f"MOSIP {Step(step).label.lower()}")

    # --- packets --------------------------------------------------------------------------
    def create_packet(self, packet: Packet, submission: Submission) -> dict:
        config = self.config
        body = {
            "id": "string",
            "version": "string",
            "requesttime": request_time(),
            "request": {
                "id": packet.transaction_id,
                "refId": f"{config.center_id}_{config.machine_id}",
                "offlineMode": False,
                "process": packet.process,
                "source": config.source,
                "schemaVersion": config.schema_version,
                "fields": packet.fields,
                "metaInfo": packet.meta_info,
                "audits": packet.audits,
                "schemaJson": packet.schema_json or json.dumps(config.id_schema_in_force()),
            },
        }
        reply = self._call(Step.CREATE_PACKET, "PUT", config.create_packet_url, body, submission)
        if not reply.get("response"):
            # MOSIP's packet writer logs why it wrote nothing and still answers 200 with no
            # packet infos and no error; starting the workflow would fail later, unseen.
            raise RemoteError(Reason("packet_not_written"), retriable=True)
        return reply

    def packet_info_url(self) -> str:
        """The packet manager's /info, beside its /createPacket (both under
        /commons/v1/packetmanager)."""
        return self.config.create_packet_url.rstrip("/").rpartition("/")[0] + "/info"

    def packet_exists(self, submission: Submission) -> bool:
        """Whether MOSIP's packet manager holds a packet under the record's transaction id
        (POST /info: the sources and processes stored under an id). Asked before sending
        createPacket again for an id a call already went out for: the packet writer does
        not refuse a second call, it writes the packet over the first one, and the
        registration processor does not know a packet before its workflow starts. An
        answer that says neither raises a retriable RemoteError: nothing is sent blind."""
        url = self.packet_info_url()
        body = {
            "id": "string",
            "version": "v1",
            "requesttime": request_time(),
            "request": {"id": submission.transaction_id},
        }
        reply = self._read(Step.PACKET_INFO, "POST", url, submission, body)
        what = f"MOSIP {Step.PACKET_INFO.label.lower()}"
        errors = [e for e in reply.get("errors") or [] if isinstance(e, dict)]
        if errors:
            if all(e.get("errorCode") in PACKET_ABSENT_CODES for e in errors):
                return False
            said = "; ".join(f"{e.get('errorCode')}: {e.get('message') or ''}" for e in errors)
            refused = Reason("remote_refused", system=what, verbatim=redact(said), source=what)
            raise RemoteError(refused, retriable=True)
        found = reply.get("response")
        if not isinstance(found, dict) or not isinstance(found.get("info"), list):
            raise RemoteError(Reason("remote_no_json_object", system=what), retriable=True)
        return bool(found["info"])

    def start_workflow(self, packet: Packet, submission: Submission) -> str:
        body = {
            "id": "mosip.registration.processor.workflow.instance",
            "requesttime": request_time(),
            "version": "v1",
            "request": {
                "registrationId": packet.transaction_id,
                "process": packet.process,
                "source": self.config.source,
                "additionalInfoReqId": "",
                "notificationInfo": packet.notification,
            },
        }
        reply = self._call(Step.START_WORKFLOW, "POST", self.config.process_url, body, submission)
        return str((reply.get("response") or {}).get("workflowInstanceId", ""))

    # --- the registration processor's status, the ID repository, credential requests ------
    def gateway_url(self) -> str:
        """MOSIP's internal API gateway, where the registration processor, the ID
        repository and the credential request generator answer: the setting, else the
        workflow URL's host (the same gateway serves it)."""
        configured = app_settings.MOSIP_GATEWAY_URL
        return configured or origin(self.config.process_url or self.config.create_packet_url)

    def _read(
        self, step: str, method: str, url: str, submission: Submission | None, body=None
    ) -> dict:
        """One authenticated call whose `errors` the caller reads itself (an unknown
        registration id is an answer here, not a failure)."""
        cookies = {"Authorization": self._packet_token(submission)}
        what = f"MOSIP {Step(step).label.lower()}"
        with recorded_call(step, url, submission) as call:
            call.response = send(method, url, what=what, json=body, cookies=cookies)
            if call.response.status_code == 401:
                self.forget_token(self.config.packet_client_id)
                raise RemoteError(Reason("mosip_token_refused"), retriable=True, http_status=401)
            raise_for_status(call.response, what)
            try:
                reply = call.response.json()
            except ValueError as exc:
                raise RemoteError(Reason("remote_no_json", system=what), retriable=True) from exc
            if not isinstance(reply, dict):
                raise RemoteError(Reason("remote_no_json_object", system=what), retriable=True)
            return reply

    def registration_statuses(self, registration_ids: list[str]) -> dict[str, str | None]:
        """MOSIP's external status of each packet (PROCESSING, PROCESSED, UIN_GENERATED,
        REJECTED, REREGISTER, RESEND ...), None for one its registration processor does
        not know (RPR-RGS-031). The external search, never the plain one: that one
        reports a rejected packet as PROCESSED. At most 100 ids a call."""
        assert len(registration_ids) <= 100  # noqa: S101 - the caller batches
        url = self.gateway_url() + EXTERNAL_STATUS_PATH
        body = {
            "id": "mosip.registration.external.status",
            "version": "1.0",
            "requesttime": request_time(),
            "request": [{"registrationId": rid} for rid in registration_ids],
        }
        reply = self._read(Step.MOSIP_STATUS, "POST", url, None, body)
        found: dict[str, str | None] = {}
        for error in reply.get("errors") or []:
            if isinstance(error, dict) and error.get("errorCode") == RID_NOT_FOUND:
                found[str(error.get("registrationId", ""))] = None
            elif isinstance(error, dict) and error.get("errorCode"):
                said = f"{error.get('errorCode')}: {error.get('message', '')}"
                refused = Reason(
                    "remote_refused",
                    system="MOSIP status search",
                    verbatim=redact(said),
                    source="MOSIP status search",
                )
                raise RemoteError(refused, retriable=False)
        for row in reply.get("response") or []:
            if isinstance(row, dict) and row.get("registrationId"):
                found[str(row["registrationId"])] = str(row.get("statusCode") or "")
        return found

    def processing_steps(self, submission: Submission) -> list[dict]:
        """The registration processor's steps for the packet, oldest first (each
        `transactionTypeCode`, `statusCode`, `subStatusCode`, `statusComment`); empty when
        it has none (RPR-RTS-001)."""
        url = f"{self.gateway_url()}{TRANSACTION_SEARCH_PATH}{submission.transaction_id}"
        reply = self._read(Step.MOSIP_TRANSACTIONS, "GET", url, submission)
        steps = [row for row in reply.get("response") or [] if isinstance(row, dict)]
        return sorted(steps, key=lambda row: str(row.get("createdDateTimes") or ""))

    def uin_of(self, submission: Submission) -> str:
        """The UIN MOSIP's ID repository holds for the packet's registration id."""
        url = f"{self.gateway_url()}{IDENTITY_PATH}{submission.transaction_id}"
        cookies = {"Authorization": self._packet_token(submission)}
        with recorded_call(Step.IDENTITY, url, submission) as call:
            call.response = send(
                "GET", url, what="MOSIP ID repository", cookies=cookies,
                params={"idType": "ID", "type": "demo"},
            )  # fmt: skip
            raise_for_status(call.response, "MOSIP ID repository")
            body = _mosip_errors(call.response, "MOSIP ID repository")
            identity = (body.get("response") or {}).get("identity") or {}
            uin = str(identity.get("UIN") or "")
            if not uin:
                raise RemoteError(Reason("no_uin"), retriable=True)
        return uin

    def request_credential(self, submission: Submission, uin: str) -> str:
        """Ask MOSIP's credential request generator to issue the credential again, to the
        partner whose WebSub subscription brings it here. Answers MOSIP's request id."""
        url = self.gateway_url() + CREDENTIAL_REQUEST_PATH
        body = {
            "id": "mosip.credential.request.service.id",
            "version": "1.0",
            "requesttime": request_time(),
            "request": {
                "id": uin,
                "credentialType": app_settings.MOSIP_CREDENTIAL_TYPE,
                "issuer": app_settings.MOSIP_CREDENTIAL_PARTNER,
                "recepiant": app_settings.MOSIP_CREDENTIAL_PARTNER,  # sic, MOSIP's name
                "user": self.config.packet_client_id,
                "encrypt": False,
                "encryptionKey": "",
                "sharableAttributes": [],
                "additionalData": {"registrationId": submission.transaction_id},
            },
        }
        reply = self._call(Step.CREDENTIAL_REQUEST, "POST", url, body, submission)
        request_id = str((reply.get("response") or {}).get("requestId") or "")
        if not request_id:
            raise RemoteError(Reason("no_request_id"), retriable=True)
        return request_id

    def credential_request_status(self, submission: Submission, request_id: str) -> str:
        """What MOSIP's credential request generator says of a request (NEW, ISSUED,
        FAILED ...)."""
        url = f"{self.gateway_url()}{CREDENTIAL_STATUS_PATH}{request_id}"
        cookies = {"Authorization": self._packet_token(submission)}
        with recorded_call(Step.CREDENTIAL_REQUEST, url, submission) as call:
            call.response = send("GET", url, what="MOSIP credential request", cookies=cookies)
            raise_for_status(call.response, "MOSIP credential request")
            body = _mosip_errors(call.response, "MOSIP credential request")
        return str((body.get("response") or {}).get("statusCode") or "")

    # --- masterdata ---------------------------------------------------------------------------
    def masterdata_url(self) -> str:
        """Where MOSIP's masterdata answers: the setting, else the create-packet URL's
        host (MOSIP's internal API gateway serves both) with /v1/masterdata."""
        if self.config.masterdata_url:
            return self.config.masterdata_url.rstrip("/")
        if self.config.create_packet_url:
            return origin(self.config.create_packet_url) + "/v1/masterdata"
        return ""

    def id_schema(self, version: str) -> dict:
        """The ID schema MOSIP validates packets of this IDSchemaVersion against
        (`GET idschema/latest?schemaVersion=`: the schema is `response.schemaJson`, a
        JSON string). RemoteError when MOSIP cannot be asked or has none."""
        url = f"{self.masterdata_url()}/idschema/latest"
        cookies = {"Authorization": self._packet_token(None)}
        with recorded_call(Step.ID_SCHEMA, url, None) as call:
            call.response = send(
                "GET",
                url,
                what="MOSIP masterdata",
                params={"schemaVersion": version},
                cookies=cookies,
            )
            if call.response.status_code == 401:
                self.forget_token(self.config.packet_client_id)
            raise_for_status(call.response, "MOSIP masterdata")
            body = _mosip_errors(call.response, "MOSIP masterdata")
            text = (body.get("response") or {}).get("schemaJson")
            try:
                schema = json.loads(text) if isinstance(text, str) else None
            except ValueError:
                schema = None
            if not isinstance(schema, dict):
                raise RemoteError(Reason("no_schema_json"), retriable=True)
        return schema

    # --- WebSub -----------------------------------------------------------------------------
    def subscribe(
        self, mode: str = "subscribe", topic: str | None = None, callback: str | None = None
    ) -> None:
        """(Un)subscribe a callback to a topic of the hub: by default the credential
        topic's; the workflow topic's goes to the same hub with the same secret."""
        config = self.config
        token = self.auth_token(config.websub_client_id, config.websub_client_secret)
        form = {
            "hub.mode": mode,
            "hub.topic": topic or config.websub_topic,
            "hub.callback": callback or config.websub_callback_url,
        }
        if config.websub_secret:
            form["hub.secret"] = config.websub_secret
        with recorded_call("websub_" + mode, config.websub_hub_url, None) as call:
            call.response = send(
                "POST",
                config.websub_hub_url,
                what="MOSIP WebSub hub",
                data=form,
                cookies={"Authorization": token},
            )
            raise_for_status(call.response, "MOSIP WebSub hub")

    def fetch_document(self, url: str, what: str) -> dict:
        """A public JSON document a credential proof needs (a verification method's key
        document, a DID document, MOSIP's JSON-LD context), cached for an hour. Callers
        check the URL against their allowlist first."""
        cache_key = "vc-doc:" + hashlib.sha256(url.encode()).hexdigest()
        document = cache.get(cache_key)
        if isinstance(document, dict):
            return document
        with recorded_call(Step.CREDENTIAL, url, None) as call:
            # No redirects (send follows none): the allowlist names the exact documents.
            call.response = send(
                "GET",
                url,
                what=f"the {what}",
                headers={"Accept": "application/ld+json, application/json"},
            )
            raise_for_status(call.response, f"the {what}")
            try:
                document = call.response.json()
            except ValueError as exc:
                not_json = Reason("document_not_json", what=what, url=url)
                raise RemoteError(not_json, retriable=True) from exc
            if not isinstance(document, dict):
                not_object = Reason("document_not_object", what=what, url=url)
                raise RemoteError(not_object, retriable=False)
        cache.set(cache_key, document, 3600)
        return document
