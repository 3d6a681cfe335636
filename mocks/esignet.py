"""Stand-in E-Signet (PROTOCOLS.md §8), on the paths real E-Signet serves:

- ``GET /authorize``: a page listing the people of ``mock-identities.json``; choosing one
  (``POST /authorize``) redirects to ``redirect_uri`` with ``code`` and ``state``. Codes are
  single-use, expire, and are bound to the client and the redirect URI (query ignored).
- ``POST /v1/esignet/oauth/v2/token``: ``private_key_jwt`` only. The client assertion must be
  RS256, signed by the client's registered key, ``iss`` = ``sub`` = client id, ``aud`` = this
  endpoint, unexpired, ``jti`` never seen. Errors are RFC 6749 JSON.
- ``GET /v1/esignet/oidc/userinfo``: the person's claims as a JWT signed (RS256) with this
  stand-in's key, ``birthdate`` as ``yyyy/MM/dd``.
- ``GET /v1/esignet/oauth/.well-known/jwks.json`` and ``/.well-known/openid-configuration``.

``userinfo_signature = "unlisted_key"`` signs user info with a key the JWKS does not hold
(same ``kid``), so a client that checks signatures must refuse it.
JWTs are made and checked in ``esignet_jwt`` with ``cryptography`` primitives only.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from .base import JSON, Controls, StandIn, json_response
from .esignet_jwt import public_jwk, public_key_from_jwk, sign_jwt, unsigned_jwt, verify_jwt
from .paths import certs_dir, shared_dir

DEMO_CLIENT_ID = "opencrvs-demo-client"
AUTHORIZE_PATH = "/authorize"
TOKEN_PATH = "/v1/esignet/oauth/v2/token"
USERINFO_PATH = "/v1/esignet/oidc/userinfo"
JWKS_PATH = "/v1/esignet/oauth/.well-known/jwks.json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CODE_TTL_SECONDS = 120
TOKEN_TTL_SECONDS = 3600


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def strip_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


@dataclass
class Grant:
    client_id: str
    redirect_uri: str  # without query
    nid: str
    nonce: str
    scope: str
    expires_at: float
    used: bool = False


def _load_client_key() -> rsa.RSAPublicKey:
    """The demo client's public key, from the base64 JWK in the shared certs."""
    jwk = json.loads(base64.b64decode((certs_dir() / "esignet-jwk.txt").read_text()))
    return public_key_from_jwk(jwk)


