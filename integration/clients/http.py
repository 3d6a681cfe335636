"""What every client shares: timeouts, the error kinds the flow retries on, and a record
of each outbound call (an `Attempt`) that never holds a secret or a token."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests
from django.conf import settings

from integration.models import Attempt, Submission
from integration.redaction import redact

# Retrying these can succeed later; any other 4xx will fail the same way again.
RETRIABLE_STATUSES = {408, 429}
EXCERPT_CHARS = 500


class RemoteError(Exception):
    """A remote system did not do what we asked. `retriable` says whether to try again."""

    def __init__(self, message: str, *, retriable: bool, http_status: int | None = None):
        super().__init__(message)
        self.message = message
        self.retriable = retriable
        self.http_status = http_status


def timeouts() -> tuple[float, float]:
    return (settings.PORTAL_HTTP_CONNECT_TIMEOUT, settings.PORTAL_HTTP_READ_TIMEOUT)


def excerpt(response: requests.Response | None) -> str:
    if response is None:
        return ""
    return redact(response.text[:EXCERPT_CHARS])


def reason_in(response: requests.Response) -> str:
    """The remote system's own words for a failure, as a support person wants to read
    them: MOSIP's `errors[].message`, a `message`/`detail`/`error`, else the raw start."""
    try:
        body = response.json()
    except ValueError:
        return excerpt(response)[:200] or response.reason
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = (body[0].get("error") or {}).get("json") or body[0]  # a tRPC batch reply
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            return "; ".join(
                f"{e.get('errorCode', '')}: {e.get('message', '')}".strip(": ")
                if isinstance(e, dict)
                else str(e)
                for e in errors
            )[:300]
        for key in ("message", "detail", "error_description", "error"):
            if isinstance(body.get(key), str):
                return redact(body[key])[:300]
    return excerpt(response)[:200]


def raise_for_status(response: requests.Response, what: str) -> None:
    """Turn an HTTP failure into a RemoteError of the right kind."""
    status = response.status_code
    if status < 400:
        return
    retriable = status >= 500 or status in RETRIABLE_STATUSES
    raise RemoteError(
        f"{what} answered HTTP {status}: {reason_in(response)}",
        retriable=retriable,
        http_status=status,
    )


@dataclass
class CallRecord:
    submission: Submission | None = None  # may be set during the call, once known
    response: requests.Response | None = None
    error: str = ""


@contextmanager
def recorded_call(step: str, url: str, submission: Submission | None) -> Iterator[CallRecord]:
    """Time one outbound call and store it as an Attempt, whatever happens.

    Connection problems are turned into retriable RemoteErrors here, so no client
    handles them twice.
    """
    record = CallRecord(submission)
    started = time.monotonic()
    try:
        yield record
    except requests.Timeout as exc:
        record.error = f"no answer in time from {url}"
        raise RemoteError(record.error, retriable=True) from exc
    except requests.ConnectionError as exc:
        record.error = f"could not connect to {url}"
        raise RemoteError(record.error, retriable=True) from exc
    except (
        requests.exceptions.MissingSchema,
        requests.exceptions.InvalidSchema,
        requests.exceptions.InvalidURL,
    ) as exc:
        record.error = f"the URL {url!r} is not valid: check the settings in the admin"
        raise RemoteError(record.error, retriable=False) from exc
    except requests.RequestException as exc:
        # Broken chunked replies, too many redirects, ...: worth another try.
        record.error = f"the call to {url} failed: {type(exc).__name__}"
        raise RemoteError(record.error, retriable=True) from exc
    except RemoteError as exc:
        record.error = exc.message
        raise
    except Exception as exc:
        record.error = f"unexpected {type(exc).__name__} while calling {url}"
        raise
    finally:
        response = record.response
        Attempt.objects.create(
            submission=record.submission,
            step=step,
            url=url[:500],
            duration_ms=int((time.monotonic() - started) * 1000),
            http_status=response.status_code if response is not None else None,
            error=redact(record.error),
            response_excerpt=excerpt(response),
        )
