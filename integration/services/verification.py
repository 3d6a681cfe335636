"""Check a person's NID against MOSIP IDA by demographic authentication, and record every
check (without the person's data) for support.

Only IDA's answers about the person become `failed`: demographic mismatches and unknown
or inactive IDs. Any other IDA error (signature, licence key, partner, decryption, …)
means the portal's setup or IDA is at fault, not the person, so the form gets a 502
naming the error instead of a "failed" that would send the registrar chasing the family.
"""

import logging
import time
from dataclasses import dataclass
from typing import Any

from integration.clients.http import RemoteError, redact
from integration.clients.ida import Demographics, IdaAnswer, IdaClient
from integration.crypto.ida import IdaCryptoError
from integration.crypto.keystore import KeystoreError
from integration.models import (
    IdaSettings,
    VerificationKind,
    VerificationRecord,
    VerificationResult,
)
from integration.reasons import Reason

log = logging.getLogger(__name__)

# IDA error codes that are about the person: mismatching or missing demographics, and an
# ID that is invalid, not held (MLC-018; older IDA: MLC-002), deactivated, expired (VID)
# or tied to a deactivated UIN.
PERSON_ERROR_PREFIXES = ("IDA-DEA-",)
PERSON_ERROR_CODES = frozenset(
    {"IDA-MLC-002", "IDA-MLC-003", "IDA-MLC-004", "IDA-MLC-005", "IDA-MLC-012", "IDA-MLC-018"}
)


class VerificationError(Exception):
    """The check could not be made or was refused; `status` is what to answer. `message`
    is English (OpenCRVS's form reads it); the staff row keeps it as a code."""

    def __init__(self, message: object, status: int = 502):
        super().__init__(str(message))
        self.message = str(message)
        self.status = status


@dataclass
class Check:
    """Times one check and writes its VerificationRecord."""

    kind: str
    transaction_id: str = ""
    started: float = 0.0

    def __post_init__(self) -> None:
        self.started = time.monotonic()

    def record(self, result: str, **fields) -> VerificationRecord:
        """`error_message` may be a Reason: stored as its English text and as its code,
        which staff read in their language (a remote's own words apart)."""
        message = fields.get("error_message", "")
        if isinstance(message, Reason):
            stored = message.stored()
            fields["reason_code"] = stored["reason_code"]
            fields["reason_params"] = _redacted(stored["reason_params"])
        fields["error_message"] = redact(str(message))[:500]
        fields["error_code"] = fields.get("error_code", "")[:50]
        return VerificationRecord.objects.create(
            kind=self.kind,
            transaction_id=self.transaction_id[:100],
            result=result,
            duration_ms=int((time.monotonic() - self.started) * 1000),
            **fields,
        )

    def fail(self, message: Reason, status: int = 502, **fields) -> VerificationError:
        """Record an error and return the exception to raise."""
        self.record(VerificationResult.ERROR, error_message=message, **fields)
        log.warning("%s check could not be made: %s", self.kind, message)
        return VerificationError(message, status)


def _redacted(params: Any) -> Any:
    """Stored values without secrets, as the English text (a URL may carry a key)."""
    if isinstance(params, dict):
        return {name: _redacted(value) for name, value in params.items()}
    if isinstance(params, list):
        return [_redacted(value) for value in params]
    return redact(params) if isinstance(params, str) else params


def is_about_person(code: str) -> bool:
    return code.startswith(PERSON_ERROR_PREFIXES) or code in PERSON_ERROR_CODES


def verify_identity(nid: str, person: Demographics, transaction_id: str = "") -> bool:
    """True when IDA authenticates `person` as the holder of `nid`, False when it does not.

    Raises VerificationError when IDA cannot tell (503: not configured; 502: unreachable,
    garbage, or an error about the portal's own request).
    """
    check = Check(VerificationKind.IDA, transaction_id)
    config = IdaSettings.load()
    if not config.is_configured:
        raise check.fail(Reason("ida_not_configured"), 503)
    if not person.full_name:
        # A form sent no name at all: nothing IDA could match, so `failed`, as mosip-api
        # answered (IDA itself would call the request malformed).
        check.record(VerificationResult.FAILED, error_message=Reason("ida_no_name"))
        return False
    try:
        answer = IdaClient(config).authenticate(nid, person)
    except (KeystoreError, IdaCryptoError) as exc:
        raise check.fail(Reason("ida_settings_unusable", error=exc), 503) from exc
    except RemoteError as exc:
        raise check.fail(
            Reason("nid_not_checked", cause=exc.reason), http_status=exc.http_status
        ) from exc
    return _outcome(check, answer)


def _outcome(check: Check, answer: IdaAnswer) -> bool:
    codes = ", ".join(dict.fromkeys(e.code for e in answer.errors))
    messages = "; ".join(dict.fromkeys(e.message for e in answer.errors))
    # IDA's messages are its own words: quoted, never translated.
    said = Reason("ida_answered", codes=codes, verbatim=messages, source="MOSIP IDA")
    fields = {
        "upstream_transaction_id": answer.transaction_id,
        "http_status": answer.http_status,
        "error_code": codes,
        "error_message": said if messages else "",
    }
    if answer.authenticated:
        check.record(VerificationResult.VERIFIED, **fields)
        return True
    if all(is_about_person(e.code) for e in answer.errors):
        check.record(VerificationResult.FAILED, **fields)
        return False
    fields.pop("error_message")
    refused = Reason("ida_refused_request", codes=codes, verbatim=messages, source="MOSIP IDA")
    raise check.fail(refused, **fields)
