"""NID checks OpenCRVS forms make while a declaration is filled in
(docs/protocols.md#nid-verification, #esignet-userinfo).

CORS is handled here, for the E-Signet endpoint only, because the OpenCRVS client app
calls it from the browser. The allowed origin is the one set in the E-Signet settings, so
integration admins keep every E-Signet value in one place, and no site-wide middleware
(django-cors-headers) has to be taught to read it from the database for a single path.
"""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from integration.api.authentication import HasRecordToken, RecordTokenAuthentication
from integration.api.verification_serializers import (
    EsignetAnswerSerializer,
    EsignetQuerySerializer,
    EsignetRequestSerializer,
    VerifyRequestSerializer,
)
from integration.clients.ida import Demographics
from integration.models import EsignetSettings
from integration.services.esignet import fetch_user_info
from integration.services.verification import VerificationError, verify_identity


def _allowed_origin(request: HttpRequest) -> str | None:
    origin = request.headers.get("Origin", "")
    app_url = EsignetSettings.load().client_app_url
    if not origin or not app_url:
        return None
    parts = urlsplit(app_url)
    return origin if origin.lower() == f"{parts.scheme}://{parts.netloc}".lower() else None


def cors_for_client_app(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer preflights and mark answers readable by the OpenCRVS client app's origin."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        origin = _allowed_origin(request)
        if request.method == "OPTIONS":  # a preflight carries no token: answer it here
            response = HttpResponse(status=204)
            if origin:
                response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
                response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
                response["Access-Control-Max-Age"] = "600"
        else:
            response = view(request, *args, **kwargs)
        if origin:
            response["Access-Control-Allow-Origin"] = origin
        patch_vary_headers(response, ["Origin"])
        return response

    return csrf_exempt(wrapper)


def _refused(exc: VerificationError) -> Response:
    return Response({"detail": exc.message}, status=exc.status)


@extend_schema(
    request=VerifyRequestSerializer,
    responses={200: OpenApiTypes.STR, 502: OpenApiTypes.OBJECT, 503: OpenApiTypes.OBJECT},
    description="Demographic authentication against MOSIP IDA: `verified` or `failed`.",
)
@api_view(["POST"])
@authentication_classes([RecordTokenAuthentication])
@permission_classes([HasRecordToken])
def verify(request: Request) -> HttpResponse:
    serializer = VerifyRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    person = Demographics(
        dob=data["dob"],
        first_name=data["name"]["firstname"],
        surname=data["name"]["surname"],
        gender=data.get("gender") or "",
    )
    try:
        verified = verify_identity(data["nid"], person, data.get("transactionId") or "")
    except VerificationError as exc:
        return _refused(exc)
    return HttpResponse("verified" if verified else "failed", content_type="text/plain")


@extend_schema(
    request=EsignetRequestSerializer,
    parameters=[
        OpenApiParameter("code", str, required=True),
        OpenApiParameter("state", str, required=True),
    ],
    responses={
        200: EsignetAnswerSerializer,
        400: OpenApiTypes.OBJECT,
        502: OpenApiTypes.OBJECT,
    },
    description="The E-Signet user info of the person who signed in, in OpenCRVS's shape.",
)
@cors_for_client_app
@api_view(["POST"])
@authentication_classes([RecordTokenAuthentication])
@permission_classes([HasRecordToken])
def esignet_user_info(request: Request) -> Response:
    query = EsignetQuerySerializer(data=request.query_params)
    body = EsignetRequestSerializer(data=request.data)
    query_ok, body_ok = query.is_valid(), body.is_valid()
    if not (query_ok and body_ok):
        raise ValidationError({**query.errors, **body.errors})
    data = body.validated_data
    # `state` is checked by the form that started the sign-in; required as in the reference.
    try:
        answer = fetch_user_info(
            query.validated_data["code"],
            data["clientId"],
            data["redirectUri"],
            data.get("transactionId", ""),
        )
    except VerificationError as exc:
        return _refused(exc)
    return Response(answer)
