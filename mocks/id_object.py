"""The stand-in MOSIP's check of a packet's fields against the ID schema sent with it,
as MOSIP's ID object validator reports them: KER-IOV-005 for a missing required field,
KER-IOV-004 for one that is present but empty or invalid. Written apart from the
portal's own check, so the tests compare two readings of the schema."""

from __future__ import annotations

import re
from typing import Any

from jsonschema import Draft7Validator

MISSING, INVALID = "KER-IOV-005", "KER-IOV-004"
# MOSIP fills IDSchemaVersion from the packet's schemaVersion.
FILLED_BY_MOSIP = {"IDSchemaVersion"}


def _blank(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list):
        return not value or any(
            isinstance(v, dict) and not str(v.get("value", "")).strip() for v in value
        )
    return value is None


def _texts(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v.get("value", "")) for v in value if isinstance(v, dict)]
    return [str(value)]


def identity_problems(fields: dict, schema: dict) -> list[tuple[str, str]]:
    identity = (schema.get("properties") or {}).get("identity") or {}
    props = identity.get("properties") or {}
    problems = [
        (MISSING, f"Missing input parameter - identity/{name}")
        for name in identity.get("required") or []
        if name not in FILLED_BY_MOSIP and name not in fields
    ]
    for name, value in fields.items():
        prop = props.get(name)
        invalid = (INVALID, f"Invalid input parameter - identity/{name}")
        if prop is None:
            if identity.get("additionalProperties") is False:
                problems.append(invalid)
            continue
        subschema = {**prop, "definitions": schema.get("definitions", {})}
        if _blank(value) or next(Draft7Validator(subschema).iter_errors(value), None):
            problems.append(invalid)
            continue
        for validator in prop.get("validators") or []:
            try:
                pattern = re.compile(validator.get("validator", ""))
            except re.error:
                continue  # a Java-only construct
            if validator.get("type") == "regex" and not all(
                pattern.search(t) for t in _texts(value)
            ):
                problems.append(invalid)
                break
    return problems
