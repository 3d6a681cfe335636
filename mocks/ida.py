"""Stand-in MOSIP IDA: demographic authentication, checked for real
(docs/protocols.md#nid-verification).

``POST /idauthentication/v1/auth/{MISP licence key}/{partner id}/{partner API key}``, as
MOSIP IDA serves it. The request is handled the way IDA does, in this order, and each
failure answers HTTP 200 with IDA's error code and ``authStatus: false``:

partner (IDA-MPA-007/009/014) → fields (IDA-MLC-006/009/014) → ``Signature`` header, a
detached RS256 JWS whose ``x5c`` must be the partner's certificate (IDA-MPA-001/002) →
thumbprint and decryption (IDA-MPA-003) → requestHMAC (IDA-MPA-016) → the ID
(IDA-MLC-018) → demographics against ``mock-identities.json`` (IDA-DEA-001).

The crypto (``ida_crypto``) is written from the protocol with ``cryptography`` primitives,
independently of the portal's ``integration.crypto.ida``, so each side checks the other.
"""

from __future__ import annotations

import hmac
import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from .base import JSON, Controls, StandIn, iso_now, json_response
from .ida_crypto import IdaError, decrypt_request, verify_signature
from .paths import certs_dir, identities_path

AUTH_PATH = "/idauthentication/v1/auth"
# The demo partner; the portal's demo settings use the same values.
DEMO_PARTNER_ID = "opencrvs-auth-partner"
DEMO_MISP_LICENSE_KEY = "demo-misp-licence-key"
DEMO_API_KEY = "demo-partner-api-key"
DEMO_KEYSTORE_PASSWORD = "mosip123"

REQUEST_TIME_WINDOW = timedelta(hours=24)
REQUIRED_FIELDS = (
    "id",
    "version",
    "individualId",
    "individualIdType",
    "transactionID",
    "requestTime",
    "thumbprint",
    "domainUri",
    "env",
    "consentObtained",
    "request",
    "requestSessionKey",
    "requestHMAC",
)


def _words(text: str) -> list[str]:
    return text.casefold().split()


def _english(values: Any) -> str | None:
    if not isinstance(values, list) or not values:
        return None
    chosen = next(
        (v for v in values if isinstance(v, dict) and v.get("language") == "eng"), values[0]
    )
    return str(chosen.get("value", "")) if isinstance(chosen, dict) else None


def match_demographics(identity: JSON, demographics: JSON) -> list[JSON]:
    """IDA-DEA-001 for each attribute given that does not match the identity."""
    errors = []
    if "name" in demographics:
        given = _words(_english(demographics["name"]) or "")
        first, middle, family = (
            _words(identity[k]) for k in ("firstName", "middleName", "familyName")
        )
        if given not in (first + family, first + middle + family):
            errors.append(IdaError("IDA-DEA-001", "Demographic data name in eng did not match"))
    if "dob" in demographics and demographics["dob"] != identity["birthDate"].replace("-", "/"):
        errors.append(IdaError("IDA-DEA-001", "Demographic data dob did not match"))
    if "gender" in demographics:
        gender = (_english(demographics["gender"]) or "").casefold()
        if gender != identity["gender"].casefold():
            errors.append(IdaError("IDA-DEA-001", "Demographic data gender in eng did not match"))
    return [e.entry for e in errors]


