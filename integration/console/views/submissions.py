from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from integration import app_settings
from integration.console import selectors
from integration.console.forms import AssignForm, NoteForm, SubmissionFilterForm
from integration.console.pagination import Page
from integration.console.views.access import can_act, console_view, sees_personal_data
from integration.mapping.profiles import profile_for
from integration.models import ActionKind
from integration.models.console import BULK_KINDS
from integration.models.submission import Step
from integration.services.staff_actions import why_not


@console_view()
def submission_list(request: HttpRequest) -> HttpResponse:
    personal_data = sees_personal_data(request)
    form = SubmissionFilterForm(request.GET or None, personal_data=personal_data)
    if form.is_bound and not form.is_valid():
        page = Page([], None, None)
    else:
        filters = form.cleaned_data if form.is_bound else {}
        page = selectors.submission_page(
            filters,
            app_settings.CONSOLE_PAGE_SIZE,
            after=request.GET.get("after"),
            before=request.GET.get("before"),
            personal_data=personal_data,
            user=request.user,
        )
    return render(
        request,
        "console/submission_list.html",
        {
            "section": "submissions",
            "form": form,
            "page": page,
            "active_filters": form.active_filters() if form.is_bound else {},
            "can_act": can_act(request),
            "actions": BULK_KINDS,
        },
    )


@console_view()
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    detail = selectors.submission_detail(pk, personal_data=sees_personal_data(request))
    if detail is None:
        raise Http404("No such submission.")
    actions = []
    if can_act(request):
        actions = [
            (kind, label)
            for kind, label in ActionKind.choices
            if not why_not(kind, detail.submission)
        ]
    submission = detail.submission
    profile = None
    if submission.failed_step == Step.MAPPING:
        type_id = submission.event_type_id or submission.event_type
        profile = profile_for(submission.source_format, type_id)
    context = {
        "section": "submissions",
        "detail": detail,
        "s": submission,
        "actions": actions,
        "can_act": can_act(request),
        "mapping_profile": profile,
    }
    if can_act(request):
        assign_form = AssignForm(initial={"assignee": submission.assignee_id})
        context["assign_form"] = assign_form
        context["note_form"] = NoteForm()
        # "Assign to me", for someone records can go to who does not hold this one.
        staff = assign_form.fields["assignee"].queryset
        mine = submission.assignee_id == request.user.pk
        context["can_take"] = not mine and staff.filter(pk=request.user.pk).exists()
    return render(request, "console/submission_detail.html", context)


@console_view()
def submission_status(request: HttpRequest, pk: int) -> JsonResponse:
    """What the detail page polls while the record moves on by itself."""
    status = selectors.status_of(pk)
    if status is None:
        raise Http404("No such submission.")
    return JsonResponse(status)
