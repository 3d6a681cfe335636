"""What is kept of a request the portal sent, beside the reply's excerpt on the record's
timeline: its method and URL, its headers and the start of its body, as sent, with every
secret and token taken out and long opaque values (encrypted blobs, embedded schemas,
documents) cut to their first characters.

Headers are kept by an allowlist: any header not known to be harmless (Authorization,
Cookie, IDA's Signature, an API key...) is shown by name only. Body values are redacted by
their key (secretKey, client_secret, client_assertion, hub.secret, passwords, tokens, session
keys...) and then by `redact` as a last pass, so a token under any other key goes too.

The body is personal data like the reply: auditors see the head only, and retention erases
both. Each excerpt is bounded (at most about EXCERPT_CHARS characters), and only a body of
at most PARSE_BYTES is parsed: a call's record stays small and cheap to make.
"""

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from integration.redaction import redact

EXCERPT_CHARS = 1200
BODY_CHARS = 700
PARSE_BYTES = 256 * 1024
LONG_VALUE = 96  # longer strings are cut (an encrypted blob, a schema, a document)
KEEP_OF_LONG = 24
REDACTED = "[redacted]"
BODY_SEPARATOR = "\n\n"

SAFE_HEADERS = frozenset(
    {
        "accept",
        "accept-encoding",
        "accept-language",
        "connection",
        "content-encoding",
        "content-length",
        "content-type",
        "date",
        "host",
        "transfer-encoding",
        "user-agent",
        "x-request-id",
    }
)
_SECRET_KEY = re.compile(
    r"secret|password|passwd|token|authori[sz]ation|assertion|credential|api[-_]?key|"
    r"licen[cs]e|session[-_]?key|signature|jws|hmac|cookie|private|otp|pin$",
    re.IGNORECASE,
)
_LONG_RUN = re.compile(rf"[A-Za-z0-9+/=_-]{{{LONG_VALUE},}}")


def request_excerpt(request: Any) -> str:
    """A bounded, redacted text of a `requests.PreparedRequest` ("" without one): the
    head (method, URL, headers), a blank line, then the start of the body."""
    if request is None or not getattr(request, "method", None):
        return ""
    try:
        head = [f"{request.method} {redact(str(request.url or ''))[:500]}"]
        for name, value in (request.headers or {}).items():
            head.append(f"{name}: {_header(name, str(value))}")
        text = "\n".join(head)
        body = _body(request.body, (request.headers or {}).get("Content-Type", ""))
    except Exception:  # a record of the call must never break the call
        return ""
    if body:
        text += BODY_SEPARATOR + body
    return text[:EXCERPT_CHARS]


def _header(name: str, value: str) -> str:
    if name.lower() in SAFE_HEADERS:
        return redact(value)
    if name.lower() == "cookie":  # which cookies went (MOSIP's token is one), not their values
        names = (part.split("=", 1)[0].strip() for part in value.split(";"))
        return "; ".join(f"{cookie}={REDACTED}" for cookie in names if cookie)
    return REDACTED


def head_of(excerpt: str) -> tuple[str, bool]:
    """The head of a stored excerpt, and whether it had a body (what an auditor sees)."""
    head, separator, _body = excerpt.partition(BODY_SEPARATOR)
    return head, bool(separator)


def _body(body: Any, content_type: str) -> str:
    if body is None or body in (b"", ""):
        return ""
    if not isinstance(body, bytes | str):
        return "[streamed body, not kept]"
    size = len(body)
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    kind = content_type.split(";")[0].strip().lower()
    shown = None
    if size <= PARSE_BYTES and (kind.endswith("json") or text.lstrip()[:1] in ("{", "[")):
        try:
            shown = json.dumps(_clean(json.loads(text)), ensure_ascii=False)
        except ValueError:
            shown = None
    if shown is None and size <= PARSE_BYTES and kind == "application/x-www-form-urlencoded":
        pairs = parse_qsl(text, keep_blank_values=True)
        shown = urlencode([(key, _clean(value, key)) for key, value in pairs], safe="[]:/")
    if shown is None:
        shown = _LONG_RUN.sub(_cut_run, text[: BODY_CHARS * 2])
    # `redact` is the costly part (a regex tried at every character): only on what is kept,
    # with a margin so that a secret cut at the end is still recognised by its key.
    kept = redact(shown[: BODY_CHARS + 100])[:BODY_CHARS]
    if len(shown) > BODY_CHARS:
        kept += f"… [{size:,} bytes in all]"
    return kept


def _clean(value: Any, key: str | None = None) -> Any:
    """A JSON value with secrets redacted by their key and long strings cut."""
    if key is not None and _secret(key) and value not in (None, "", [], {}):
        return REDACTED
    if isinstance(value, dict):
        return {name: _clean(item, str(name)) for name, item in value.items()}
    if isinstance(value, list):
        return [_clean(item, key) for item in value]
    if isinstance(value, str) and len(value) > LONG_VALUE:
        return f"{value[:KEEP_OF_LONG]}… [{len(value):,} characters]"
    return value


def _secret(key: str) -> bool:
    # A token's or assertion's type (token_type, subject_token_type) names a standard.
    return bool(_SECRET_KEY.search(key)) and not key.lower().endswith("type")


def _cut_run(match: re.Match) -> str:
    run = match.group(0)
    return f"{run[:KEEP_OF_LONG]}… [{len(run):,} characters]"
