"""Tokens and secrets stripped from text before it is stored or logged. No model imports:
the logging configuration loads this before Django's apps."""

import re

_SECRETISH = re.compile(
    r'("?(?:token|authorization|secret|secretKey|password|credential|jws|access_token|'
    r'id_token|client_assertion)"?\s*[:=]\s*"?)([^",&\s}]+)',
    re.IGNORECASE,
)
_JWT = re.compile(r"eyJ[\w-]+\.[\w-]*\.[\w-]*")
_BEARER = re.compile(r"(Bearer\s+)[\w.~+/-]+=*", re.IGNORECASE)


def redact(text: str) -> str:
    """Strip tokens and secrets from text before it is stored or logged."""
    text = _JWT.sub("[token]", text)
    text = _BEARER.sub(r"\1[token]", text)
    return _SECRETISH.sub(lambda m: m.group(1) + "[redacted]", text)
