"""The settings pages' "Test connection": one harmless call to each remote system the
settings point at, answered in words a person can act on. Secrets are sent where they
belong and never put in an answer (only what the remote system said, and URL origins)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from integration.clients.esignet import EsignetClient
from integration.clients.http import RemoteError, origin, send
from integration.clients.mosip import MosipClient
from integration.clients.opencrvs import fetch_public_key
from integration.clients.opencrvs_auth import REQUIRED_SCOPES, OpenCrvsAuth
from integration.models import MosipSettings, OpenCrvsSettings
from integration.models.verification import EsignetSettings, IdaSettings


@dataclass(frozen=True)
class Answer:
    ok: bool
    message: str


def _reachable(url: str, what: str, label: str) -> Answer:
    """An HTTP answer below 500 means the system is up and the portal may reach it (a GET
    on an endpoint that takes a POST answers 404/405: that is fine). `what` names the
    system in the call's log lines (English), `label` in the answer (the reader's)."""
    try:
        response = send("GET", url, what=what, timeout=(3, 5))
    except RemoteError as error:
        words = {"what": label, "error": error.message}
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
                Answer(False, _("MOSIP auth refused: %(error)s") % {"error": error.message})
            )
        else:
            answers.append(
                Answer(
                    True,
                    _("MOSIP auth accepted the packet client “%(client)s” (token received).")
                    % {"client": config.packet_client_id},
                )
            )
    if config.websub_hub_url:
        answers.append(_reachable(config.websub_hub_url, "WebSub hub", _("WebSub hub")))
    return answers


def check_opencrvs(config: OpenCrvsSettings) -> list[Answer]:
    return [_opencrvs_public_key(config), *_opencrvs_system_client(config)]


def _opencrvs_public_key(config: OpenCrvsSettings) -> Answer:
    if not config.public_key_url:
        return _missing(_("OpenCRVS public key"))
    try:
        key = fetch_public_key(config.public_key_url)
    except RemoteError as error:
        return Answer(False, _("OpenCRVS public key: %(error)s") % {"error": error.message})
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


def check_ida(config: IdaSettings) -> list[Answer]:
    return [_reachable(config.auth_url, "IDA", "IDA") if config.auth_url else _missing("IDA")]


def check_esignet(config: EsignetSettings) -> list[Answer]:
    answers = []
    if config.jwks_url:
        try:
            keys = EsignetClient(config).key_document(config.jwks_url, "JWKS")
        except RemoteError as error:
            answers.append(Answer(False, _("E-Signet JWKS: %(error)s") % {"error": error.message}))
        else:
            count = len(keys.get("keys", [])) if isinstance(keys, dict) else 0
            answers.append(
                Answer(
                    count > 0, _("E-Signet JWKS: %(count)s key(s) published.") % {"count": count}
                )
            )
    label = _("E-Signet token endpoint")
    answers.append(
        _reachable(config.token_url, "E-Signet token endpoint", label)
        if config.token_url
        else _missing(label)
    )
    return answers


CHECKS: dict[type, Callable[..., list[Answer]]] = {
    MosipSettings: check_mosip,
    OpenCrvsSettings: check_opencrvs,
    IdaSettings: check_ida,
    EsignetSettings: check_esignet,
}
