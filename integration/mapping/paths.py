"""JMESPath: a query language with a spec and no code execution, safe to store."""

from functools import lru_cache
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError


@lru_cache(maxsize=512)
def _compiled(expression: str):
    return jmespath.compile(expression)


def check_expression(expression: str) -> None:
    """Raise ValueError with a readable message if the expression does not parse."""
    try:
        _compiled(expression)
    except JMESPathError as exc:
        hint = (
            ' (keys with dots need quotes: declaration."child.name")' if "." in expression else ""
        )
        raise ValueError(f"not a valid JMESPath expression: {exc}{hint}") from exc


def search(expression: str, document: Any) -> Any:
    if not expression:
        return None
    try:
        return _compiled(expression).search(document)
    except JMESPathError as exc:
        raise ValueError(f"{expression}: {exc}") from exc


# What the reference country config sends for a value it does not have yet.
PLACEHOLDERS = frozenset({"@TODO"})


def is_empty(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip() or value.strip() in PLACEHOLDERS
    return value is None or value == [] or value == {}
