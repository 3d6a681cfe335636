"""Structured logs: one JSON object per line, with the request id and, where there is one,
the submission and its MOSIP transaction id, so a line can be found from either end.

The context lives in contextvars: the request-id middleware sets it for a web request;
Celery carries the request id to the tasks the request queued (a message header) and
clears the context after each task; services bind the submission they work on.

What is logged is ids and reasons, never a person's data: log calls pass ids only, and
every message and traceback goes through `redact` (tokens, secrets) on its way out.
"""

import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any

from django.http.request import split_domain_port
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from integration.redaction import redact

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
submission_id: ContextVar[int | None] = ContextVar("submission_id", default=None)
transaction_id: ContextVar[str | None] = ContextVar("transaction_id", default=None)
CONTEXT = {
    "request_id": request_id,
    "submission_id": submission_id,
    "transaction_id": transaction_id,
}
HEADER = "portal_request_id"  # the Celery message header carrying it
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_BEARER = re.compile(r"(Bearer\s+)[\w.~+/-]+=*", re.IGNORECASE)
# PostgreSQL's messages echo what they refused: DETAIL, CONTEXT ("JSON data, line 1:
# ...a child's name..."), and LINE n: with the statement and its values, then a caret.
_DATABASE_ECHO = re.compile(r"^(\s*(?:DETAIL|CONTEXT|LINE \d+|HINT|QUERY)):.*$", re.MULTILINE)
_CARET_LINE = re.compile(r"^\s*\^\s*$\n?", re.MULTILINE)


def scrub(text: str) -> str:
    """Tokens, secrets and database echoes out of text that leaves the process (logs,
    error reports): everything `redact` strips, opaque bearer tokens, and the lines in
    which PostgreSQL quotes a refused value."""
    text = _CARET_LINE.sub(
        "", _DATABASE_ECHO.sub(r"\1: [not logged: may hold personal data]", text)
    )
    return redact(_BEARER.sub(r"\1[token]", text))


def new_request_id(offered: str | None = None) -> str:
    """The caller's X-Request-ID when it is a plain id, else a fresh one (a header is
    not trusted to be anything we would want in a log line)."""
    return offered if offered and _SAFE_ID.match(offered) else uuid.uuid4().hex


def bind_submission(submission: Any) -> None:
    submission_id.set(submission.pk)
    transaction_id.set(getattr(submission, "transaction_id", "") or None)


def clear() -> None:
    for var in CONTEXT.values():
        var.set(None)


class ContextFilter(logging.Filter):
    """Adds the ids in context to every record (those already given in `extra` stay)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in CONTEXT.items():
            value = var.get()
            if value is not None and not hasattr(record, name):
                setattr(record, name, value)
        return True


class RefusedHostFilter(logging.Filter):
    """On Django's `django.security.DisallowedHost` logger: a request for a host outside
    ALLOWED_HOSTS is a caller's configuration (or a scanner), not a fault of the portal.
    Django logs it as an ERROR with a traceback; this makes it one WARNING line naming
    the host and the settings that admit it."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        meta = getattr(request, "META", {})
        host = meta.get("HTTP_HOST") or meta.get("SERVER_NAME") or ""
        # The header is the caller's: shown escaped and cut, never trusted.
        name, _port = split_domain_port(host)
        host = host[:100].encode("unicode_escape").decode("ascii")
        if name:
            record.msg = (
                "refused a request for host %r (400 Bad Request): add %r to "
                "DJANGO_ALLOWED_HOSTS if it is the portal's public name, or to "
                "PORTAL_INTERNAL_HOSTS if callers inside the installation's network use it"
            )
            record.args = (host, name[:100])
        else:
            # No setting admits it: Django refuses names that are not valid host names.
            record.msg = (
                "refused a request for host %r (400 Bad Request): not a valid host name "
                "(letters, digits, dots and hyphens only: Swarm's stack_service names with "
                "an underscore are not); call the portal by a name DJANGO_ALLOWED_HOSTS or "
                "PORTAL_INTERNAL_HOSTS lists"
            )
            record.args = (host,)
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info, record.exc_text = None, None
        return True


class JsonFormatter(_JsonFormatter):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("fmt", "%(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", True)
        super().__init__(*args, **kwargs)

    def process_log_record(self, log_record: dict) -> dict:
        for key in ("message", "exc_info", "stack_info"):
            if isinstance(log_record.get(key), str):
                log_record[key] = scrub(log_record[key])
        return super().process_log_record(log_record)


class PlainFormatter(logging.Formatter):
    """For a developer's terminal (PORTAL_LOG_FORMAT=plain): the same ids, one line."""

    def format(self, record: logging.LogRecord) -> str:
        ids = " ".join(
            f"{name}={getattr(record, name)}" for name in CONTEXT if hasattr(record, name)
        )
        line = super().format(record)
        return scrub(f"{line} [{ids}]" if ids else line)


class RequestIdMiddleware:
    """Gives every request an id (the caller's X-Request-ID when usable), puts it in the
    log context and answers it back in X-Request-ID."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        clear()
        request.request_id = new_request_id(request.headers.get("X-Request-ID"))
        request_id.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            clear()
        response["X-Request-ID"] = request.request_id
        return response
