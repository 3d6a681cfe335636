"""The settings pages' "Test connection": one harmless call to each remote system the
settings point at, answered in words a person can act on. Secrets are sent where they
belong and never put in an answer (only what the remote system said, and URL origins)."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import requests
from django.utils.translation import gettext as _

from integration.clients.esignet import ASSERTION_TYPE, EsignetClient
from integration.clients.http import DestinationRefused, RemoteError, origin, send
from integration.clients.ida import Demographics, IdaAnswer, IdaClient
from integration.clients.mosip import MosipClient
from integration.clients.opencrvs import fetch_public_key
from integration.clients.opencrvs_auth import REQUIRED_SCOPES, OpenCrvsAuth
from integration.mapping.schemas import describe
from integration.models import MosipSettings, OpenCrvsSettings
from integration.models.verification import EsignetSettings, IdaSettings
from integration.reasons import StaffReadableError, staff_words
from integration.services.id_schema import packet_schema_version


@dataclass(frozen=True)
class Answer:
    ok: bool
    message: str
    warning: bool = False  # not a failure, but not checked either: shown as a warning


def _reachable(url: str, what: str, label: str) -> Answer:
    """An HTTP answer below 500 means the system is up and the portal may reach it (a GET
    on an endpoint that takes a POST answers 404/405: that is fine). `what` names the
    system in the call's log lines (English), `label` in the answer (the reader's)."""
    try:
        response = send("GET", url, what=what, timeout=(3, 5))
    except RemoteError as error:
        words = {"what": label, "error": staff_words(error)}
        return Answer(False, _("%(what)s: not reachable: %(error)s") % words)
    words = {"what": label, "origin": origin(url), "status": response.status_code}
    if response.status_code >= 500:
        return Answer(False, _("%(what)s at %(origin)s is unavailable (HTTP %(status)s).") % words)
    return Answer(True, _("%(what)s answers at %(origin)s (HTTP %(status)s).") % words)


def _missing(what: str) -> Answer:
    return Answer(False, _("%(what)s: no URL is set.") % {"what": what})


def check_mosip(config: MosipSettings) -> list[Answer]:
    answers = []
    if not config.auth_url:
        answers.append(_missing(_("MOSIP auth")))
    else:
        client = MosipClient(config)
        client.forget_token(config.packet_client_id)  # a real sign-in, not a cached token
        try:
            client.auth_token(config.packet_client_id, config.packet_client_secret)
        except RemoteError as error:
            answers.append(
                Answer(False, _("MOSIP auth refused: %(error)s") % {"error": staff_words(error)})
            )
        else:
            answers.append(
                Answer(
                    True,
                    _("MOSIP auth accepted the packet client “%(client)s” (token received).")
                    % {"client": config.packet_client_id},
                )
            )
            answers.append(_mosip_id_schema(client, config))
    if not config.officer_id:
        answers.append(
            Answer(
                False,
                _(
                    "No registration officer id: MOSIP's CRVS_NEW route fails a birth packet "
                    "without an officer, so births wait until one is set."
                ),
                warning=True,
            )
        )
    if config.websub_hub_url:
        answers.append(_reachable(config.websub_hub_url, "WebSub hub", _("WebSub hub")))
    return answers


def _mosip_id_schema(client: MosipClient, config: MosipSettings) -> Answer:
    """Whether packets are checked against MOSIP's own ID schema (docs/mosip-validation.md)
    or, while masterdata cannot give it, against the one in these settings."""
    version = packet_schema_version(config)
    words = {"version": version or config.schema_version}
    if not client.masterdata_url():
        message = _(
            "MOSIP's masterdata: no URL is set (nor a create-packet URL): packets are checked "
            "against the ID schema of these settings."
        )
        return Answer(False, message, warning=True)
    try:
        schema = client.id_schema(version) if version else None
    except RemoteError as error:
        words["error"] = staff_words(error)
        message = _(
            "MOSIP's masterdata did not give ID schema %(version)s (%(error)s): packets are "
            "checked against the ID schema of these settings meanwhile."
        )
        return Answer(False, message % words, warning=True)
    if schema is None:
        message = _("The schema version %(version)s is not a number: MOSIP reads it as one.")
        return Answer(False, message % words)
    words["schema"] = describe(schema)
    message = _(
        "MOSIP's masterdata serves ID schema %(version)s; packets are checked against it "
        "(%(schema)s)."
    )
    return Answer(True, message % words)


def check_opencrvs(config: OpenCrvsSettings) -> list[Answer]:
    return [_opencrvs_public_key(config), *_opencrvs_system_client(config)]


def _opencrvs_public_key(config: OpenCrvsSettings) -> Answer:
    if not config.public_key_url:
        return _missing(_("OpenCRVS public key"))
    try:
        key = fetch_public_key(config.public_key_url)
    except RemoteError as error:
        return Answer(False, _("OpenCRVS public key: %(error)s") % {"error": staff_words(error)})
    if "BEGIN PUBLIC KEY" not in key:
        return Answer(False, _("OpenCRVS public key: the answer is not a PEM public key."))
    return Answer(True, _("OpenCRVS public key fetched: a PEM public key, as expected."))


def _opencrvs_system_client(config: OpenCrvsSettings) -> list[Answer]:
    """The system client's own check (it authenticates and holds its scopes), when set."""
    auth = OpenCrvsAuth(config)
    if not auth.configured:
        return []
    problems = auth.problems()
    if problems:
        return [Answer(False, _("OpenCRVS: %(problem)s.") % {"problem": p}) for p in problems]
    scopes = ", ".join(REQUIRED_SCOPES)
    return [
        Answer(
            True,
            _("OpenCRVS: the system client authenticates and has the scopes %(scopes)s.")
            % {"scopes": scopes},
        )
    ]


