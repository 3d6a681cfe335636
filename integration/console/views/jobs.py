from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from integration import app_settings
from integration.console import selectors
from integration.console.views.access import console_view, sees_personal_data
from integration.masking import mask_message
from integration.models import BulkJob


@console_view()
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = selectors.recent_jobs()
    if not sees_personal_data(request):
        for progress in jobs:  # the reason is the staff's own words
            progress.job.reason = mask_message(progress.job.reason)
    return render(request, "console/job_list.html", {"section": "jobs", "jobs": jobs})


@console_view()
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(BulkJob.objects.select_related("assignee"), pk=pk)
    personal_data = sees_personal_data(request)
    if not personal_data:
        job.reason = mask_message(job.reason)  # the staff's own words
    context = {
        "section": "jobs",
        "p": selectors.job_progress(job),
        "filters": selectors.shown_filters(job.filters, personal_data=personal_data),
        # Each record the job reached, with what happened to it (newest first, paged).
        "page": selectors.audit_page(
            app_settings.CONSOLE_PAGE_SIZE,
            after=request.GET.get("after"),
            before=request.GET.get("before"),
            job=job.pk,
            personal_data=personal_data,
        ),
    }
    return render(request, "console/job_detail.html", context)


@console_view()
def job_progress(request: HttpRequest, pk: int) -> JsonResponse:
    job = get_object_or_404(BulkJob, pk=pk)
    return JsonResponse(selectors.job_progress(job).as_json())
