"""`GET /metrics` for Prometheus. Closed unless configured: PORTAL_METRICS_TOKEN (sent as
`Authorization: Bearer <token>`; PORTAL_METRICS_PREVIOUS_TOKEN is accepted too while a
rotation is under way) and/or PORTAL_METRICS_ALLOWED_NETWORKS (the scraper's address
ranges). When both are set, both must match."""

import hmac
import ipaddress

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from integration import app_settings
from integration.monitoring.metrics import PortalCollector


def _allowed_network(request: HttpRequest) -> bool:
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network, strict=False)
        for network in app_settings.METRICS_ALLOWED_NETWORKS
    )


def _right_token(request: HttpRequest) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    # During a rotation the previous token is accepted too, so Prometheus can move to
    # the new one without a gap in the scrapes (docs/runbook/key-rotation.md).
    accepted = [app_settings.METRICS_TOKEN, app_settings.METRICS_PREVIOUS_TOKEN]
    received = token.strip().encode()
    # Both compared every time, in constant time, so the answer's timing tells nothing.
    matches = [hmac.compare_digest(received, want.encode()) for want in accepted if want]
    return scheme.lower() == "bearer" and any(matches)


def refusal(request: HttpRequest) -> JsonResponse | None:
    token, networks = app_settings.METRICS_TOKEN, app_settings.METRICS_ALLOWED_NETWORKS
    if not (token or networks):
        return JsonResponse(
            {
                "detail": "Metrics are off: set PORTAL_METRICS_TOKEN or "
                "PORTAL_METRICS_ALLOWED_NETWORKS."
            },
            status=403,
        )
    if networks and not _allowed_network(request):
        return JsonResponse({"detail": "Not from an allowed network."}, status=403)
    if token and not _right_token(request):
        response = JsonResponse({"detail": "A valid bearer token is required."}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return None


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if (refused := refusal(request)) is not None:
        return refused
    # A registry per scrape: nothing lives in this process between scrapes.
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PortalCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