# --- IDA ------------------------------------------------------------------------------------
# The test individual: an id nobody should hold, with demographics that match nobody. A real
# IDA checks the partner (licence key, partner id, API key), the signature and the encryption
# before it looks the person up, so an answer about the person proves the whole set-up, and
# a failed demographic authentication changes nothing in MOSIP.
TEST_INDIVIDUAL_ID = "4816253907"
TEST_PERSON = Demographics(dob=date(1900, 1, 1), first_name="Connection", surname="Test")

# IDA's error codes (id-authentication's IdAuthenticationErrorConstants), by what to fix.
IDA_LICENCE_KEY_CODES = frozenset({"IDA-MPA-007", "IDA-MPA-008", "IDA-MPA-011", "IDA-MPA-017"})
IDA_PARTNER_CODES = frozenset({"IDA-MPA-009", "IDA-MPA-010", "IDA-MPA-012", "IDA-MPA-013"})
IDA_POLICY_CODES = frozenset(
    {"IDA-MPA-006", "IDA-MPA-014", "IDA-MPA-015", "IDA-MPA-018", "IDA-MPA-019"}
)
IDA_SIGNATURE_CODES = frozenset({"IDA-MPA-001", "IDA-MPA-002", "IDA-MPA-020"})
IDA_ENCRYPTION_CODES = frozenset({"IDA-MPA-003", "IDA-MPA-004"})
# Answers about the test individual: the request passed every partner and crypto check.
IDA_UNKNOWN_PERSON_CODES = frozenset({"IDA-MLC-002", "IDA-MLC-004", "IDA-MLC-018"})


def _ida_missing(config: IdaSettings) -> list[str]:
    fields = (
        ("partner_id", _("partner id")),
        ("misp_license_key", _("MISP licence key")),
        ("partner_api_key", _("partner API key")),
        ("encryption_certificate", _("IDA encryption certificate")),
        ("signing_keystore", _("signing keystore")),
    )
    return [str(label) for name, label in fields if not getattr(config, name)]


def check_ida(config: IdaSettings) -> list[Answer]:
    """A demographic authentication of the test individual, sent exactly as /verify sends
    one: success is IDA saying it does not know that person (or that the details do not
    match), which only a correctly set-up partner gets to hear."""
    if not config.auth_url:
        return [_missing("IDA")]
    missing = _ida_missing(config)
    if missing:
        return [
            Answer(
                False,
                _("IDA: cannot be tested until these are set: %(fields)s.")
                % {"fields": ", ".join(missing)},
            )
        ]
    where = origin(config.auth_url)
    try:
        answer = IdaClient(config).authenticate(TEST_INDIVIDUAL_ID, TEST_PERSON)
    except StaffReadableError as error:  # the keystore or certificate cannot be used
        return [
            Answer(
                False,
                _("IDA: the request cannot be signed or encrypted with these settings: %(error)s")
                % {"error": error.for_staff()},
            )
        ]
    except RemoteError as error:
        return [_ida_remote_error(error, where)]
    return [_ida_verdict(answer, where)]


