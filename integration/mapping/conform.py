"""Bring mapped fields into the shapes the ID schema asks for, where that takes no guess.

- A field with no value (None, blank, the country config's "@TODO", a simpleType whose
  entries are all blank) is left out: MOSIP never gets `[{"language": ..., "value": ""}]`.
- A plain string for a simpleType field becomes `[{"language": <profile's>, "value": ...}]`.
- A year-first date (2024-01-31, 2024.01.31) for a field whose regex wants another layout
  is rewritten in the one layout the regex accepts; if several would match (day and month
  order), it is left alone and validation says why.

Anything else is left as it came, for the ID-schema check to name.
"""

import re
from datetime import date
from typing import Any

from integration.mapping.paths import is_empty
from integration.mapping.schemas import identity_properties
from integration.mapping.transforms import is_simple_type

YEAR_FIRST = re.compile(r"^(\d{4})([-/.])(\d{2})\2(\d{2})$")
DATE_LAYOUTS = ("%Y/%m/%d", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%m/%d/%Y", "%m-%d-%Y", "%Y%m%d")


def without_empty(value: Any) -> Any:
    """The value with blank simpleType entries dropped; None when nothing is left."""
    if is_simple_type(value):
        kept = [entry for entry in value if not is_empty(entry.get("value"))]
        return kept or None
    return None if is_empty(value) else value


def _definition(prop: dict, schema: dict) -> dict:
    ref = prop.get("$ref", "")
    if ref.startswith("#/definitions/"):
        return (schema.get("definitions") or {}).get(ref.rsplit("/", 1)[-1]) or {}
    return prop


def wants_simple_type(prop: dict, schema: dict) -> bool:
    definition = _definition(prop, schema)
    item = definition.get("items") or {}
    return (
        definition.get("type") == "array"
        and isinstance(item, dict)
        and {"language", "value"} <= set(item.get("properties") or {})
    )


def _patterns(prop: dict) -> list[re.Pattern]:
    patterns = []
    for validator in prop.get("validators") or []:
        if validator.get("type") == "regex":
            try:
                patterns.append(re.compile(validator.get("validator", "")))
            except re.error:
                continue
    return patterns


def _matches(text: str, patterns: list[re.Pattern]) -> bool:
    return all(p.search(text) for p in patterns)


def schema_date(text: str, prop: dict) -> str:
    """A year-first date rewritten in the single layout the field's regex accepts."""
    patterns = _patterns(prop)
    found = YEAR_FIRST.match(text.strip())
    if not patterns or not found or _matches(text, patterns):
        return text
    try:
        day = date(int(found[1]), int(found[3]), int(found[4]))
    except ValueError:
        return text  # not a real date: validation names it
    fitting = {day.strftime(layout) for layout in DATE_LAYOUTS}
    fitting = {candidate for candidate in fitting if _matches(candidate, patterns)}
    return fitting.pop() if len(fitting) == 1 else text


def conform(fields: dict, schema: dict, language: str) -> dict:
    props = identity_properties(schema)
    result: dict = {}
    for name, value in fields.items():
        value = without_empty(value)
        if value is None:
            continue
        prop = props.get(name)
        plain = isinstance(value, str | int | float) and not isinstance(value, bool)
        if prop is not None and plain:
            if wants_simple_type(prop, schema):
                value = [{"language": language, "value": str(value).strip()}]
            elif isinstance(value, str):
                value = schema_date(value, prop)
        result[name] = value
    return result
