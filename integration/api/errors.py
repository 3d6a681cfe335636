"""What callers get when something on our side is down or broken: JSON, never HTML.

OpenCRVS and MOSIP's hub send again what is answered 503, so an outage of our own
database, cache or broker is answered 503 with `Retry-After`, never 500. Nothing of the
request (and nothing of the exception's text, which may quote it) goes into the log.
"""

import logging
import sys

from django.db import DataError
from django.http import HttpRequest, JsonResponse

from integration import app_settings
from integration.outages import outage_of

log = logging.getLogger(__name__)


def unavailable(service: str) -> JsonResponse:
    response = JsonResponse(
        {"detail": f"The portal's {service} is unavailable; send this again later."},
        status=503,
    )
    response["Retry-After"] = str(app_settings.RETRY_AFTER_SECONDS)
    return response


def with_retry_after(response: JsonResponse) -> JsonResponse:
    if response.status_code == 503:
        response["Retry-After"] = str(app_settings.RETRY_AFTER_SECONDS)
    return response


def unstorable() -> JsonResponse:
    return JsonResponse(
        {"detail": "The request holds text that cannot be stored (e.g. a NUL character)."},
        status=400,
    )


class OutageMiddleware:
    """Answers a view's infrastructure failure with 503 JSON before Django logs the
    exception (whose text can quote the request's data)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> JsonResponse | None:
        service = outage_of(exc)
        if service:
            log.warning("%s %s answered 503: the %s is unavailable (%s)",
                        request.method, request.path, service, type(exc).__name__)  # fmt: skip
            return unavailable(service)
        if isinstance(exc, DataError):
            log.warning("%s %s answered 400: the database refused a value (%s)",
                        request.method, request.path, type(exc).__name__)  # fmt: skip
            return unstorable()
        return None


def server_error(request: HttpRequest) -> JsonResponse:
    """handler500: a failure outside a view (a middleware, say) is still JSON, and
    still 503 when it is an outage."""
    service = outage_of(sys.exc_info()[1])
    if service:
        return unavailable(service)
    return JsonResponse({"detail": "Internal error; it has been logged."}, status=500)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": "Bad request."}, status=400)
