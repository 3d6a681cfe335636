"""The MOSIP IDA client: one demographic authentication (docs/protocols.md#nid-verification).

The request URL carries the MISP licence key and the partner API key, so neither the URL
nor a `requests` exception text (which quotes it) ever goes into a message.
"""

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import quote

import requests

from integration.clients.http import RETRIABLE_STATUSES, RemoteError, send
from integration.crypto.ida import (
    certificate_thumbprint,
    encrypt_auth_data,
    load_certificate,
    sign_detached,
)
from integration.crypto.keystore import load_pkcs12
from integration.models import IdaSettings
from integration.reasons import Reason


@dataclass(frozen=True)
class Demographics:
    dob: date
    first_name: str
    surname: str
    gender: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.surname) if part)


@dataclass(frozen=True)
class IdaErrorEntry:
    code: str
    message: str


@dataclass(frozen=True)
class IdaAnswer:
    authenticated: bool
    errors: list[IdaErrorEntry]
    transaction_id: str
    http_status: int


def _timestamp() -> str:
    # As IDA's own clients write it: UTC, milliseconds, Z.
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _transaction_id() -> str:
    return str(10**9 + secrets.randbelow(9 * 10**9))  # 10 digits, as IDA requires


def auth_data(person: Demographics) -> dict:
    demographics: dict = {
        "dob": person.dob.strftime("%Y/%m/%d"),
        "name": [{"language": "eng", "value": person.full_name}],
    }
    if person.gender:
        demographics["gender"] = [{"language": "eng", "value": person.gender}]
    return {"biometrics": [], "demographics": demographics, "otp": "", "timestamp": _timestamp()}


class IdaClient:
    def __init__(self, config: IdaSettings | None = None):
        self.config = config or IdaSettings.load()

    def build_request(self, nid: str, person: Demographics) -> tuple[bytes, str, str]:
        """The JSON body, its `Signature` header value and the IDA transaction id."""
        config = self.config
        cert = load_certificate(config.encryption_certificate)
        signing_key, signing_cert = load_pkcs12(
            bytes(config.signing_keystore), config.signing_keystore_password
        )
        sealed = encrypt_auth_data(json.dumps(auth_data(person)).encode(), cert)
        transaction_id = _transaction_id()
        body = {
            "id": "mosip.identity.auth",
            "version": "1.0",
            "individualId": nid,
            "individualIdType": config.individual_id_type,
            "transactionID": transaction_id,
            "requestTime": _timestamp(),
            "specVersion": "1.0",
            "thumbprint": certificate_thumbprint(cert),
            "domainUri": config.domain_uri,
            "env": config.env,
            # As the reference sends it, which IDA accepts for demographic auth.
            "requestedAuth": {"demo": False, "pin": False, "otp": False, "bio": False},
            "consentObtained": True,
            "request": sealed.request,
            "requestSessionKey": sealed.request_session_key,
            "requestHMAC": sealed.request_hmac,
        }
        raw = json.dumps(body).encode()
        return raw, sign_detached(raw, signing_key, signing_cert), transaction_id

    def authenticate(self, nid: str, person: Demographics) -> IdaAnswer:
        """Ask IDA whether `person` is who `nid` names. Raises RemoteError when IDA cannot
        answer (unreachable, HTTP error, or a reply that is not IDA's JSON)."""
        body, signature, transaction_id = self.build_request(nid, person)
        config = self.config
        secrets_path = "/".join(
            quote(part, safe="")
            for part in (config.misp_license_key, config.partner_id, config.partner_api_key)
        )
        base = config.auth_url.rstrip("/")
        headers = {
            "Content-Type": "application/json",
            "Signature": signature,
            "Authorization": "Authorization",  # IDA wants the header; no consent token here
        }
        # `what` keeps the keys in the URL's path out of every message.
        response = send(
            "POST",
            f"{base}/{secrets_path}",
            what=f"MOSIP IDA at {base}",
            data=body,
            headers=headers,
        )
        return _answer(response, transaction_id)


def _answer(response: requests.Response, transaction_id: str) -> IdaAnswer:
    status = response.status_code
    if status >= 400:
        raise RemoteError(
            Reason("remote_http", system="MOSIP IDA", status=status),
            retriable=status >= 500 or status in RETRIABLE_STATUSES,
            http_status=status,
        )
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise RemoteError(
            Reason("ida_not_json", status=status),
            retriable=False,
            http_status=status,
        )
    listed = payload.get("errors")
    errors = [
        IdaErrorEntry(str(e.get("errorCode", "")), str(e.get("errorMessage", "")))
        for e in (listed if isinstance(listed, list) else [])
        if isinstance(e, dict)
    ]
    inner = payload.get("response")
    status_value = inner.get("authStatus") if isinstance(inner, dict) else None
    if not isinstance(status_value, bool) and not errors:
        raise RemoteError(
            Reason("ida_no_auth_status", status=status),
            retriable=False,
            http_status=status,
        )
    return IdaAnswer(status_value is True and not errors, errors, transaction_id, status)
