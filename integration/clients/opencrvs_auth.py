"""The OpenCRVS auth service, for the integration's own system client.

`POST {auth URL}/token` with `grant_type=client_credentials` gives the system client's
token; it is cached encrypted (Django cache, shared by all workers) until shortly before its `exp`,
since core answers no `expires_in`. The gateway confirms or rejects an action only with
an action-confirmation token (`eventId` and `actionId` claims), so the system token is
exchanged for one (`grant_type=urn:opencrvs:oauth:grant-type:token-exchange`, RFC 8693)
right before each confirmation. Credentials go in the form body, never in the URL that
the call record keeps.
"""

import hashlib
import time

from django.utils.translation import gettext as _

from integration import app_settings
from integration.clients import token_cache
from integration.clients.http import RemoteError, raise_for_status, recorded_call, send
from integration.models import OpenCrvsSettings, Submission
from integration.models.submission import Step
from integration.reasons import Reason

# What the integration does with its client: confirm registrations, read events (their
# pending action), and confirm corrections (opencrvs-core scope names).
REQUIRED_SCOPES = ("record.register", "record.read", "record.correct")
# Listing events, for the reconciliation with OpenCRVS: 2.x's `record.search`; 1.9.15's
# search also takes the legacy `recordsearch` and the configurable `search[...]`.
SEARCH_SCOPES = ("record.search", "recordsearch", "search")
TOKEN_SAFETY_MARGIN_SECONDS = 60
EXCHANGE_GRANT = "urn:opencrvs:oauth:grant-type:token-exchange"
SUBJECT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105 - a type name
RECORD_TOKEN_TYPE = "urn:opencrvs:oauth:token-type:single_record_token"  # noqa: S105


def scope_name(scope: str) -> str:
    """A scope's name whatever its encoding: `record.read`, 1.9's `record.read[event=birth]`
    and 2.x's `type=record.read&event=birth` all name `record.read`."""
    if scope.startswith("type="):
        return scope.split("&", 1)[0].removeprefix("type=")
    return scope.split("[", 1)[0]


def scope_names(claims: dict) -> set[str]:
    scope = claims.get("scope") or []
    items = scope.split() if isinstance(scope, str) else scope
    return {scope_name(str(s)) for s in items}


def may_search(token: str) -> bool:
    return bool(scope_names(_claims(token)) & set(SEARCH_SCOPES))


def search_scope_problem() -> str:
    return _(
        "the system client's token lacks the scope record.search (recordsearch on 1.9): "
        "the reconciliation with OpenCRVS cannot list events"
    )


def _claims(token: str) -> dict:
    # A token the auth service just gave us: only its expiry and scopes are read here; the
    # gateway is the one that checks it.
    try:
        return token_cache.unverified_claims(token)
    except ValueError as exc:
        raise RemoteError(Reason("opencrvs_not_jwt"), retriable=False) from exc


class OpenCrvsAuth:
    def __init__(self, config: OpenCrvsSettings | None = None):
        self.config = config or OpenCrvsSettings.load()

    @property
    def configured(self) -> bool:
        return bool(self.config.auth_url and self.config.client_id and self.config.client_secret)

    @property
    def _url(self) -> str:
        return f"{self.config.auth_url.rstrip('/')}/token"

    def _cache_key(self) -> str:
        # The secret is part of the key: a new secret in the admin means a new token.
        c = self.config
        identity = f"{c.auth_url}|{c.client_id}|{c.client_secret}"
        return "opencrvs-system-token:" + hashlib.sha256(identity.encode()).hexdigest()

    def _post(self, form: dict, submission: Submission | None, what: str) -> str:
        with recorded_call(Step.OPENCRVS_AUTH, self._url, submission) as call:
            call.response = send("POST", self._url, what=what, data=form)
            raise_for_status(call.response, what)
            try:
                return str(call.response.json()["access_token"])
            except (ValueError, KeyError, TypeError) as exc:
                no_token = Reason("remote_no_token", system=what)
                raise RemoteError(no_token, retriable=False) from exc

    def system_token(self, submission: Submission | None = None, *, fresh: bool = False) -> str:
        """The system client's token, from the cache unless `fresh`."""
        key = self._cache_key()
        if not fresh and (token := token_cache.get(key)):
            return token
        form = {
            "grant_type": "client_credentials",
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
        }
        token = self._post(form, submission, "OpenCRVS auth (system client)")
        ttl = float(_claims(token).get("exp", 0)) - time.time() - TOKEN_SAFETY_MARGIN_SECONDS
        if ttl > 0:
            token_cache.put(key, token, ttl)
        return token

    def forget_system_token(self) -> None:
        token_cache.delete(self._cache_key())

    def confirmation_token(self, event_id: str, action_id: str, submission: Submission) -> str:
        """An action-confirmation token for one action, in the system client's name."""
        form = {
            "grant_type": EXCHANGE_GRANT,
            "subject_token": self.system_token(submission),
            "subject_token_type": SUBJECT_TOKEN_TYPE,
            "requested_token_type": RECORD_TOKEN_TYPE,
            "event_id": event_id,
            "action_id": action_id,
        }
        try:
            return self._post(form, submission, "OpenCRVS auth (token exchange)")
        except RemoteError as error:
            if error.http_status == 401:  # the cached system token was revoked
                self.forget_system_token()
            raise

    def problems(self) -> list[str]:
        """What stops the system client from doing its work, in words for an admin (in the
        active language: the admin's, or English in the start-up check); empty when it
        authenticates and carries every scope the integration needs."""
        if not self.configured:
            return [_("the system client is not configured (auth URL, client id and secret)")]
        try:
            token = self.system_token(fresh=True)
        except RemoteError as error:
            return [
                _("the system client cannot authenticate: %(error)s") % {"error": error.message}
            ]
        granted = scope_names(_claims(token))
        problems = [
            _("the system client's token lacks the scope %(scope)s") % {"scope": scope}
            for scope in REQUIRED_SCOPES
            if scope not in granted
        ]
        if app_settings.RECONCILIATION_INTERVAL_SECONDS > 0 and not may_search(token):
            problems.append(search_scope_problem())
        return problems
