"""Stand-in identity provider for staff sign-in in the demo: a small OpenID Connect
provider (authorization code flow, PKCE, RS256) with one person per portal role, so a
newcomer can sign in to the console as each through the portal's real OIDC flow.

- ``GET /.well-known/openid-configuration`` and ``GET /jwks``
- ``GET /authorize``: a page to pick who to sign in as; ``POST /authorize`` redirects to the
  registered redirect URI with ``code`` and ``state``. Codes are single-use, expire, and
  are bound to the client, the redirect URI, the nonce and the PKCE challenge.
- ``POST /token``: the client authenticates with its secret (HTTP Basic or in the body);
  answers an RS256 ``id_token`` and an access token.
- ``GET /userinfo``: the person's claims for the access token, ``groups`` included.

The signing key is made at start and lives in memory: never a production identity
provider.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from .base import JSON, Controls, StandIn, json_response

CODE_TTL_SECONDS = 120
TOKEN_TTL_SECONDS = 600
KID = "demo-idp-1"


@dataclass(frozen=True)
class Person:
    login: str
    name: str
    groups: tuple[str, ...]
    role: str

    def claims(self) -> JSON:
        return {
            "sub": f"demo-{self.login}",
            "name": self.name,
            "preferred_username": self.login,
            "email": f"{self.login}@demo.example.org",
            "email_verified": True,
            "groups": list(self.groups),
        }


# The group names are the portal's defaults (OIDC_ADMIN_ROLES, _SUPPORT_ROLES, ...).
PEOPLE = (
    Person("ina", "Ina Admin", ("integration-admin",), "integration admin"),
    Person("sam", "Sam Support", ("support",), "support"),
    Person("ada", "Ada Auditor", ("auditor",), "auditor"),
)


@dataclass
class Grant:
    person: Person
    client_id: str
    redirect_uri: str
    nonce: str
    code_challenge: str
    expires: float


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


class OidcStandIn(StandIn):
    name = "Demo identity provider"

    def __init__(
        self,
        client_id: str = "portal-console",
        client_secret: str | None = None,
        redirect_uris: tuple[str, ...] = (),
        people: tuple[Person, ...] = PEOPLE,
        controls: Controls | None = None,
        *,
        quiet: bool = True,
    ) -> None:
        super().__init__(controls, quiet=quiet)
        self.client_id = client_id
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self.redirect_uris = list(redirect_uris)
        self.people = {person.login: person for person in people}
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.grants: dict[str, Grant] = {}
        self.tokens: dict[str, tuple[Person, float]] = {}

    def rules(self) -> list[Rule]:
        return [
            Rule("/.well-known/openid-configuration", endpoint="discovery"),
            Rule("/jwks", endpoint="jwks"),
            Rule("/authorize", endpoint="authorize", methods=["GET", "POST"]),
            Rule("/token", endpoint="token", methods=["POST"]),
            Rule("/userinfo", endpoint="userinfo", methods=["GET", "POST"]),
        ]

    def portal_settings(self) -> dict[str, str]:
        """The portal's OIDC_* environment variables for this provider."""
        return {
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.url}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.url}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.url}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.url}/jwks",
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_RP_SIGN_ALGO": "RS256",
            "OIDC_PROVIDER_NAME": "the demo identity provider",
        }

    # -- discovery -------------------------------------------------------------------------

    def on_discovery(self, request: Request) -> Response:
        return json_response(
            {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "userinfo_endpoint": f"{self.url}/userinfo",
                "jwks_uri": f"{self.url}/jwks",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "code_challenge_methods_supported": ["S256"],
                "scopes_supported": ["openid", "email", "profile", "groups"],
                "claims_supported": ["sub", "name", "email", "groups", "preferred_username"],
            }
        )

    def on_jwks(self, request: Request) -> Response:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return json_response({"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "RS256"}]})

    # -- authorize -------------------------------------------------------------------------

    def on_authorize(self, request: Request) -> Response:
        params = request.args if request.method == "GET" else request.form
        if params.get("client_id") != self.client_id:
            return _page("Unknown client_id.", 400)
        redirect_uri = params.get("redirect_uri", "")
        if self.redirect_uris and redirect_uri not in self.redirect_uris:
            return _page("This redirect_uri is not registered for the client.", 400)
        if params.get("response_type") != "code" or "openid" not in params.get("scope", ""):
            return _page("Only response_type=code with scope openid is supported.", 400)
        if params.get("code_challenge") and params.get("code_challenge_method") != "S256":
            return _page("Only the S256 code challenge method is supported.", 400)
        if request.method == "GET":
            return self._picker(params)
        person = self.people.get(params.get("login", ""))
        if person is None:
            return _page("Choose a person.", 400)
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.grants[code] = Grant(
                person,
                self.client_id,
                redirect_uri,
                params.get("nonce", ""),
                params.get("code_challenge", ""),
                time.time() + CODE_TTL_SECONDS,
            )
        answer = {"code": code, **({"state": params["state"]} if "state" in params else {})}
        return Response(status=302, headers={"Location": f"{redirect_uri}?{urlencode(answer)}"})

    def _picker(self, params: Any) -> Response:
        keep = (
            "client_id",
            "redirect_uri",
            "response_type",
            "scope",
            "state",
            "nonce",
            "code_challenge",
            "code_challenge_method",
        )
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(params[k])}">'
            for k in keep
            if k in params
        )
        buttons = "".join(
            f'<p><button type="submit" name="login" value="{html.escape(p.login)}">'
            f"Sign in as {html.escape(p.name)}</button> ({html.escape(p.role)}; "
            f"groups: {html.escape(', '.join(p.groups))})</p>"
            for p in self.people.values()
        )
        body = (
            "<p>A stand-in for the country's identity provider: demo and tests only.</p>"
            f'<form method="post" action="/authorize">{hidden}{buttons}</form>'
        )
        return _page(body, 200, raw=True)

    # -- token -----------------------------------------------------------------------------

    def on_token(self, request: Request) -> Response:
        try:
            grant = self._redeem(request)
        except OAuthError as exc:
            return json_response(
                {"error": exc.error, "error_description": exc.description}, exc.status
            )
        now = int(time.time())
        access_token = secrets.token_urlsafe(32)
        with self._lock:
            self.tokens[access_token] = (grant.person, now + TOKEN_TTL_SECONDS)
        id_token = jwt.encode(
            {
                "iss": self.url,
                "aud": grant.client_id,
                "iat": now,
                "exp": now + TOKEN_TTL_SECONDS,
                "auth_time": now,
                **({"nonce": grant.nonce} if grant.nonce else {}),
                **grant.person.claims(),
            },
            self.key,
            algorithm="RS256",
            headers={"kid": KID},
        )
        return json_response(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": TOKEN_TTL_SECONDS,
                "id_token": id_token,
                "scope": "openid email profile groups",
            },
            **{"Cache-Control": "no-store"},
        )

    def _redeem(self, request: Request) -> Grant:
        form = request.form
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if request.authorization and request.authorization.type == "basic":
            client_id = request.authorization.username or ""
            secret = request.authorization.password or ""
        if client_id != self.client_id or not hmac.compare_digest(
            secret.encode(), self.client_secret.encode()
        ):
            raise OAuthError("invalid_client", "Unknown client or wrong secret.", 401)
        if form.get("grant_type") != "authorization_code":
            raise OAuthError("unsupported_grant_type", "Only authorization_code.")
        with self._lock:
            grant = self.grants.pop(form.get("code", ""), None)  # single use
        if grant is None or grant.expires < time.time():
            raise OAuthError("invalid_grant", "Unknown, used or expired code.")
        if grant.redirect_uri != form.get("redirect_uri", ""):
            raise OAuthError("invalid_grant", "redirect_uri differs from the authorization's.")
        if grant.code_challenge:
            verifier = form.get("code_verifier", "").encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
            if not hmac.compare_digest(digest, grant.code_challenge.encode()):
                raise OAuthError("invalid_grant", "The PKCE code_verifier does not match.")
        return grant

    # -- userinfo --------------------------------------------------------------------------

    def on_userinfo(self, request: Request) -> Response:
        scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
        with self._lock:
            found = self.tokens.get(token) if scheme.lower() == "bearer" else None
        if found is None or found[1] < time.time():
            return json_response({"error": "invalid_token"}, 401, **{"WWW-Authenticate": "Bearer"})
        return json_response(found[0].claims())


def _page(body: str, status: int, *, raw: bool = False) -> Response:
    title = "Demo identity provider: sign in as"
    content = body if raw else f"<p>{html.escape(body)}</p>"
    return Response(
        f"<!doctype html><html lang='en'><title>{title}</title><h1>{title}</h1>{content}",
        status,
        content_type="text/html; charset=utf-8",
    )
