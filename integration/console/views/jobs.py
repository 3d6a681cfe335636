from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from integration.console import selectors
from integration.console.views.access import console_view, sees_personal_data
from integration.models import BulkJob


@console_view()
def job_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "console/job_list.html", {"section": "jobs", "jobs": selectors.recent_jobs()}
    )


@console_view()
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(BulkJob, pk=pk)
    context = {
        "section": "jobs",
        "p": selectors.job_progress(job),
        "filters": selectors.shown_filters(job.filters, personal_data=sees_personal_data(request)),
        # Each record the job reached, with what happened to it (newest first, paged).
        "page": selectors.audit_page(
            settings.CONSOLE_PAGE_SIZE,
            after=request.GET.get("after"),
            before=request.GET.get("before"),
            job=job.pk,
        ),
    }
    return render(request, "console/job_detail.html", context)


@console_view()
def job_progress(request: HttpRequest, pk: int) -> JsonResponse:
    job = get_object_or_404(BulkJob, pk=pk)
    return JsonResponse(selectors.job_progress(job).as_json())
