"""Check mapped fields against the MOSIP ID schema before anything is sent: required
fields, types and the schema's regex validators, each problem in plain words."""

import re
import threading
from functools import lru_cache
from typing import Any

from jsonschema import Draft7Validator

# MOSIP fills IDSchemaVersion from the packet's schemaVersion; the country never sends it.
FILLED_BY_MOSIP = {"IDSchemaVersion"}
KIND_WORDS = {
    "simpleType": 'a list of {"language", "value"} entries',
    "documentType": "a document object",
    "biometricsType": "a biometrics object",
}


def _identity(schema: dict) -> dict:
    return ((schema.get("properties") or {}).get("identity")) or {}


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None  # a Java-only construct; MOSIP itself still checks it


def _describe(prop: dict) -> str:
    ref = prop.get("$ref", "")
    kind = ref.rsplit("/", 1)[-1] if ref else prop.get("type", "a value")
    return KIND_WORDS.get(kind, f"a {kind}" if isinstance(kind, str) else f"one of {kind}")


def _texts(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v.get("value", "")) for v in value if isinstance(v, dict)]
    return [str(value)]


# The validators of the schema last used: the MOSIP settings are kept per process (see
# integration/config_cache.py), so every record brings the same schema object until an
# admin changes it. Holding the object keeps its id from being reused.
_built: tuple[dict, dict[str, Draft7Validator]] = ({}, {})
_built_lock = threading.Lock()


def _validator(schema: dict, name: str) -> Draft7Validator:
    global _built
    with _built_lock:
        if _built[0] is not schema:
            _built = (schema, {})
        validators = _built[1]
        if name not in validators:
            prop = _identity(schema)["properties"][name]
            subschema = {**prop, "definitions": schema.get("definitions", {})}
            validators[name] = Draft7Validator(subschema)
        return validators[name]


def validate_fields(fields: dict, schema: dict) -> dict[str, str]:
    """Problems per field; empty when the fields fit the schema (or there is none)."""
    identity = _identity(schema)
    if not identity:
        return {}
    props = identity.get("properties") or {}
    problems: dict[str, str] = {}
    for name in identity.get("required") or []:
        if name not in FILLED_BY_MOSIP and name not in fields:
            problems[name] = f"{name} is required by the ID schema but was not mapped"
    for name, value in fields.items():
        prop = props.get(name)
        if prop is None:
            if identity.get("additionalProperties") is False:
                problems[name] = f"{name} is not a field of the ID schema"
            continue
        if next(_validator(schema, name).iter_errors(value), None) is not None:
            problems[name] = f"{name} must be {_describe(prop)}, got {value!r}"[:300]
            continue
        for validator in prop.get("validators") or []:
            pattern = (
                _regex(validator.get("validator", "")) if validator.get("type") == "regex" else None
            )
            bad = [t for t in _texts(value) if pattern and not pattern.search(t)]
            if bad:
                problems[name] = f"{name} {bad[0]!r} does not match the ID schema's format"
                break
    return problems
