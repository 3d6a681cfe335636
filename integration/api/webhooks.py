"""OpenCRVS core (<= 1.9) webhooks: the subscription handshake and BIRTH/DEATH_REGISTERED.

Core never re-sends a delivery answered with an error, so every delivery is stored raw
first (services/inbound.py): one with an unexpected shape is kept to be reprocessed, and
once the signature is good the record is stored whatever its content; mapping problems
show up on the submission.
"""

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from integration.api.errors import with_retry_after
from integration.models import InboundKind, InboundOutcome
from integration.services import inbound


@csrf_exempt
@require_http_methods(["GET", "POST"])
def opencrvs_webhook(request) -> HttpResponse:
    if request.method == "GET":
        # OpenCRVS verifies the callback without the `hub.` prefix.
        challenge = request.GET.get("challenge")
        if request.GET.get("mode") != "subscribe" or not challenge:
            return JsonResponse({"detail": "mode=subscribe and challenge are required"}, status=400)
        return JsonResponse({"challenge": challenge})
    event = inbound.store(request, InboundKind.OPENCRVS_WEBHOOK)
    handled = inbound.handle(event)
    if handled.outcome == InboundOutcome.ACCEPTED:
        return JsonResponse({}, status=202)
    if handled.outcome == InboundOutcome.FORGED:
        return JsonResponse({"detail": "X-Hub-Signature does not match."}, status=401)
    detail = handled.detail or {"detail": handled.error}
    return with_retry_after(JsonResponse({**detail, "kept_as": event.pk}, status=handled.status))
