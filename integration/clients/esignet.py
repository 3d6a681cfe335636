"""The E-Signet client: code-for-token exchange with a private-key JWT client assertion,
the user-info JWT, and E-Signet's JWKS (PROTOCOLS.md (8))."""

import base64
import binascii
import json
import time
import uuid

import jwt
import requests

from integration.clients.http import RETRIABLE_STATUSES, RemoteError, timeouts
from integration.models import EsignetSettings

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME_SECONDS = 3600
ALGORITHM = "RS256"  # pinned for the assertion we sign and the user info we verify


class EsignetRefused(RemoteError):
    """E-Signet's token endpoint said no; `error` is the OAuth error code."""

    def __init__(self, error: str, description: str, http_status: int):
        message = f"E-Signet refused the token request: {error}"
        if description:
            message += f" ({description[:200]})"
        super().__init__(message, retriable=False, http_status=http_status)
        self.error = error


def load_client_jwk(text: str) -> jwt.PyJWK:
    """The client's RSA private JWK, given as JSON or as base64 of the JSON."""
    text = text.strip()
    try:
        if not text.startswith("{"):
            text = base64.b64decode(text, validate=True).decode()
        data = json.loads(text)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("the client key is neither JWK JSON nor base64 of it") from exc
    if not isinstance(data, dict) or data.get("kty") != "RSA" or "d" not in data:
        raise ValueError("the client key is not an RSA private JWK")
    try:
        return jwt.PyJWK(data, algorithm=ALGORITHM)
    except jwt.PyJWTError as exc:
        raise ValueError(f"the client key cannot be loaded: {exc}") from exc


def _error_of(response: requests.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("error") or ""), str(body.get("error_description") or "")


class EsignetClient:
    def __init__(
        self, config: EsignetSettings | None = None, session: requests.Session | None = None
    ):
        self.config = config or EsignetSettings.load()
        self.session = session or requests.Session()

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
        headers = {"kid": key.key_id} if key.key_id else None
        return jwt.encode(claims, key.key, algorithm=ALGORITHM, headers=headers)

    def exchange_code(self, code: str, client_id: str, redirect_uri: str) -> str:
        """Trade the authorisation code for an access token."""
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
            token = response.json().get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise RemoteError(
                "E-Signet's token answer has no access_token", retriable=False, http_status=200
            )
        return token

    def user_info(self, access_token: str) -> str:
        """The user-info answer: a signed JWT, returned as text."""
        headers = {"Authorization": f"Bearer {access_token}"}
        response = self._call("user info", "get", self.config.userinfo_url, headers=headers)
        _raise_for_status(response, "user info")
        return response.text.strip()

    def jwks(self) -> dict:
        response = self._call("JWKS", "get", self.config.jwks_url)
        _raise_for_status(response, "JWKS")
        try:
            keys = response.json()
        except ValueError:
            keys = None
        if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
            raise RemoteError("E-Signet's JWKS is not a JWK set", retriable=False, http_status=200)
        return keys

    def _call(self, what: str, method: str, url: str, **kwargs) -> requests.Response:
        try:
            return self.session.request(method, url, timeout=timeouts(), **kwargs)
        except requests.Timeout as exc:
            raise RemoteError(f"E-Signet {what} did not answer in time", retriable=True) from exc
        except requests.RequestException as exc:
            raise RemoteError(
                f"could not connect to E-Signet {what} at {url}", retriable=True
            ) from exc


def _raise_for_status(response: requests.Response, what: str) -> None:
    status = response.status_code
    if status >= 400:
        raise RemoteError(
            f"E-Signet {what} answered HTTP {status}",
            retriable=status >= 500 or status in RETRIABLE_STATUSES,
            http_status=status,
        )
