"""The E-Signet client: code-for-token exchange with a private-key JWT client assertion,
the user info, and the key documents its answers are checked with
(docs/protocols.md#esignet-userinfo)."""

import base64
import binascii
import json
import time
import uuid
from dataclasses import dataclass

import requests
from django.utils.translation import gettext_lazy as _
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from integration.clients.http import RETRIABLE_STATUSES, RemoteError, send
from integration.models import EsignetSettings
from integration.reasons import Reason, StaffReadableError

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME_SECONDS = 3600
ALGORITHM = "RS256"  # pinned for the client assertion we sign


@dataclass(frozen=True)
class TokenAnswer:
    access_token: str
    id_token: str | None  # E-Signet always sends one; OpenCRVS's mock does not


class EsignetRefused(RemoteError):
    """E-Signet's token endpoint said no; `error` is the OAuth error code."""

    def __init__(self, error: str, description: str, http_status: int):
        # E-Signet's description is its own words: quoted, never translated.
        message = Reason(
            "esignet_token_refused",
            error=error,
            verbatim=description[:200],
            source="E-Signet token endpoint",
        )
        super().__init__(message, retriable=False, http_status=http_status)
        self.error = error


def load_client_jwk(text: str) -> RSAKey:
    """The client's RSA private JWK, given as JSON or as base64 of the JSON."""
    text = text.strip()
    try:
        if not text.startswith("{"):
            text = base64.b64decode(text, validate=True).decode()
        data = json.loads(text)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise StaffReadableError(_("the client key is neither JWK JSON nor base64 of it")) from exc
    if not isinstance(data, dict) or data.get("kty") != "RSA" or "d" not in data:
        raise StaffReadableError(_("the client key is not an RSA private JWK"))
    try:
        return RSAKey.import_key(data)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise StaffReadableError(
            _("the client key cannot be loaded: %(error)s"), error=exc
        ) from exc


def _error_of(response: requests.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("error") or ""), str(body.get("error_description") or "")


class EsignetClient:
    def __init__(self, config: EsignetSettings | None = None):
        self.config = config or EsignetSettings.load()

    def client_assertion(self, client_id: str) -> str:
        key = load_client_jwk(self.config.client_private_jwk)
        now = int(time.time())
        claims = {
            "iss": client_id,
            "sub": client_id,
            "aud": self.config.token_url,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_SECONDS,
            "jti": str(uuid.uuid4()),
        }
        header = {"alg": ALGORITHM, **({"kid": key.kid} if key.kid else {})}
        return jwt.encode(header, claims, key, algorithms=[ALGORITHM])

    def exchange_code(self, code: str, client_id: str, redirect_uri: str) -> "TokenAnswer":
        """Trade the authorisation code for an access token (and E-Signet's ID token)."""
        form = {
            "code": code,
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "grant_type": "authorization_code",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.client_assertion(client_id),
        }
        response = self._call("token", "post", self.config.token_url, data=form)
        if response.status_code in (400, 401):
            error, description = _error_of(response)
            raise EsignetRefused(error or "invalid_request", description, response.status_code)
        _raise_for_status(response, "token")
        try:
            body = response.json()
        except ValueError:
            body = None
        body = body if isinstance(body, dict) else {}
        token, id_token = body.get("access_token"), body.get("id_token")
        if not isinstance(token, str) or not token:
            raise RemoteError(Reason("esignet_no_token"), retriable=False, http_status=200)
        return TokenAnswer(token, id_token if isinstance(id_token, str) and id_token else None)

    def user_info(self, access_token: str) -> str:
        """The user-info answer as text: a compact JWS, or a JWE around one."""
        headers = {"Authorization": f"Bearer {access_token}"}
        response = self._call("user info", "get", self.config.userinfo_url, headers=headers)
        _raise_for_status(response, "user info")
        return response.text.strip()

    def key_document(self, url: str, what: str) -> object:
        """A published key document (JWK set or MOSIP certificate list) as JSON."""
        response = self._call(what, "get", url)
        _raise_for_status(response, what)
        try:
            return response.json()
        except ValueError as exc:
            raise RemoteError(
                Reason("remote_document_not_json", system=f"E-Signet {what}", url=url),
                retriable=False,
                http_status=200,
            ) from exc

    def _call(self, what: str, method: str, url: str, **kwargs) -> requests.Response:
        return send(method, url, what=f"E-Signet {what}", **kwargs)


def _raise_for_status(response: requests.Response, what: str) -> None:
    status = response.status_code
    if status >= 400:
        raise RemoteError(
            Reason("remote_http", system=f"E-Signet {what}", status=status),
            retriable=status >= 500 or status in RETRIABLE_STATUSES,
            http_status=status,
        )
