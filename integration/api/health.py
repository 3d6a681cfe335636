"""`GET /healthz` for load balancers and operators (see integration/monitoring/health.py
for what each answer means)."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from integration.monitoring.health import assess


@require_GET
def healthz(request) -> JsonResponse:
    health = assess()
    return JsonResponse(health.as_json(), status=health.http_status)
