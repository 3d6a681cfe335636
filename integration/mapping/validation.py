"""Check mapped fields as MOSIP's ID object validator will check the packet, before
anything is sent (docs/mosip-validation.md): each problem in plain words, per field.

What MOSIP reports, and so what is checked here:
- a field the ID schema requires that is absent, but only if the process's
  mandatory-attributes list names it (an empty list: every required field);
- a value of the wrong JSON type (a plain string where the schema wants a list of
  {"language", "value"} entries, a number as text...), a list entry without its
  language or value, or an entry with keys the schema does not allow;
- a value failing one of the field's regex `validators`, matched against the whole text.
  MOSIP's JSON schema library (draft 4) replaces a property that is a `$ref` by the
  definition it points to, so validators beside a `$ref` (those of simpleType fields) are
  never applied, by MOSIP or here.
Other JSON schema keywords (enum, pattern, uniqueItems...) fail nothing in MOSIP; fields
the schema does not define are left out of the packet by MOSIP's packet writer, so they
are not a problem either.
"""

import re
import threading
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext_noop
from jsonschema import Draft4Validator

from integration.mapping.mosip_rules import FILLED_BY_MOSIP
from integration.reasons import Reason

# English msgids: stored as they are with a reason, translated when shown (Reason).
KIND_WORDS = {
    "simpleType": gettext_noop('a list of {"language", "value"} entries'),
    "documentType": gettext_noop("a document object"),
    "biometricsType": gettext_noop("a biometrics object"),
}
# The JSON schema errors MOSIP's validator turns into KER-IOV-004/005.
REPORTED_KEYWORDS = frozenset({"type", "required", "additionalProperties"})


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


def _as_text(value: Any) -> str:
    """The text MOSIP matches a validator against (Jackson's asText: a container is "")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return ""


# The validators of the schema last used: every record of a process brings the same
# schema object until it changes (settings, or a fresh copy from MOSIP's masterdata).
# Holding the object keeps its id from being reused.
_built: tuple[dict, dict[str, Draft4Validator]] = ({}, {})
_built_lock = threading.Lock()


def _validator(schema: dict, name: str) -> Draft4Validator:
    global _built
    with _built_lock:
        if _built[0] is not schema:
            _built = (schema, {})
        validators = _built[1]
        if name not in validators:
            prop = _identity(schema)["properties"][name]
            subschema = {**prop, "definitions": schema.get("definitions", {})}
            validators[name] = Draft4Validator(subschema)
        return validators[name]


def validate_fields(
    fields: dict, schema: dict, mandatory: frozenset[str] | None = None
) -> dict[str, Reason]:
    """Problems per field; empty when MOSIP's ID object validator will pass the fields
    (or there is no schema). `mandatory`: the names the process's mandatory-attributes
    list counts (mosip_rules.mandatory_for); None or empty: every required field."""
    identity = _identity(schema)
    if not identity:
        return {}
    props = identity.get("properties") or {}
    problems: dict[str, Reason] = {}
    for name in identity.get("required") or []:
        if name in FILLED_BY_MOSIP or name in fields:
            continue
        if mandatory and name not in mandatory:
            continue  # MOSIP reports a missing field only if the process lists it
        problems[name] = Reason("field_required", field=name)
    for name, value in fields.items():
        prop = props.get(name)
        if not isinstance(prop, dict):
            continue  # not written into the packet by MOSIP
        errors = _validator(schema, name).iter_errors(value)
        if any(error.validator in REPORTED_KEYWORDS for error in errors):
            problems[name] = Reason(
                "field_type", field=name, kind=_describe(prop), value=repr(value)[:200]
            )
            continue
        if "$ref" in prop:
            continue
        text = _as_text(value)
        for validator in prop.get("validators") or []:
            if validator.get("type") != "regex":
                continue
            pattern = _regex(validator.get("validator", ""))
            if pattern is not None and not pattern.fullmatch(text):
                problems[name] = Reason("field_format", field=name, value=repr(text)[:200])
                break
    return problems