class IdaStandIn(StandIn):
    name = "ida"

    def __init__(
        self,
        *,
        partner_id: str = DEMO_PARTNER_ID,
        misp_license_key: str = DEMO_MISP_LICENSE_KEY,
        api_key: str = DEMO_API_KEY,
        people: str | Path | None = None,
        controls: Controls | None = None,
        quiet: bool = True,
    ) -> None:
        super().__init__(controls, quiet=quiet)
        certs = certs_dir()
        self.partner_id, self.misp_license_key, self.api_key = partner_id, misp_license_key, api_key
        # IDA's own key pair (partners encrypt for ida-partner.crt) and the partner's
        # registered signing certificate (the keystore's); the demo uses one key for both.
        key = serialization.load_pem_private_key(
            (certs / "mock-only-private-key.pem").read_bytes(), None
        )
        assert isinstance(key, rsa.RSAPrivateKey)
        self.private_key = key
        self.encryption_cert = x509.load_pem_x509_certificate(
            (certs / "ida-partner.crt").read_bytes()
        )
        _key, partner_cert, _chain = pkcs12.load_key_and_certificates(
            (certs / "keystore.p12").read_bytes(), DEMO_KEYSTORE_PASSWORD.encode()
        )
        assert partner_cert is not None
        self.partner_cert = partner_cert
        path = Path(people or identities_path())
        self.identities: dict[str, JSON] = {p["nid"]: p for p in json.loads(path.read_text())}
        self.answer_garbage = False  # answer 200 with an HTML page, as a broken proxy does
        self.authentications: list[JSON] = []  # what was decrypted, and the errors answered

    def rules(self) -> list[Rule]:
        return [
            Rule(f"{AUTH_PATH}/<misp_lk>/<partner_id>/<api_key>", endpoint="auth", methods=["POST"])
        ]

    @property
    def auth_url(self) -> str:
        return f"{self.url}{AUTH_PATH}"

    def on_auth(self, request: Request, misp_lk: str, partner_id: str, api_key: str) -> Response:
        if self.answer_garbage:
            return Response(
                "<html><body>502 Bad Gateway</body></html>", 200, content_type="text/html"
            )
        body: Any = None
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            pass
        try:
            self._check_partner(misp_lk, partner_id, api_key)
            if not isinstance(body, dict):
                raise IdaError("IDA-MLC-007", "Request could not be processed. Please try again")
            self._check_fields(body)
            verify_signature(
                request.headers.get("Signature", ""), request.get_data(), self.partner_cert
            )
            auth_data = json.loads(decrypt_request(body, self.private_key, self.encryption_cert))
            errors = self._authenticate(body, auth_data)
        except IdaError as exc:
            auth_data, errors = None, [exc.entry]
        with self._lock:
            self.authentications.append({"body": body, "authData": auth_data, "errors": errors})
        return json_response(
            {
                "id": "mosip.identity.auth",
                "version": "1.0",
                "transactionID": body.get("transactionID") if isinstance(body, dict) else None,
                "responseTime": iso_now(),
                "errors": errors or None,
                "response": {
                    "authStatus": not errors,
                    "authToken": "".join(secrets.choice("0123456789") for _ in range(36)),
                },
            }
        )

    def _check_partner(self, misp_lk: str, partner_id: str, api_key: str) -> None:
        if not hmac.compare_digest(misp_lk.encode(), self.misp_license_key.encode()):
            raise IdaError("IDA-MPA-007", "License key does not belong to a registered MISP")
        if partner_id != self.partner_id:
            raise IdaError("IDA-MPA-009", "Partner is not registered")
        if not hmac.compare_digest(api_key.encode(), self.api_key.encode()):
            raise IdaError("IDA-MPA-014", "Partner is not assigned with any policy")

    def _check_fields(self, body: JSON) -> None:
        for name in REQUIRED_FIELDS:
            if body.get(name) in (None, ""):
                raise IdaError("IDA-MLC-006", f"Missing Input Parameter - {name}")
        if body["id"] != "mosip.identity.auth":
            raise IdaError("IDA-MLC-009", "Invalid Input Parameter - id")
        if body["individualIdType"] not in ("UIN", "VID"):
            raise IdaError("IDA-MLC-009", "Invalid Input Parameter - individualIdType")
        tx = body["transactionID"]
        if not (isinstance(tx, str) and len(tx) == 10 and tx.isdigit()):
            raise IdaError("IDA-MLC-009", "Invalid Input Parameter - transactionID")
        if body["consentObtained"] is not True:
            raise IdaError("IDA-MLC-014", "Individual's Consent is not available")
        try:
            sent = datetime.fromisoformat(str(body["requestTime"]).replace("Z", "+00:00"))
            late = abs(datetime.now(UTC) - sent) > REQUEST_TIME_WINDOW
        except (ValueError, TypeError) as exc:
            raise IdaError("IDA-MLC-009", "Invalid Input Parameter - requestTime") from exc
        if late:
            raise IdaError("IDA-MLC-001", "Request to be received at MOSIP within 1440 minutes")

    def _authenticate(self, body: JSON, auth_data: Any) -> list[JSON]:
        demographics = auth_data.get("demographics") if isinstance(auth_data, dict) else None
        if not isinstance(demographics, dict) or not demographics:
            raise IdaError("IDA-MLC-008", "No authentication type selected")
        identity = self.identities.get(str(body["individualId"]))
        if identity is None:
            # As current IDA answers an id it does not hold (older releases: IDA-MLC-002).
            raise IdaError("IDA-MLC-018", f"{body['individualIdType']} not available in database")
        return match_demographics(identity, demographics)
