"""Endpoints OpenCRVS calls with a record token. Views only validate, hand over to the
intake service and answer; the work happens in `integration.services`."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from integration.api.authentication import HasRegistrationToken, RecordTokenAuthentication
from integration.api.serializers import (
    EventDocumentSerializer,
    RegistrationRequestSerializer,
    UpdateBiographicsSerializer,
)
from integration.services import intake


@extend_schema(request=RegistrationRequestSerializer, responses={202: None, 409: None})
@api_view(["POST"])
@authentication_classes([RecordTokenAuthentication])
@permission_classes([HasRegistrationToken])
def registration(request: Request) -> Response:
    """Drop-in for mosip-api's `POST /events/registration`
    (docs/protocols.md#registration-request)."""
    RegistrationRequestSerializer(data=request.data).is_valid(raise_exception=True)
    return _receive(intake.from_registration_request(request.data, request.auth))


@extend_schema(request=UpdateBiographicsSerializer, responses={202: None, 409: None})
@api_view(["POST"])
@authentication_classes([RecordTokenAuthentication])
@permission_classes([HasRegistrationToken])
def update_biographics(request: Request) -> Response:
    """mosip-api 2.x's `POST /events/update-biographics`: an approved birth correction,
    sent to MOSIP as a `CRVS_UPDATE` packet and confirmed with
    `event.actions.correction.approve.accept`."""
    UpdateBiographicsSerializer(data=request.data).is_valid(raise_exception=True)
    return _receive(intake.from_correction_request(request.data, request.auth))


@extend_schema(request=EventDocumentSerializer, responses={202: None, 409: None})
@api_view(["POST"])
@authentication_classes([RecordTokenAuthentication])
@permission_classes([HasRegistrationToken])
def event_document(request: Request, event_type: str) -> Response:
    """A raw OpenCRVS v1.9 EventDocument, forwarded verbatim by the country config from
    `/trigger/events/{eventType}/actions/REGISTER` (docs/protocols.md#event-document)."""
    serializer = EventDocumentSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    if request.data["type"] != event_type:
        return Response(
            {"type": [f"The document is a '{request.data['type']}' event, not '{event_type}'."]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if request.data["id"] != request.auth.event_id:
        return Response(
            {"id": ["The token was issued for another event than this document."]},
            status=status.HTTP_403_FORBIDDEN,
        )
    try:
        incoming = intake.from_event_document(request.data, request.auth)
    except intake.NotConfigured as exc:
        # The portal's configuration, not the record, is at fault: 400 would make
        # OpenCRVS reject the registration.
        return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    return _receive(incoming)


def _receive(incoming: intake.Incoming) -> Response:
    try:
        intake.receive(incoming)
    except intake.EventConflict as exc:
        return Response(
            {"detail": str(exc), "certificateNumber": incoming.certificate_number},
            status=status.HTTP_409_CONFLICT,
        )
    return Response({}, status=status.HTTP_202_ACCEPTED)
