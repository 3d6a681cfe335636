"""Error reporting through Sentry's SDK (Django and Celery), set up from settings when
SENTRY_DSN is set.

Nothing personal leaves: no user details or cookies (send_default_pii off), no request
bodies (a registration is all personal data), no local variables of stack frames (they
hold the records), and tokens and secrets redacted from messages and headers.
"""

from typing import Any

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

from integration.logs import scrub as redact

_DROPPED_HEADERS = {"authorization", "cookie", "x-hub-signature", "x-api-key"}


def init_sentry(dsn: str, *, environment: str, traces_sample_rate: float = 0.0) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=traces_sample_rate,
        before_send=scrub_event,
    )


def scrub_event(event: dict[str, Any], _hint: dict[str, Any]) -> dict[str, Any]:
    request = event.get("request") or {}
    headers = request.get("headers")
    if isinstance(headers, dict):
        request["headers"] = {
            name: value for name, value in headers.items() if name.lower() not in _DROPPED_HEADERS
        }
    request.pop("data", None)
    request.pop("cookies", None)
    if isinstance(request.get("query_string"), str):
        request["query_string"] = redact(request["query_string"])
    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception.get("value"), str):
            exception["value"] = redact(exception["value"])
    message = event.get("logentry") or {}
    for key in ("message", "formatted"):
        if isinstance(message.get(key), str):
            message[key] = redact(message[key])
    return event
