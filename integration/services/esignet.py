"""Fetch the signed-in person's details from E-Signet for an OpenCRVS form.

Unlike the reference, the user-info JWT is verified (RS256, against E-Signet's JWKS, with
`aud` = the client id when present) whenever a JWKS URL is configured. The JWKS is fetched
for every sign-in: sign-ins come at human pace, and a rotated key then just works.
"""

import logging
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import jwt

from integration.clients.esignet import ALGORITHM, EsignetClient, EsignetRefused
from integration.clients.http import RemoteError
from integration.models import EsignetSettings, VerificationKind, VerificationResult
from integration.services.verification import Check, VerificationError

log = logging.getLogger(__name__)


class UserInfoInvalid(Exception):
    """The user info is not a JWT we can trust."""


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
        raise check.fail("E-Signet is not configured in the portal.", 503)
    client = EsignetClient(config)
    try:
        token = client.exchange_code(code, client_id, strip_query(redirect_uri))
        claims = _verified_claims(client.user_info(token), client, client_id)
    except EsignetRefused as exc:
        if exc.error != "invalid_grant":  # anything else is about the portal's request
            raise check.fail(
                exc.message, error_code=exc.error, http_status=exc.http_status
            ) from exc
        check.record(
            VerificationResult.FAILED,
            error_code=exc.error,
            error_message=exc.message,
            http_status=exc.http_status,
        )
        raise VerificationError(
            "E-Signet did not accept the authorisation code (expired, used, or issued for "
            "another client or redirect URI).",
            400,
        ) from exc
    except RemoteError as exc:
        raise check.fail(exc.message, http_status=exc.http_status) from exc
    except UserInfoInvalid as exc:
        raise check.fail(f"E-Signet's user info was refused: {exc}") from exc
    except ValueError as exc:  # the stored client key
        raise check.fail(f"The portal's E-Signet settings cannot be used: {exc}", 503) from exc
    check.record(VerificationResult.VERIFIED, http_status=200)
    return to_opencrvs(claims)


def _verified_claims(token: str, client: EsignetClient, client_id: str) -> dict:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise UserInfoInvalid("it is not a signed JWT") from exc
    # Pinned even when no JWKS is configured: an unsigned ("none") token is never taken.
    if header.get("alg") != ALGORITHM:
        raise UserInfoInvalid(f"it is signed with {header.get('alg')!r}, not {ALGORITHM}")
    if not client.config.jwks_url:
        log.warning("E-Signet JWKS URL not set: user info accepted without checking its signature")
        return jwt.decode(token, options={"verify_signature": False})
    key = _signing_key(client.jwks(), header.get("kid"))
    try:
        return jwt.decode(
            token, key, algorithms=[ALGORITHM], audience=client_id, options={"require": ["sub"]}
        )
    except jwt.InvalidSignatureError as exc:
        raise UserInfoInvalid("its signature does not verify against E-Signet's JWKS") from exc
    except jwt.PyJWTError as exc:
        raise UserInfoInvalid(str(exc)) from exc


def _signing_key(jwks: dict, kid: str | None) -> jwt.PyJWK:
    candidates = [
        k
        for k in jwks["keys"]
        if isinstance(k, dict) and k.get("kty") == "RSA" and k.get("use", "sig") == "sig"
    ]
    if kid is not None:
        candidates = [k for k in candidates if k.get("kid") == kid]
    if len(candidates) != 1:
        raise UserInfoInvalid(f"E-Signet's JWKS has no single RSA signing key for kid {kid!r}")
    try:
        return jwt.PyJWK(candidates[0], algorithm=ALGORITHM)
    except jwt.PyJWTError as exc:
        raise UserInfoInvalid(f"E-Signet's JWKS key cannot be used: {exc}") from exc


def _iso_date(value: object) -> str | None:
    """E-Signet writes birthdate as yyyy/MM/dd; OpenCRVS wants yyyy-MM-dd."""
    for pattern in ("%Y/%m/%d", "%Y-%m-%d"):
        try:
            return datetime.strptime(str(value), pattern).date().isoformat()
        except ValueError:
            continue
    return None


def to_opencrvs(claims: dict) -> dict:
    given, middle, family = (
        claims.get(k) or "" for k in ("given_name", "middle_name", "family_name")
    )
    if not (given or family) and isinstance(claims.get("name"), str):
        words = claims["name"].split()  # only a full name: first word and last word
        given, family = (words[0], words[-1]) if len(words) > 1 else (" ".join(words), "")
    answer: dict = {
        "name": {"firstname": str(given), "middlename": str(middle), "surname": str(family)},
        "gender": str(claims["gender"]).lower() if claims.get("gender") else None,
        "verificationStatus": "authenticated",
        "idType": None,
        "nid": None,
    }
    birth_date = _iso_date(claims.get("birthdate"))
    if birth_date:
        answer["birthDate"] = birth_date
    return answer
