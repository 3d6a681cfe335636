"""MOSIP's WebSub hub calls this: intent verification (GET) and CREDENTIAL_ISSUED (POST)."""

import json
import logging

from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from integration.models import MosipSettings
from integration.services.credential import receive_credential
from integration.services.signatures import mosip_signature_matches

log = logging.getLogger(__name__)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def websub_callback(request) -> HttpResponse:
    if request.method == "GET":
        challenge = request.GET.get("hub.challenge")
        if not challenge:
            return HttpResponseBadRequest("hub.challenge is required", content_type="text/plain")
        return HttpResponse(challenge, content_type="text/plain")
    return _credential_issued(request)


def _credential_issued(request) -> HttpResponse:
    secret = MosipSettings.load().websub_secret
    if secret and not mosip_signature_matches(
        request.body, request.headers.get("X-Hub-Signature"), secret
    ):
        log.warning("WebSub delivery with a missing or wrong X-Hub-Signature refused")
        return JsonResponse({"detail": "X-Hub-Signature does not match."}, status=401)
    try:
        body = json.loads(request.body)
    except ValueError:
        return JsonResponse({"detail": "The body is not JSON."}, status=400)
    event = body.get("event") if isinstance(body, dict) else None
    if not isinstance(event, dict):
        return JsonResponse(
            {"detail": "Expected a WebSub event with an `event` object."}, status=400
        )
    outcome = receive_credential(event)
    now = timezone.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")
    # 503 when the portal could not read it for now: the hub delivers it again later.
    return JsonResponse(
        {
            "publisher": body.get("publisher", ""),
            "topic": body.get("topic", ""),
            "publishedOn": now,
            "event": {
                "id": event.get("id", ""),
                "requestId": event.get("transactionId", ""),
                "timestamp": now,
                "status": "RECEIVED" if outcome.accepted else "ERROR",
                "url": "",
            },
        },
        status=503 if outcome.retry else 200,
    )
