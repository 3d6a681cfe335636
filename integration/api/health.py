"""`GET /healthz` for load balancers and operators: can we reach the database and the
broker, and is work piling up?"""

from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from integration.models import Status, Submission
from portal.celery import app as celery_app


@require_GET
def healthz(request) -> JsonResponse:
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure is the answer here
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["broker"] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    body: dict = {"status": "ok" if healthy else "unavailable", "checks": checks}
    if checks["database"] == "ok":
        overdue = Submission.objects.filter(
            status=Status.RETRY_SCHEDULED, next_attempt_at__lt=timezone.now()
        )
        body["overdue_retries"] = overdue.count()
    return JsonResponse(body, status=200 if healthy else 503)
