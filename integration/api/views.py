"""Endpoints OpenCRVS and MOSIP call. Views only validate, hand over to a service and
answer; the work happens in `integration.services`."""

import json
import logging

from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from integration.api.authentication import HasRecordToken, RecordTokenAuthentication
from integration.api.serializers import RegistrationRequestSerializer
from integration.models import MosipSettings
from integration.services.credential import receive_credential
from integration.services.intake import receive_registration
from integration.services.websub import signature_matches

log = logging.getLogger(__name__)


@extend_schema(request=RegistrationRequestSerializer, responses={202: None})
@api_view(["POST"])
@authentication_classes([RecordTokenAuthentication])
@permission_classes([HasRecordToken])
def registration(request: Request) -> Response:
    """Drop-in for mosip-api's `POST /events/registration` (PROTOCOLS.md (1))."""
    serializer = RegistrationRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    receive_registration(request.data, request.auth)
    return Response({}, status=status.HTTP_202_ACCEPTED)


@csrf_exempt
def websub_callback(request) -> HttpResponse:
    """MOSIP's WebSub hub: intent verification (GET) and CREDENTIAL_ISSUED (POST)."""
    if request.method == "GET":
        challenge = request.GET.get("hub.challenge")
        if not challenge:
            return HttpResponseBadRequest("hub.challenge is required", content_type="text/plain")
        return HttpResponse(challenge, content_type="text/plain")
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    return _credential_issued(request)


def _credential_issued(request) -> HttpResponse:
    secret = MosipSettings.load().websub_secret
    if secret and not signature_matches(
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
        return JsonResponse({"detail": "Expected a WebSub event with an `event` object."}, 400)
    outcome = receive_credential(event)
    now = timezone.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")
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
        }
    )
