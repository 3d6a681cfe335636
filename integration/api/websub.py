"""MOSIP's WebSub hub calls these: intent verification (GET), CREDENTIAL_ISSUED (POST on
the callback) and the workflow manager's workflow-completed events (POST on the route
next to it, services/workflow_events.py).

Each delivery is stored before it is looked at (services/inbound.py). The hub delivers
again what is answered 503: a credential we could not read for a reason on our side.
"""

from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from integration.api.errors import with_retry_after
from integration.models import InboundKind, InboundOutcome
from integration.services import inbound, websub


def intent_check(request) -> HttpResponse:
    """The hub's intent verification: echo the challenge, and record that the hub
    verified the subscription the portal asked for (services/websub.py). A challenge
    without a mode (a readiness probe) is echoed as mosip-api did."""
    mode, topic = request.GET.get("hub.mode", ""), request.GET.get("hub.topic", "")
    if mode == "denied":
        websub.denied(topic, request.GET.get("hub.reason", ""))
        return HttpResponse(status=204)
    challenge = request.GET.get("hub.challenge")
    if not challenge:
        return HttpResponseBadRequest("hub.challenge is required", content_type="text/plain")
    if mode in {"subscribe", "unsubscribe"} and topic:
        websub.intent_verified(mode, topic, request.GET.get("hub.lease_seconds"))
    return HttpResponse(challenge, content_type="text/plain")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def websub_callback(request) -> HttpResponse:
    if request.method == "GET":
        return intent_check(request)
    handled = inbound.handle(inbound.store(request, InboundKind.CREDENTIAL))
    if handled.outcome == InboundOutcome.FORGED and handled.document is None:
        return JsonResponse({"detail": "X-Hub-Signature does not match."}, status=401)
    if handled.document is None and handled.status != 200:
        return with_retry_after(JsonResponse(handled.detail or {"detail": handled.error},
                                             status=handled.status))  # fmt: skip
    # A correctly signed but malformed delivery is answered too (ERROR, so the hub stops).
    body = handled.document if isinstance(handled.document, dict) else {}
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    now = timezone.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")
    reply = {
        "publisher": body.get("publisher", ""),
        "topic": body.get("topic", ""),
        "publishedOn": now,
        "event": {
            "id": event.get("id", ""),
            "requestId": event.get("transactionId", ""),
            "timestamp": now,
            "status": "RECEIVED" if handled.outcome == InboundOutcome.ACCEPTED else "ERROR",
            "url": "",
        },
    }
    return with_retry_after(JsonResponse(reply, status=handled.status))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def workflow_callback(request) -> HttpResponse:
    """The workflow manager's topic. MOSIP's own subscribers answer it with an empty 200;
    so does the portal, whatever it made of the event (kept on the Inbound page), except
    a wrong signature (401) and what it should be sent again (503)."""
    if request.method == "GET":
        return intent_check(request)
    handled = inbound.handle(inbound.store(request, InboundKind.MOSIP_WORKFLOW))
    if handled.outcome == InboundOutcome.FORGED:
        return JsonResponse({"detail": "X-Hub-Signature does not match."}, status=401)
    if handled.status >= 300:
        return with_retry_after(JsonResponse(handled.detail or {"detail": handled.error},
                                             status=handled.status))  # fmt: skip
    return HttpResponse(status=200)
