"""JSON bodies the portal can store: nothing nested absurdly deep, and no text that
PostgreSQL refuses (NUL, lone surrogates). Refused with 400 naming the field, before
anything is stored or logged.

Below the services: the API's parser (`integration.api.parsing`) and the inbound service,
which parses a kept delivery again, both use it."""

import json
import re
from dataclasses import dataclass

MAX_DEPTH = 64  # FHIR bundles nest about 12 levels; 64 leaves room for any real record
MAX_PATH_SHOWN = 20


@dataclass
class BadInput(ValueError):
    field: str
    message: str

    def as_json(self) -> dict:
        if self.field == "body":
            return {"detail": f"The body {self.message}."}
        return {self.field: [self.message]}


def _path(parts: list[str | int]) -> str:
    shown = parts[:MAX_PATH_SHOWN]
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in shown).lstrip(".")
    return (text or "body") + ("…" if len(parts) > MAX_PATH_SHOWN else "")


# Searched in C: a Python loop over every character cost more than the rest of the check
# (a credential is a few thousand characters of base64).
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _unstorable(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character (\\u0000), which cannot be stored"
    if _LONE_SURROGATE.search(text):
        return "contains a lone surrogate (an unpaired \\uD800-\\uDFFF escape), which is not text"
    return None


def check(document: object) -> None:
    """Walk the parsed document without recursion; raise BadInput at the first problem."""
    stack: list[tuple[object, list[str | int]]] = [(document, [])]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_DEPTH:
            raise BadInput(_path(path), f"is nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, str):
            problem = _unstorable(value)
            if problem:
                raise BadInput(_path(path), problem)
        elif isinstance(value, dict):
            for key, item in value.items():
                problem = _unstorable(key)
                if problem:
                    raise BadInput(_path(path) + " (a key)", problem)
                stack.append((item, [*path, key]))
        elif isinstance(value, list):
            stack.extend((item, [*path, index]) for index, item in enumerate(value))


def parse_json(raw: bytes) -> object:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput("body", "is not UTF-8") from None
    try:
        document = json.loads(text)
    except RecursionError:
        raise BadInput("body", f"is nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise BadInput("body", f"is not JSON ({exc.msg} at position {exc.pos})") from None
    check(document)
    return document
