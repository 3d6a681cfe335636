"""The OpenCRVS client: the auth service's public key, and the gateway's tRPC actions
that confirm (`register.accept`) or reject a record with its single-record token."""

import uuid

import requests

from integration.clients.http import RemoteError, raise_for_status, recorded_call, send
from integration.models import OpenCrvsSettings, Submission
from integration.models.submission import Step

ACCEPT_PROCEDURE = "event.actions.register.accept"
REJECT_PROCEDURE = "event.actions.register.reject"


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


class OpenCrvsClient:
    def __init__(self, config: OpenCrvsSettings | None = None):
        self.config = config or OpenCrvsSettings.load()

    def _mutate(self, step: str, procedure: str, payload: dict, submission: Submission) -> dict:
        url = f"{self.config.gateway_url.rstrip('/')}/events/{procedure}?batch=1"
        body = {
            "0": {
                "json": {
                    "transactionId": f"mosip-interop-{uuid.uuid4()}",
                    "eventId": submission.event_id,
                    "actionId": submission.action_id,
                    **payload,
                }
            }
        }
        headers = {"Authorization": f"Bearer {submission.token}"}
        with recorded_call(step, url, submission) as call:
            call.response = send("POST", url, what="OpenCRVS gateway", json=body, headers=headers)
            status = call.response.status_code
            error = _trpc_error(call.response)
            if status in (401, 403):
                raise TokenRejected(
                    f"OpenCRVS refused the record's token: {error or status}",
                    retriable=False,
                    http_status=status,
                )
            raise_for_status(call.response, "OpenCRVS gateway")
            if error:
                raise RemoteError(f"OpenCRVS refused: {error}", retriable=False, http_status=status)
            try:
                return call.response.json()
            except ValueError as exc:
                raise RemoteError(
                    "the OpenCRVS gateway answered something that is not JSON", retriable=True
                ) from exc

    def accept(self, submission: Submission, declaration: dict) -> dict:
        payload = {"registrationNumber": submission.certificate_number, "declaration": declaration}
        return self._mutate(Step.CONFIRM, ACCEPT_PROCEDURE, payload, submission)

    def reject(self, submission: Submission) -> dict:
        """Core 1.9's `register.reject` takes only the ids: OpenCRVS records no reason
        (staff's reason stays in the portal's audit log)."""
        return self._mutate(Step.REJECT, REJECT_PROCEDURE, {}, submission)


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
            raise RemoteError("OpenCRVS auth gave no access_token", retriable=False) from exc

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
