"""The OpenCRVS client: the auth service's public key, and the gateway's tRPC procedures:
`event.get` (the event and its pending action) and the actions that confirm
(`register.accept`, `correction.approve.accept`) or reject a record. Each call takes an
action-confirmation token: the record's own, or one made for the integration's system
client (`integration.clients.opencrvs_auth`)."""

import json
import uuid

import requests

from integration.clients.http import RemoteError, raise_for_status, recorded_call, send
from integration.models import OpenCrvsSettings, Submission
from integration.models.submission import Step
from integration.reasons import Reason

ACCEPT_PROCEDURE = "event.actions.register.accept"
REJECT_PROCEDURE = "event.actions.register.reject"
CORRECTION_ACCEPT_PROCEDURE = "event.actions.correction.approve.accept"
CORRECTION_REJECT_PROCEDURE = "event.actions.correction.approve.reject"
GET_PROCEDURE = "event.get"
# OpenCRVS action types (ActionType in opencrvs-core) the portal confirms.
REGISTER, APPROVE_CORRECTION = "REGISTER", "APPROVE_CORRECTION"


class TokenRejected(RemoteError):
    """OpenCRVS no longer accepts the record's token (expired or revoked)."""


def fetch_public_key(url: str) -> str:
    # Short timeouts: requests wait for this key (see services/record_token.py).
    response = send("GET", url, what="the OpenCRVS public key", timeout=(3, 5))
    raise_for_status(response, "the OpenCRVS public key")
    return response.text


def _trpc_error(response: requests.Response) -> str | None:
    """tRPC answers a batch with a list; an entry with `error` is a failure."""
    try:
        entries = response.json()
    except ValueError:
        return None
    entry = entries[0] if isinstance(entries, list) and entries else entries
    if isinstance(entry, dict) and "error" in entry:
        error = (entry["error"] or {}).get("json") or {}
        data = error.get("data") if isinstance(error.get("data"), dict) else {}
        # tRPC puts the numeric code in `code` and its name in `data.code`.
        code = data.get("code") or error.get("code") or "?"
        return f"{error.get('message', 'error')} ({code})"
    return None


def pending_action(event: dict) -> dict | None:
    """The event's pending action, as opencrvs-core's `getPendingAction` finds it: the
    `Requested` action no `Accepted`/`Rejected` action names as `originalActionId`.
    None when there is none; more than one is an answer the portal cannot act on."""
    actions = [a for a in event.get("actions") or [] if isinstance(a, dict)]
    settled = {
        a.get("originalActionId") for a in actions if a.get("status") in ("Accepted", "Rejected")
    }
    pending = [a for a in actions if a.get("status") == "Requested" and a.get("id") not in settled]
    if len(pending) > 1:
        ids = ", ".join(str(a.get("id")) for a in pending)
        raise RemoteError(Reason("opencrvs_pending_actions", ids=ids), retriable=False)
    return pending[0] if pending else None


