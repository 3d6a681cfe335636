from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from integration import app_settings
from integration.console import selectors
from integration.console.pagination import parse_id
from integration.console.views.access import console_view, sees_personal_data
from integration.models.console import AUDIT_KINDS


@console_view()
def audit_log(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    kind = kind if kind in dict(AUDIT_KINDS) else ""
    job = parse_id(request.GET.get("job"))  # a bad one shows the whole log
    page = selectors.audit_page(
        app_settings.CONSOLE_PAGE_SIZE,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        kind=kind,
        job=job,
        personal_data=sees_personal_data(request),
    )
    return render(
        request,
        "console/audit_log.html",
        {"section": "audit", "page": page, "kind": kind, "job": job, "kinds": AUDIT_KINDS},
    )
