"""Keeping secrets and a person's data out of what is stored or logged. No Django
imports: the log formatter loads this before the apps are ready."""

import re

_SECRETISH = re.compile(
    r'("?(?:token|authorization|secret|secretKey|password|credential|jws|access_token|'
    r'id_token|client_assertion)"?\s*[:=]\s*"?)([^",&\s}]+)',
    re.IGNORECASE,
)
_JWT = re.compile(r"eyJ[\w-]+\.[\w-]*\.[\w-]*")


def redact(text: str) -> str:
    """Strip tokens and secrets from text before it is stored or logged."""
    text = _JWT.sub("[token]", text)
    return _SECRETISH.sub(lambda m: m.group(1) + "[redacted]", text)
