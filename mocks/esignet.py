"""Stand-in E-Signet (docs/protocols.md#esignet-userinfo), on the paths real E-Signet serves:

- ``GET /authorize``: a page listing the people of ``mock-identities.json``; choosing one
  (``POST /authorize``) redirects to ``redirect_uri`` with ``code`` and ``state``. Codes are
  single-use, expire, and are bound to the client and the redirect URI (query ignored).
- ``POST /v1/esignet/oauth/v2/token``: ``private_key_jwt`` only. The client assertion must be
  RS256, signed by the client's registered key, ``iss`` = ``sub`` = client id, ``aud`` = this
  endpoint, unexpired, ``jti`` never seen. Errors are RFC 6749 JSON. The answer carries an ID
  token signed PS256 by E-Signet's own key (none in ``opencrvs_mock`` mode).
  An unknown code is ``invalid_grant`` before the client or its assertion is looked at, as
  E-Signet answers it.
- ``POST /v1/esignet/oauth/par``: pushed authorisation; an unknown client is
  ``invalid_client_id``, a known one with a bad assertion ``invalid_client``.
- ``GET /v1/esignet/oidc/userinfo``: the person's claims as each real deployment sends them,
  chosen by ``mode`` (see ``esignet_userinfo``); with ``encrypt_userinfo`` wrapped in a JWE
  for the client's registered encryption key.
- ``GET /v1/esignet/oauth/.well-known/jwks.json``: E-Signet's key and IDA's KYC certificate,
  listed as E-Signet lists them (no ``alg``); ``GET /v1/mock-identity-system/keys.json``:
  the mock identity system's certificate in MOSIP's response wrapper;
  ``/.well-known/openid-configuration``.
- ``/oauth/token`` and ``/oidc/userinfo``: the paths of OpenCRVS's E-Signet mock.
- ``GET|POST /_esignet``: read or set ``mode`` and ``encrypt_userinfo`` (for the demo).

Test knobs: ``userinfo_signature`` = ``"unlisted_key"`` signs with a key nobody lists (same
``kid``), ``"unsigned"`` sends ``alg: none``, ``"rs512"`` signs with the right key but an
algorithm the portal must not accept; ``userinfo_claims`` / ``id_token_claims`` override
claims. JOSE is done in ``esignet_jwt`` with ``cryptography`` primitives only.
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

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from .base import JSON, Controls, StandIn, iso_now, json_response, read_json
from .esignet_jwt import (
    certificate_jwk,
    encrypt_jwe,
    private_key_from_jwk,
    self_signed,
    sign_jwt,
    unsigned_jwt,
    verify_jwt,
)
from .esignet_userinfo import MODES, claims_for
from .paths import certs_dir, identities_path

DEMO_CLIENT_ID = "opencrvs-demo-client"
AUTHORIZE_PATH = "/authorize"
TOKEN_PATH = "/v1/esignet/oauth/v2/token"
PAR_PATH = "/v1/esignet/oauth/par"
USERINFO_PATH = "/v1/esignet/oidc/userinfo"
JWKS_PATH = "/v1/esignet/oauth/.well-known/jwks.json"
MOCK_IDENTITY_KEYS_PATH = "/v1/mock-identity-system/keys.json"
# The defaults of mosip.esignet.discovery.issuer-id (E-Signet's domain URL) and of
# mosip.mockidentitysystem.esignet.issuer-id (https://<E-Signet host>/v1/esignet): they differ.
ISSUER_PATH = ""
MOCK_IDENTITY_ISSUER_PATH = "/v1/esignet"
OPENCRVS_MOCK_TOKEN_PATH = "/oauth/token"
OPENCRVS_MOCK_USERINFO_PATH = "/oidc/userinfo"
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


def _client_jwk() -> JSON:
    """The demo client's JWK (private: OpenCRVS's mock signs user info with it)."""
    return json.loads(base64.b64decode((certs_dir() / "esignet-jwk.txt").read_text()))


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class SigningKey:
    key: rsa.RSAPrivateKey
    kid: str
    name: str

    def __post_init__(self) -> None:
        self.certificate = self_signed(self.key, self.name)


class EsignetStandIn(StandIn):
    name = "esignet"
    exempt_endpoints = frozenset({"control", "esignet_mode"})

    def __init__(
        self,
        clients: dict[str, rsa.RSAPublicKey] | None = None,
        *,
        people: str | Path | None = None,
        public_url: str | None = None,
        controls: Controls | None = None,
        quiet: bool = True,
    ) -> None:
        super().__init__(controls, quiet=quiet)
        self.client_private_keys: dict[str, rsa.RSAPrivateKey] = {}
        if clients is None:
            own = private_key_from_jwk(_client_jwk())
            clients = {DEMO_CLIENT_ID: own.public_key()}
            self.client_private_keys[DEMO_CLIENT_ID] = own
        self.clients = dict(clients)
        self.encryption_keys: dict[str, tuple[rsa.RSAPublicKey, str | None]] = {}
        tag = secrets.token_hex(4)
        self.esignet_key = SigningKey(_new_key(), f"esignet-{tag}", "E-Signet OIDC_SERVICE")
        self.ida_key = SigningKey(_new_key(), f"ida-kyc-{tag}", "IDA KYC")
        self.mock_identity_key = SigningKey(_new_key(), f"mock-ida-{tag}", "mock identity")
        self.unlisted_key = _new_key()
        self.mode = "ida"
        self.encrypt_userinfo = False
        self.userinfo_signature = "valid"  # or "unlisted_key", "unsigned" (alg none), "rs512"
        self.userinfo_claims: JSON = {}
        self.id_token_claims: JSON = {}
        self.public_url = public_url
        path = Path(people or identities_path())
        self.identities: dict[str, JSON] = {p["nid"]: p for p in json.loads(path.read_text())}
        self.grants: dict[str, Grant] = {}
        self.tokens: dict[str, tuple[Grant, float]] = {}
        self.seen_jti: set[str] = set()
        self.token_errors: list[str] = []  # OAuth error of each refused token request

    def register_encryption_key(
        self, client_id: str, key: rsa.RSAPublicKey, kid: str | None = None
    ) -> None:
        """The client's encryption certificate, as registered for userinfo_response_type JWE."""
        self.encryption_keys[client_id] = (key, kid)

    def reset(self) -> None:
        """Back to the defaults between tests."""
        self.mode, self.encrypt_userinfo, self.userinfo_signature = "ida", False, "valid"
        self.userinfo_claims, self.id_token_claims = {}, {}
        self.controls.down = False

    def rules(self) -> list[Rule]:
        return [
            Rule(AUTHORIZE_PATH, endpoint="authorize", methods=["GET", "POST"]),
            Rule(TOKEN_PATH, endpoint="token", methods=["POST"]),
            Rule(PAR_PATH, endpoint="par", methods=["POST"]),
            Rule(OPENCRVS_MOCK_TOKEN_PATH, endpoint="token", methods=["POST"]),
            Rule(USERINFO_PATH, endpoint="userinfo", methods=["GET", "POST"]),
            Rule(OPENCRVS_MOCK_USERINFO_PATH, endpoint="userinfo", methods=["GET", "POST"]),
            Rule(JWKS_PATH, endpoint="jwks", methods=["GET"]),
            Rule(MOCK_IDENTITY_KEYS_PATH, endpoint="mock_identity_keys", methods=["GET"]),
            Rule("/_esignet", endpoint="esignet_mode", methods=["GET", "POST"]),
            Rule("/.well-known/openid-configuration", endpoint="discovery", methods=["GET"]),
        ]

    @property
    def base_url(self) -> str:
        return (self.public_url or self.url).rstrip("/")

    @property
    def token_url(self) -> str:
        return self.base_url + TOKEN_PATH

    @property
    def issuer(self) -> str:
        """E-Signet's issuer id, as mosip.esignet.discovery.issuer-id is usually set."""
        return self.base_url + ISSUER_PATH

    @property
    def mock_identity_issuer(self) -> str:
        return self.base_url + MOCK_IDENTITY_ISSUER_PATH

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
        answer: JSON = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_TTL_SECONDS,
            "scope": grant.scope,
        }
        if self.mode != "opencrvs_mock":
            claims = {
                "iss": self.issuer,
                "sub": self._subject(grant),
                "aud": grant.client_id,
                "iat": now,
                "exp": now + TOKEN_TTL_SECONDS,
                "auth_time": now,
                "acr": "mosip:idp:acr:generated-code",
                **({"nonce": grant.nonce} if grant.nonce else {}),
                **self.id_token_claims,
            }
            key = self.esignet_key
            answer["id_token"] = sign_jwt(claims, key.key, key.kid, alg="PS256")
        return json_response(answer)

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
        # E-Signet looks the code up before anything else (OAuthServiceImpl.getTokens): an
        # unknown code is invalid_grant whatever the client or its assertion.
        grant = self._grant(form, client_id)
        self._check_assertion(client_id, form, request)
        with self._lock:
            if grant.used:
                raise OAuthError("invalid_grant", "the code was used")
            grant.used = True
        return grant

    def _grant(self, form: Any, client_id: str) -> Grant:
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
        return grant

    # -- pushed authorisation (E-Signet 1.6 and later) -------------------------------------

    def on_par(self, request: Request) -> Response:
        """``POST /v1/esignet/oauth/par`` in E-Signet's order: the request's shape, then the
        client (``invalid_client_id``), its redirect URI, then its assertion
        (``invalid_client``). Nothing is kept for a refused request."""
        form = request.form
        try:
            if "openid" not in form.get("scope", "").split():
                raise OAuthError("invalid_scope", "invalid_scope")
            if form.get("response_type") != "code":
                raise OAuthError("invalid_response_type", "invalid_response_type")
            if not form.get("redirect_uri", "").startswith(("http://", "https://")):
                raise OAuthError("invalid_redirect_uri", "invalid_redirect_uri")
            if form.get("client_assertion_type") != ASSERTION_TYPE:
                raise OAuthError("invalid_assertion_type", "invalid_assertion_type")
            if not form.get("client_assertion") or not form.get("client_id"):
                raise OAuthError("invalid_client", "invalid_client")
            if form["client_id"] not in self.clients:
                raise OAuthError("invalid_client_id", "invalid_client_id", 500)
            self._check_assertion(form["client_id"], form, request)
        except OAuthError as exc:
            with self._lock:
                self.token_errors.append(exc.error)
            return json_response(
                {"error": exc.error, "error_description": exc.description}, exc.status
            )
        uri = "urn:ietf:params:oauth:request_uri:" + secrets.token_urlsafe(16)
        return json_response({"request_uri": uri, "expires_in": 60}, 201)

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
        claims = claims_for(
            self.mode,
            self.identities[grant.nid],
            self._subject(grant),
            grant.client_id,
            self.mock_identity_issuer,
        )
        claims.update(self.userinfo_claims)
        if self.userinfo_signature == "unsigned":
            return Response(unsigned_jwt(claims), content_type="application/jwt")
        key, kid, alg = self._userinfo_signer(grant.client_id)
        if self.userinfo_signature == "unlisted_key":
            key = self.unlisted_key
        elif self.userinfo_signature == "rs512":
            alg = "RS512"
        token = sign_jwt(claims, key, kid, alg=alg)
        if self.encrypt_userinfo:
            if grant.client_id not in self.encryption_keys:
                return json_response({"error": "invalid_public_key"}, 500)
            token = encrypt_jwe(token, *self.encryption_keys[grant.client_id])
        return Response(token, content_type="application/jwt")

    def _userinfo_signer(self, client_id: str) -> tuple[rsa.RSAPrivateKey, str | None, str]:
        if self.mode == "ida":
            return self.ida_key.key, self.ida_key.kid, "RS256"
        if self.mode == "mock_identity":
            return self.mock_identity_key.key, self.mock_identity_key.kid, "RS256"
        if self.mode == "opencrvs_mock":
            return self.client_private_keys[client_id], None, "RS256"
        return self.esignet_key.key, self.esignet_key.kid, "PS256"

    @staticmethod
    def subject(client_id: str, nid: str) -> str:
        """The person's PSUT: a pairwise subject, as E-Signet gives each client its own id
        for a person."""
        return hashlib.sha256(f"{client_id}:{nid}".encode()).hexdigest()[:32]

    def _subject(self, grant: Grant) -> str:
        return self.subject(grant.client_id, grant.nid)

    def on_jwks(self, request: Request) -> Response:
        expires = int(time.time()) + 365 * 86400
        keys = [
            certificate_jwk(k.certificate, k.kid, expires) for k in (self.esignet_key, self.ida_key)
        ]
        return json_response({"keys": keys})

    def on_mock_identity_keys(self, request: Request) -> Response:
        key = self.mock_identity_key
        pem = key.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
        return json_response(
            {
                "id": None,
                "version": None,
                "responseTime": iso_now(),
                "metadata": None,
                "response": {
                    "allCertificates": [
                        {
                            "keyId": key.kid,
                            "certificateData": pem,
                            "issuedAt": key.certificate.not_valid_before_utc.isoformat(),
                            "expiryAt": key.certificate.not_valid_after_utc.isoformat(),
                        }
                    ]
                },
                "errors": [],
            }
        )

    def on_esignet_mode(self, request: Request) -> Response:
        if request.method == "POST":
            changes = read_json(request)
            if not isinstance(changes, dict) or not set(changes) <= {"mode", "encrypt_userinfo"}:
                return json_response({"error": "expected {mode?, encrypt_userinfo?}"}, 400)
            if "mode" in changes and changes["mode"] not in MODES:
                return json_response({"error": f"mode must be one of {list(MODES)}"}, 400)
            if not isinstance(changes.get("encrypt_userinfo", False), bool):
                return json_response({"error": "encrypt_userinfo must be true or false"}, 400)
            with self._lock:
                self.mode = changes.get("mode", self.mode)
                self.encrypt_userinfo = changes.get("encrypt_userinfo", self.encrypt_userinfo)
        return json_response({"mode": self.mode, "encrypt_userinfo": self.encrypt_userinfo})

    def on_discovery(self, request: Request) -> Response:
        base = self.base_url
        return json_response(
            {
                "issuer": self.issuer,
                "authorization_endpoint": base + AUTHORIZE_PATH,
                "token_endpoint": base + TOKEN_PATH,
                "pushed_authorization_request_endpoint": base + PAR_PATH,
                "userinfo_endpoint": base + USERINFO_PATH,
                "jwks_uri": base + JWKS_PATH,
                "response_types_supported": ["code"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
                "id_token_signing_alg_values_supported": ["PS256"],
                "userinfo_signing_alg_values_supported": ["RS256", "PS256"],
                "userinfo_encryption_alg_values_supported": ["RSA-OAEP-256"],
                "userinfo_encryption_enc_values_supported": ["A256GCM"],
            }
        )