def _ida_remote_error(error: RemoteError, where: str) -> Answer:
    words = {"origin": where, "status": error.http_status}
    if error.http_status in (404, 405):
        return Answer(
            False,
            _(
                "IDA: nothing answers at this path on %(origin)s (HTTP %(status)s): the auth "
                "URL must end in /idauthentication/v1/auth."
            )
            % words,
        )
    if error.http_status is None:
        return _unreachable("IDA", where, error)
    if error.http_status >= 500:
        return Answer(False, _("IDA at %(origin)s is unavailable (HTTP %(status)s).") % words)
    if error.http_status < 400:
        return Answer(
            False,
            _(
                "IDA: %(origin)s answered HTTP %(status)s with something that is not IDA's "
                "JSON: check that the auth URL points at IDA."
            )
            % words,
        )
    return Answer(False, _("IDA at %(origin)s refused the request (HTTP %(status)s).") % words)


def _ida_verdict(answer: IdaAnswer, where: str) -> Answer:
    codes = [e.code for e in answer.errors]
    # IDA's own words, quoted as they came (its field name when it said yes).
    said = "; ".join(f"{e.code} “{e.message}”" for e in answer.errors) or "authStatus: true"
    words = {"origin": where, "said": said}
    if answer.authenticated or any(
        code in IDA_UNKNOWN_PERSON_CODES or code.startswith("IDA-DEA-") for code in codes
    ):
        return Answer(
            True,
            _(
                "IDA at %(origin)s accepted the partner, licence key, signature and encryption: "
                "it answered for the test individual as expected (IDA said: %(said)s)."
            )
            % words,
        )
    for group, sentence in (
        (IDA_LICENCE_KEY_CODES, _("IDA refuses the MISP licence key (IDA said: %(said)s).")),
        (IDA_PARTNER_CODES, _("IDA refuses the partner id (IDA said: %(said)s).")),
        (
            IDA_POLICY_CODES,
            _(
                "IDA refuses the partner API key or its policy does not allow demographic "
                "authentication (IDA said: %(said)s)."
            ),
        ),
        (
            IDA_SIGNATURE_CODES,
            _(
                "IDA refuses the request's signature: the signing keystore is not the partner's "
                "registered certificate (IDA said: %(said)s)."
            ),
        ),
        (
            IDA_ENCRYPTION_CODES,
            _(
                "IDA cannot decrypt the request: the IDA encryption certificate is not its "
                "current partner certificate (IDA said: %(said)s)."
            ),
        ),
    ):
        if group & set(codes):
            return Answer(False, sentence % words)
    return Answer(
        False, _("IDA at %(origin)s refused the test request (IDA said: %(said)s).") % words
    )


def _unreachable(label: str, where: str, error: RemoteError) -> Answer:
    if isinstance(error, DestinationRefused):
        return Answer(
            False,
            _(
                "%(what)s: the portal may not call %(origin)s (PORTAL_OUTBOUND_HOSTS or the "
                "address)."
            )
            % {"what": label, "origin": where},
        )
    return Answer(
        False,
        _("%(what)s: no connection to %(origin)s, or no answer in time.")
        % {"what": label, "origin": where},
    )


# --- E-Signet ---------------------------------------------------------------------------------
DISCOVERY_PATH = "/.well-known/openid-configuration"
# A made-up code and redirect URI and a client assertion that is not a JWT: E-Signet refuses
# them with an OAuth error and no sign-in, code or token is ever made.
PROBE_CODE = "portal-connection-test"
PROBE_REDIRECT_URI = "https://connection-test.invalid/callback"
PROBE_ASSERTION = "not-a-jwt"
OAUTH_ERROR = re.compile(r"^[a-z][a-z_]{2,60}$")


