"""Fetch the signed-in person's details from E-Signet for an OpenCRVS form.

Unlike the reference, which decodes the user info without any check, the answer is
verified (esignet_trust) before it is turned into OpenCRVS's shape (esignet_answer). A
refusal is a 502 that says why; nothing of the person is logged or stored.
"""

import logging
from urllib.parse import urlsplit, urlunsplit

from integration.clients.esignet import EsignetClient, EsignetRefused
from integration.clients.http import RemoteError
from integration.crypto.esignet_jose import TokenRefused
from integration.crypto.esignet_keys import EsignetKeyError
from integration.models import EsignetSettings, VerificationKind, VerificationResult
from integration.reasons import Reason
from integration.services.esignet_answer import to_opencrvs
from integration.services.esignet_trust import trusted_user_info
from integration.services.verification import Check, VerificationError

log = logging.getLogger(__name__)


def strip_query(url: str) -> str:
    """OpenCRVS passes the page URL, which by now carries ?code=…&state=…"""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def fetch_user_info(code: str, client_id: str, redirect_uri: str, transaction_id: str = "") -> dict:
    """The person's details in OpenCRVS's shape. Raises VerificationError: 400 when
    E-Signet does not accept the code, 502 when it cannot be used, 503 when unset."""
    check = Check(VerificationKind.ESIGNET, transaction_id)
    config = EsignetSettings.load()
    if not config.is_configured:
        raise check.fail(Reason("esignet_not_configured"), 503)
    client = EsignetClient(config)
    try:
        tokens = client.exchange_code(code, client_id, strip_query(redirect_uri))
        raw = client.user_info(tokens.access_token)
        claims = trusted_user_info(raw, tokens, client, client_id)
    except EsignetRefused as exc:
        if exc.error != "invalid_grant":  # anything else is about the portal's request
            raise check.fail(exc.reason, error_code=exc.error, http_status=exc.http_status) from exc
        check.record(
            VerificationResult.FAILED,
            error_code=exc.error,
            error_message=exc.reason,
            http_status=exc.http_status,
        )
        raise VerificationError(
            "E-Signet did not accept the authorisation code (expired, used, or issued for "
            "another client or redirect URI).",
            400,
        ) from exc
    except RemoteError as exc:
        raise check.fail(exc.reason, http_status=exc.http_status) from exc
    except TokenRefused as exc:
        raise check.fail(Reason("esignet_userinfo_refused", error=exc)) from exc
    except (EsignetKeyError, ValueError) as exc:  # the stored keys
        raise check.fail(Reason("esignet_settings_unusable", error=exc), 503) from exc
    check.record(VerificationResult.VERIFIED, http_status=200)
    return to_opencrvs(claims, config.claims_language)
