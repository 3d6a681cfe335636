"""Personal data hidden from those who may not see it (auditors).

Masking is by allowlist: every value in a request or packet is hidden except the few
keys known to carry no personal data, so a field nobody thought of stays hidden too.
"""

import re
from collections.abc import Iterable
from typing import Any

from integration.reason_codes import PERSONAL_PARAMS

MASK = "•••••"

# Keys whose values identify the record or describe the format, never the person.
NOT_PERSONAL = frozenset(
    {
        "language",
        "trackingId",
        "birthCertificateNumber",
        "deathCertificateNumber",
        "IDSchemaVersion",
        "registrationType",
        "type",
        "id",
        "status",
        "createdAt",
        "updatedAt",
    }
)


def mask(value: Any, key: str | None = None) -> Any:
    """A copy of a JSON value with every personal leaf replaced by MASK."""
    if isinstance(value, dict):
        return {name: mask(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [mask(item, key) for item in value]
    if value in (None, "") or key in NOT_PERSONAL:
        return value
    return MASK


def mask_text(value: str) -> str:
    return MASK if value else value


def personal_values(*documents: Any) -> set[str]:
    """Every personal value in these JSON documents, to be scrubbed from free text
    (error messages can quote what MOSIP or OpenCRVS refused)."""
    found: set[str] = set()

    def walk(value: Any, key: str | None) -> None:
        if isinstance(value, dict):
            for name, item in value.items():
                walk(item, name)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        elif key not in NOT_PERSONAL and value not in (None, "", True, False):
            text = str(value)
            if len(text) >= 3:
                found.add(text)

    for document in documents:
        walk(document, None)
    return found


# The columns `personal_values_of` reads.
PERSONAL_COLUMNS = ("fields_sent", "raw_request", "vid", "declaration")


def personal_values_of(submission: Any) -> set[str]:
    """Every personal value a submission carries: what OpenCRVS sent, what went to MOSIP
    (an EventDocument holds the names elsewhere than the fields sent), the declaration
    read from OpenCRVS and the VID."""
    return personal_values(
        submission.fields_sent or {},
        submission.raw_request or {},
        submission.declaration or {},
        submission.vid,
    )


def scrub(text: str, values: set[str]) -> str:
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


# A remote system may quote a value in its own way (reformatted, transformed by a
# mapping), so scrubbing the record's values is not enough: anything quoted, and every
# run of digits (dates, phone numbers, NIDs, VIDs) is masked too, except an HTTP status
# and the number in a MOSIP error code (KER-ATH-401), which identify no one. A single
# quote inside a word (O'Brien, schema's) neither opens nor closes a quotation.
_QUOTED = re.compile(r"""(?<!\w)'.*?'(?!\w)|"[^"]*"|‘[^’]*’|“[^”]*”""")
_DIGITS = re.compile(r"(?<![\d])(?<!HTTP )(?<![A-Z]-)\d+")


def mask_message(text: str, values: Iterable[str] = ()) -> str:
    """An error message fit for someone who may not see personal data: the record's own
    values scrubbed first (they may be unquoted), then quoted values and digits."""
    text = scrub(text, set(values))
    text = _QUOTED.sub(lambda m: f"{m.group(0)[0]}{MASK}{m.group(0)[-1]}", text)
    return _DIGITS.sub(MASK, text)


def masked_params(params: dict, values: set[str] | frozenset[str] = frozenset()) -> dict:
    """The stored values with what may quote a person masked (for those who may not see
    personal data), as the record's message is."""

    def mask(name: str, value):
        if isinstance(value, dict) and ("code" in value or "msgid" in value):
            return {**value, "params": masked_params(value.get("params") or {}, values)}
        if isinstance(value, list):
            return [mask(name, item) for item in value]
        if name in PERSONAL_PARAMS and isinstance(value, str | int):
            return mask_message(str(value), values)
        return value

    return {name: mask(name, value) for name, value in (params or {}).items()}