def _oauth_error(response: requests.Response) -> str:
    """The OAuth `error` of an answer (RFC 6749 §5.2), or ""."""
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, str) and OAUTH_ERROR.match(error) else ""


def _discovery_urls(config: EsignetSettings) -> list[str]:
    """Where E-Signet publishes its OpenID configuration: under its issuer id (its domain,
    by default), or on the E-Signet service itself (…/v1/esignet/oidc/…)."""
    urls = []
    if config.issuer:
        urls.append(config.issuer.rstrip("/") + DISCOVERY_PATH)
    if config.token_url:
        urls.append(origin(config.token_url) + DISCOVERY_PATH)
        service, found, _rest = config.token_url.partition("/oauth/")
        if found:
            urls.append(service + "/oidc" + DISCOVERY_PATH)
    return list(dict.fromkeys(urls))


def _esignet_discovery(config: EsignetSettings) -> tuple[dict | None, Answer | None]:
    label = _("E-Signet discovery")
    urls = _discovery_urls(config)
    if not urls:
        return None, None
    for url in urls:
        try:
            response = send("GET", url, what="E-Signet discovery", timeout=(3, 5))
        except RemoteError:
            continue
        try:
            document = response.json() if response.status_code == 200 else None
        except ValueError:
            document = None
        if isinstance(document, dict) and "token_endpoint" in document:
            return document, _discovery_verdict(config, document, url)
    if config.userinfo_signed_by == "client_key":  # OpenCRVS's E-Signet mock has none
        return None, Answer(
            False,
            _(
                "%(what)s: no OpenID configuration at %(urls)s, as expected of OpenCRVS's "
                "E-Signet mock (user info signed by the client's own key)."
            )
            % {"what": label, "urls": ", ".join(urls)},
            warning=True,
        )
    return None, Answer(
        False,
        _("%(what)s: no OpenID configuration at %(urls)s: check the issuer and the token URL.")
        % {"what": label, "urls": ", ".join(urls)},
    )


def _discovery_verdict(config: EsignetSettings, document: dict, url: str) -> Answer:
    issuer, token_endpoint = document.get("issuer"), document.get("token_endpoint")
    words = {"url": url, "published": issuer, "set": config.issuer}
    if config.issuer and issuer != config.issuer:
        return Answer(
            False,
            _(
                "E-Signet discovery (%(url)s) names the issuer “%(published)s”, the settings "
                "“%(set)s”: ID tokens would be refused."
            )
            % words,
        )
    if config.token_url and token_endpoint != config.token_url:
        return Answer(
            False,
            _(
                "E-Signet discovery (%(url)s) publishes the token endpoint %(published)s, the "
                "settings %(set)s: E-Signet would refuse the client assertion's audience."
            )
            % {**words, "published": token_endpoint, "set": config.token_url},
        )
    return Answer(
        True,
        _("E-Signet discovery (%(url)s): the issuer and the token endpoint match the settings.")
        % words,
    )


def _esignet_token_endpoint(config: EsignetSettings) -> Answer:
    label = _("E-Signet token endpoint")
    if not config.token_url:
        return _missing(label)
    form = {
        "grant_type": "authorization_code",
        "code": PROBE_CODE,
        "client_id": config.client_id or "portal-connection-test",
        "redirect_uri": PROBE_REDIRECT_URI,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": PROBE_ASSERTION,
    }
    where = origin(config.token_url)
    words = {"what": label, "origin": where}
    try:
        response = send("POST", config.token_url, what="E-Signet token endpoint", data=form)
    except RemoteError as error:
        if error.http_status is not None:  # a redirect
            return Answer(
                False,
                _("%(what)s at %(origin)s answers with a redirect: set the final URL.") % words,
            )
        return _unreachable(str(label), where, error)
    status, error = response.status_code, _oauth_error(response)
    words["status"], words["error"] = status, error
    if status in (404, 405):
        return Answer(
            False,
            _(
                "%(what)s: nothing answers at this path on %(origin)s (HTTP %(status)s): the "
                "token URL ends in /v1/esignet/oauth/v2/token."
            )
            % words,
        )
    if error == "invalid_client_id":
        return Answer(
            False,
            _("%(what)s: E-Signet does not know the client id “%(client)s”.")
            % {**words, "client": form["client_id"]},
        )
    if error and status >= 400:
        return Answer(
            True,
            _(
                "%(what)s at %(origin)s answers as E-Signet does: it refused a made-up code "
                "with “%(error)s” (HTTP %(status)s)."
            )
            % words,
        )
    if status >= 500:
        return Answer(False, _("%(what)s at %(origin)s is unavailable (HTTP %(status)s).") % words)
    return Answer(
        False,
        _(
            "%(what)s at %(origin)s does not answer as an OAuth token endpoint (HTTP "
            "%(status)s, no OAuth error): check the token URL."
        )
        % words,
    )