class EsignetStandIn(StandIn):
    name = "esignet"

    def __init__(
        self,
        clients: dict[str, rsa.RSAPublicKey] | None = None,
        *,
        identities_path: str | Path | None = None,
        public_url: str | None = None,
        controls: Controls | None = None,
        quiet: bool = True,
    ) -> None:
        super().__init__(controls, quiet=quiet)
        self.clients = (
            dict(clients) if clients is not None else {DEMO_CLIENT_ID: _load_client_key()}
        )
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.unlisted_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "esignet-standin-" + secrets.token_hex(4)
        self.userinfo_signature = "valid"  # or "unlisted_key", or "unsigned" (alg none)
        self.public_url = public_url
        path = identities_path or shared_dir() / "fixtures" / "mosip" / "mock-identities.json"
        self.identities: dict[str, JSON] = {p["nid"]: p for p in json.loads(Path(path).read_text())}
        self.grants: dict[str, Grant] = {}
        self.tokens: dict[str, tuple[Grant, float]] = {}
        self.seen_jti: set[str] = set()
        self.token_errors: list[str] = []  # OAuth error of each refused token request

    def rules(self) -> list[Rule]:
        return [
            Rule(AUTHORIZE_PATH, endpoint="authorize", methods=["GET", "POST"]),
            Rule(TOKEN_PATH, endpoint="token", methods=["POST"]),
            Rule(USERINFO_PATH, endpoint="userinfo", methods=["GET", "POST"]),
            Rule(JWKS_PATH, endpoint="jwks", methods=["GET"]),
            Rule("/.well-known/openid-configuration", endpoint="discovery", methods=["GET"]),
        ]

    @property
    def base_url(self) -> str:
        return (self.public_url or self.url).rstrip("/")

    @property
    def token_url(self) -> str:
        return self.base_url + TOKEN_PATH

    # -- authorize -------------------------------------------------------------------------

    def on_authorize(self, request: Request) -> Response:
        params = request.args if request.method == "GET" else request.form
        client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
        if client_id not in self.clients:
            return self._page("Unknown client_id.", 400)
        if not redirect_uri.startswith(("http://", "https://")):
            return self._page("redirect_uri must be an http(s) URL.", 400)
        if (
            params.get("response_type", "code") != "code"
            or "openid" not in params.get("scope", "openid").split()
        ):
            return self._page("Only response_type=code with scope openid is supported.", 400)
        if request.method == "GET":
            return self._chooser(params)
        nid = params.get("nid", "")
        if nid not in self.identities:
            return self._page("Choose a person.", 400)
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.grants[code] = Grant(
                client_id,
                strip_query(redirect_uri),
                nid,
                params.get("nonce", ""),
                params.get("scope", "openid"),
                time.time() + CODE_TTL_SECONDS,
            )
        answer = {"code": code, **({"state": params["state"]} if "state" in params else {})}
        separator = "&" if urlsplit(redirect_uri).query else "?"
        return Response(
            status=302, headers={"Location": redirect_uri + separator + urlencode(answer)}
        )

    def _chooser(self, params: Any) -> Response:
        keep = (
            "client_id",
            "redirect_uri",
            "response_type",
            "scope",
            "state",
            "nonce",
            "claims",
            "acr_values",
        )
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(params[k])}">'
            for k in keep
            if k in params
        )
        people = "".join(
            f'<label><input type="radio" name="nid" value="{html.escape(nid)}" required> '
            f"{html.escape(p['firstName'])} {html.escape(p['familyName'])} ({html.escape(nid)})"
            "</label><br>"
            for nid, p in self.identities.items()
        )
        body = (
            f'<form method="post" action="{AUTHORIZE_PATH}">{hidden}{people}'
            '<button type="submit">Sign in</button></form>'
        )
        return self._page(body, 200, title="E-Signet stand-in: sign in as", raw=True)

    @staticmethod
    def _page(
        body: str, status: int, *, title: str = "E-Signet stand-in", raw: bool = False
    ) -> Response:
        content = body if raw else f"<p>{html.escape(body)}</p>"
        return Response(
            f"<!doctype html><title>{title}</title><h1>{title}</h1>{content}",
            status,
            content_type="text/html; charset=utf-8",
        )

    # -- token -----------------------------------------------------------------------------

    def on_token(self, request: Request) -> Response:
        try:
            grant = self._redeem(request)
        except OAuthError as exc:
            with self._lock:
                self.token_errors.append(exc.error)
            return json_response(
                {"error": exc.error, "error_description": exc.description}, exc.status
            )
        access_token = secrets.token_urlsafe(32)
        now = int(time.time())
        with self._lock:
            self.tokens[access_token] = (grant, now + TOKEN_TTL_SECONDS)
        id_token = sign_jwt(
            {
                "iss": self.base_url,
                "sub": self._subject(grant),
                "aud": grant.client_id,
                "iat": now,
                "exp": now + TOKEN_TTL_SECONDS,
                **({"nonce": grant.nonce} if grant.nonce else {}),
            },
            self.signing_key,
            self.kid,
        )
        return json_response(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": TOKEN_TTL_SECONDS,
                "id_token": id_token,
                "scope": grant.scope,
            }
        )

    def _redeem(self, request: Request) -> Grant:
        form = request.form
        for name in (
            "grant_type",
            "code",
            "client_id",
            "redirect_uri",
            "client_assertion_type",
            "client_assertion",
        ):
            if not form.get(name):
                raise OAuthError("invalid_request", f"{name} is required")
        if form["grant_type"] != "authorization_code":
            raise OAuthError("unsupported_grant_type", "only authorization_code is supported")
        client_id = form["client_id"]
        self._check_assertion(client_id, form, request)
        with self._lock:
            grant = self.grants.get(form["code"])
            if (
                grant is None
                or grant.used
                or grant.expires_at < time.time()
                or grant.client_id != client_id
                or grant.redirect_uri != strip_query(form["redirect_uri"])
            ):
                raise OAuthError(
                    "invalid_grant",
                    "the code is unknown, used, expired, or "
                    "was issued to another client or redirect_uri",
                )
            grant.used = True
        return grant

    def _check_assertion(self, client_id: str, form: Any, request: Request) -> None:
        if form["client_assertion_type"] != ASSERTION_TYPE:
            raise OAuthError("invalid_client", "client_assertion_type must be jwt-bearer", 401)
        key = self.clients.get(client_id)
        if key is None:
            raise OAuthError("invalid_client", "unknown client", 401)
        try:
            claims = verify_jwt(form["client_assertion"], key)
        except ValueError as exc:
            raise OAuthError("invalid_client", f"client assertion: {exc}", 401) from exc
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        now = time.time()
        problems = [
            claims.get("iss") != client_id and "iss must be the client id",
            claims.get("sub") != client_id and "sub must be the client id",
            not {self.token_url, request.base_url} & set(map(str, audiences))
            and "aud must be the token endpoint",
            not (isinstance(claims.get("exp"), int | float) and claims["exp"] > now)
            and "the assertion has expired",
            isinstance(claims.get("iat"), int | float)
            and claims["iat"] > now + 60
            and "iat is in the future",
            not isinstance(claims.get("jti"), str) and "jti is required",
        ]
        problems = [p for p in problems if p]
        if problems:
            raise OAuthError("invalid_client", "client assertion: " + "; ".join(problems), 401)
        with self._lock:
            if claims["jti"] in self.seen_jti:
                raise OAuthError("invalid_client", "client assertion replayed (jti seen)", 401)
            self.seen_jti.add(claims["jti"])

    # -- user info and keys ----------------------------------------------------------------

    def on_userinfo(self, request: Request) -> Response:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        with self._lock:
            entry = self.tokens.get(token) if scheme.lower() == "bearer" else None
        if entry is None or entry[1] < time.time():
            return Response("", 401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        grant = entry[0]
        person = self.identities[grant.nid]
        now = int(time.time())
        claims = {
            "iss": self.base_url,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
            "sub": self._subject(grant),
            "name": f"{person['firstName']} {person['middleName']} {person['familyName']}",
            "given_name": person["firstName"],
            "middle_name": person["middleName"],
            "family_name": person["familyName"],
            "gender": person["gender"].capitalize(),
            "birthdate": person["birthDate"].replace("-", "/"),
            "address": {
                "formatted": "1 Example Street, Ibombo",
                "locality": "Ibombo",
                "country": "Farajaland",
            },
        }
        if self.userinfo_signature == "unsigned":
            return Response(unsigned_jwt(claims), content_type="application/jwt")
        key = self.unlisted_key if self.userinfo_signature == "unlisted_key" else self.signing_key
        return Response(sign_jwt(claims, key, self.kid), content_type="application/jwt")

    def _subject(self, grant: Grant) -> str:
        # A pairwise subject, as E-Signet gives each client its own id for a person.
        return hashlib.sha256(f"{grant.client_id}:{grant.nid}".encode()).hexdigest()[:32]

    def on_jwks(self, request: Request) -> Response:
        return json_response({"keys": [public_jwk(self.signing_key.public_key(), self.kid)]})

    def on_discovery(self, request: Request) -> Response:
        base = self.base_url
        return json_response(
            {
                "issuer": base,
                "authorization_endpoint": base + AUTHORIZE_PATH,
                "token_endpoint": base + TOKEN_PATH,
                "userinfo_endpoint": base + USERINFO_PATH,
                "jwks_uri": base + JWKS_PATH,
                "response_types_supported": ["code"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
                "userinfo_signing_alg_values_supported": ["RS256"],
            }
        )
