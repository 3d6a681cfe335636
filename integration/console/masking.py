"""Personal data hidden from those who may not see it (auditors).

Masking is by allowlist: every value in a request or packet is hidden except the few
keys known to carry no personal data, so a field nobody thought of stays hidden too.
"""

from typing import Any

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


def scrub(text: str, values: set[str]) -> str:
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text