def _data(response: requests.Response) -> dict:
    """The result of a one-call tRPC batch (`[{"result": {"data": {"json": ...}}}]`)."""
    try:
        entries = response.json()
        entry = entries[0] if isinstance(entries, list) else entries
        return entry["result"]["data"]["json"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise RemoteError(Reason("opencrvs_not_trpc"), retriable=True) from exc


class OpenCrvsClient:
    def __init__(self, config: OpenCrvsSettings | None = None):
        self.config = config or OpenCrvsSettings.load()

    def _url(self, procedure: str) -> str:
        return f"{self.config.gateway_url.rstrip('/')}/events/{procedure}?batch=1"

    def _checked(self, call, token_kind: str) -> dict:
        status = call.response.status_code
        error = _trpc_error(call.response)
        if status in (401, 403):
            said = error or str(status)
            raise TokenRejected(
                Reason(
                    "opencrvs_token_refused", token=token_kind, verbatim=said, source="OpenCRVS"
                ),
                retriable=False,
                http_status=status,
            )
        raise_for_status(call.response, "OpenCRVS gateway")
        if error:
            refused = Reason("opencrvs_refused", verbatim=error, source="OpenCRVS")
            raise RemoteError(refused, retriable=False, http_status=status)
        return _data(call.response)

    def get_event(self, event_id: str, token: str, submission: Submission) -> dict:
        """`event.get`: the EventDocument with every action (a tRPC query, so a GET)."""
        url = self._url(GET_PROCEDURE)
        query = json.dumps({"0": {"json": {"eventId": event_id}}}, separators=(",", ":"))
        headers = {"Authorization": f"Bearer {token}"}
        with recorded_call(Step.LOOKUP, url, submission) as call:
            call.response = send(
                "GET", url, what="OpenCRVS gateway", params={"input": query}, headers=headers
            )
            return self._checked(call, "the token for the event look-up")

    def search_events(self, query: dict, token: str, *, limit: int, offset: int = 0) -> dict:
        """The events service's REST `POST /events/search` (through the gateway's
        `/events/` proxy): `{"results": [EventIndex, ...], "total": n}`. Needs the
        `record.search` scope (1.9.15: the legacy `recordsearch`)."""
        url = f"{self.config.gateway_url.rstrip('/')}/events/events/search"
        body = {"query": query, "limit": limit, "offset": offset}
        headers = {"Authorization": f"Bearer {token}"}
        with recorded_call(Step.LOOKUP, url, None) as call:
            call.response = send("POST", url, what="OpenCRVS search", json=body, headers=headers)
            status = call.response.status_code
            if status in (401, 403):
                raise TokenRejected(
                    Reason("opencrvs_search_refused", status=status),
                    retriable=False,
                    http_status=status,
                )
            raise_for_status(call.response, "OpenCRVS search")
            try:
                found = call.response.json()
                results, total = found["results"], int(found["total"])
            except (ValueError, KeyError, TypeError) as exc:
                raise RemoteError(Reason("opencrvs_no_results"), retriable=True) from exc
            return {"results": [r for r in results if isinstance(r, dict)], "total": total}

    def _mutate(
        self,
        step: str,
        procedure: str,
        payload: dict,
        submission: Submission,
        token: str | None = None,
        action_id: str | None = None,
    ) -> dict:
        """A confirming procedure for `action_id` (default: the record's own action),
        with `token` (default: the record's own single-record token)."""
        url = self._url(procedure)
        body = {
            "0": {
                "json": {
                    "transactionId": f"mosip-interop-{uuid.uuid4()}",
                    "eventId": submission.event_id,
                    "actionId": action_id or submission.action_id,
                    **payload,
                }
            }
        }
        kind = "the record's token" if token is None else "the system client's token"
        headers = {"Authorization": f"Bearer {token or submission.token}"}
        with recorded_call(step, url, submission) as call:
            call.response = send("POST", url, what="OpenCRVS gateway", json=body, headers=headers)
            return self._checked(call, kind)

    def accept(
        self,
        submission: Submission,
        declaration: dict,
        *,
        token: str | None = None,
        action_id: str | None = None,
    ) -> dict:
        payload = {"registrationNumber": submission.certificate_number, "declaration": declaration}
        return self._mutate(Step.CONFIRM, ACCEPT_PROCEDURE, payload, submission, token, action_id)

    def accept_correction(
        self,
        submission: Submission,
        declaration: dict,
        request_id: str,
        *,
        token: str | None = None,
        action_id: str | None = None,
    ) -> dict:
        """`correction.approve.accept`: MOSIP updated the person; the approval stands."""
        payload = {"requestId": request_id, "declaration": declaration}
        procedure = CORRECTION_ACCEPT_PROCEDURE
        return self._mutate(Step.CONFIRM, procedure, payload, submission, token, action_id)

    def reject(
        self,
        submission: Submission,
        *,
        token: str | None = None,
        action_id: str | None = None,
    ) -> dict:
        """Core's `reject` takes only the ids: OpenCRVS records no reason (staff's reason
        stays in the portal's audit log)."""
        procedure = CORRECTION_REJECT_PROCEDURE if submission.is_correction else REJECT_PROCEDURE
        return self._mutate(Step.REJECT, procedure, {}, submission, token, action_id)


class WebhooksClient:
    """OpenCRVS core's webhooks API (<= 1.9), with the system client's credentials."""

    def __init__(self, config: OpenCrvsSettings | None = None):
        self.config = config or OpenCrvsSettings.load()

    def _token(self) -> str:
        url = f"{self.config.auth_url.rstrip('/')}/token"
        params = {
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
            "grant_type": "client_credentials",
        }
        response = send("POST", url, what="OpenCRVS auth", params=params)
        raise_for_status(response, "OpenCRVS auth")
        try:
            return response.json()["access_token"]
        except (ValueError, KeyError) as exc:
            raise RemoteError(Reason("opencrvs_no_token"), retriable=False) from exc

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        url = f"{self.config.webhooks_url.rstrip('/')}/webhooks{path}"
        headers = {"Authorization": f"Bearer {self._token()}"}
        response = send(method, url, what="OpenCRVS webhooks API", headers=headers, **kwargs)
        raise_for_status(response, "OpenCRVS webhooks API")
        return response

    def subscribe(self, topic: str) -> None:
        hub = {
            "callback": self.config.webhook_callback_url,
            "mode": "subscribe",
            "topic": topic,
            "secret": self.config.webhook_secret,
        }
        self._call("POST", "", json={"hub": hub})

    def list(self) -> list[dict]:
        body = self._call("GET", "").json()
        return body if isinstance(body, list) else body.get("entries", body.get("data", []))

    def unsubscribe(self, webhook_id: str) -> None:
        self._call("DELETE", f"/{webhook_id}")