def _esignet_client(config: EsignetSettings, discovery: dict | None) -> Answer | None:
    """Whether E-Signet knows the client id: its pushed-authorisation endpoint looks the
    client up before anything else (the token endpoint looks up the code first, so it
    cannot tell). A known client is then refused for the made-up assertion."""
    if not config.client_id:
        return Answer(
            False,
            _(
                "E-Signet client id: none is set, so it cannot be checked (set the client id "
                "E-Signet registered for OpenCRVS)."
            ),
            warning=True,
        )
    words = {"client": config.client_id}
    if discovery is None:
        return Answer(
            False,
            _(
                "E-Signet client id “%(client)s”: not checked, as E-Signet's discovery could "
                "not be read."
            )
            % words,
            warning=True,
        )
    par = discovery.get("pushed_authorization_request_endpoint")
    if not isinstance(par, str) or not par:
        return Answer(
            False,
            _(
                "E-Signet client id “%(client)s”: E-Signet publishes no pushed-authorisation "
                "endpoint, so the client id can only be seen at the first sign-in."
            )
            % words,
            warning=True,
        )
    form = {
        "client_id": config.client_id,
        "scope": "openid",
        "response_type": "code",
        "redirect_uri": PROBE_REDIRECT_URI,
        "nonce": PROBE_CODE,
        "state": PROBE_CODE,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": PROBE_ASSERTION,
    }
    try:
        response = send("POST", par, what="E-Signet pushed authorisation", data=form)
    except RemoteError as error:
        return _unreachable(str(_("E-Signet pushed authorisation")), origin(par), error)
    error = _oauth_error(response)
    if error == "invalid_client_id":
        return Answer(False, _("E-Signet does not know the client id “%(client)s”.") % words)
    if error in ("invalid_redirect_uri", "invalid_client", "invalid_assertion"):
        return Answer(
            True,
            _(
                "E-Signet knows the client id “%(client)s” (it refused the test request's "
                "made-up redirect URI or assertion with “%(error)s”, as it should)."
            )
            % {**words, "error": error},
        )
    return Answer(
        False,
        _(
            "E-Signet client id “%(client)s”: the pushed-authorisation endpoint answered HTTP "
            "%(status)s without the expected error."
        )
        % {**words, "status": response.status_code},
    )


def check_esignet(config: EsignetSettings) -> list[Answer]:
    answers = []
    discovery, verdict = _esignet_discovery(config)
    if verdict:
        answers.append(verdict)
    if config.jwks_url:
        try:
            keys = EsignetClient(config).key_document(config.jwks_url, "JWKS")
        except RemoteError as error:
            where = origin(config.jwks_url)
            if error.http_status is None:
                answers.append(_unreachable(str(_("E-Signet JWKS")), where, error))
            else:
                answers.append(
                    Answer(
                        False,
                        _("E-Signet JWKS at %(origin)s: no key set there (HTTP %(status)s).")
                        % {"origin": where, "status": error.http_status},
                    )
                )
        else:
            listed = keys.get("keys") if isinstance(keys, dict) else None
            count = len(listed) if isinstance(listed, list) else 0
            answers.append(
                Answer(
                    count > 0, _("E-Signet JWKS: %(count)s key(s) published.") % {"count": count}
                )
            )
    answers.append(_esignet_token_endpoint(config))
    if config.token_url:
        client = _esignet_client(config, discovery)
        if client:
            answers.append(client)
    return answers


CHECKS: dict[type, Callable[..., list[Answer]]] = {
    MosipSettings: check_mosip,
    OpenCrvsSettings: check_opencrvs,
    IdaSettings: check_ida,
    EsignetSettings: check_esignet,
}
