"""OpenCRVS core (<= 1.9) webhooks: the subscription handshake and BIRTH/DEATH_REGISTERED.

Core never re-sends a delivery answered with an error, so once the signature is good the
record is stored whatever its content; mapping problems show up on the submission.
"""

import json
import logging

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from integration.models import OpenCrvsSettings
from integration.services import intake
from integration.services.signatures import opencrvs_signature_matches

log = logging.getLogger(__name__)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def opencrvs_webhook(request) -> HttpResponse:
    if request.method == "GET":
        # OpenCRVS verifies the callback without the `hub.` prefix.
        challenge = request.GET.get("challenge")
        if request.GET.get("mode") != "subscribe" or not challenge:
            return JsonResponse({"detail": "mode=subscribe and challenge are required"}, status=400)
        return JsonResponse({"challenge": challenge})
    return _delivery(request)


def _delivery(request) -> HttpResponse:
    secret = OpenCrvsSettings.load().webhook_secret
    if not secret:
        log.error("an OpenCRVS webhook arrived but no webhook secret is configured")
        return JsonResponse({"detail": "Webhooks are not configured on this portal."}, status=503)
    if not opencrvs_signature_matches(request.body, request.headers.get("X-Hub-Signature"), secret):
        log.warning("OpenCRVS webhook with a missing or wrong X-Hub-Signature refused")
        return JsonResponse({"detail": "X-Hub-Signature does not match."}, status=401)
    try:
        body = json.loads(request.body)
        topic = body["event"]["hub"]["topic"]
        bundle = body["event"]["context"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        return JsonResponse(
            {"event": ["Expected {event: {hub: {topic}, context: [<FHIR Bundle>]}}."]},
            status=400,
        )
    if topic not in intake.WEBHOOK_TOPICS:
        return JsonResponse({"topic": [f"Unknown topic {topic!r}."]}, status=400)
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        return JsonResponse({"context": ["Expected a FHIR Bundle."]}, status=400)
    intake.receive(intake.from_webhook(bundle, topic, request.body))
    return JsonResponse({}, status=202)
