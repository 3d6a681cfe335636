"""Staff actions, each behind a confirmation page: on one record (from its page), or on
many (from the list), which becomes a bulk job run by a worker."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from integration.console import selectors
from integration.console.forms import (
    BulkConfirmForm,
    BulkSelectionForm,
    ReasonForm,
    SubmissionFilterForm,
)
from integration.console.roles import ACT_ON_SUBMISSIONS
from integration.console.views.access import console_view
from integration.models import ActionKind, Outcome, Submission
from integration.services import staff_actions
from integration.services.staff_actions import Actor, why_not

FILTER_PREFIX = "filter"
LEVELS = {Outcome.DONE: messages.SUCCESS, Outcome.SKIPPED: messages.WARNING}


@console_view(ACT_ON_SUBMISSIONS)
def submission_action(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    if kind not in ActionKind.values:
        raise Http404("No such action.")
    submission = get_object_or_404(Submission.objects.defer("raw_request", "fields_sent"), pk=pk)
    blocked, expires = why_not(kind, submission), submission.token_expires_at
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and not blocked and form.is_valid():
        entry = staff_actions.perform(kind, pk, Actor.of(request.user), form.cleaned_data["reason"])
        level = LEVELS.get(entry.outcome, messages.ERROR)
        messages.add_message(request, level, f"{entry.get_kind_display()}: {entry.message}")
        return redirect("console:submission", pk=pk)
    context = {
        "section": "submissions",
        "kind": kind,
        "kind_label": ActionKind(kind).label,
        "s": submission,
        "blocked": blocked,
        "form": form,
        "token_expired": bool(expires and expires <= timezone.now()),
    }
    return render(request, "console/confirm_action.html", context, status=409 if blocked else 200)


@require_POST
@console_view(ACT_ON_SUBMISSIONS)
def bulk_action(request: HttpRequest) -> HttpResponse:
    """First post: the list's selection, answered with a confirmation page. Second post
    (with a reason): the job is queued."""
    confirming = "confirmed" in request.POST
    form = (BulkConfirmForm if confirming else BulkSelectionForm)(request.POST)
    filter_form = SubmissionFilterForm(request.POST, prefix=FILTER_PREFIX)
    filters = filter_form.active_filters()
    count, too_many = 0, False
    if form.is_valid():
        if form.cleaned_data["all_matching"]:
            if not filter_form.is_valid():
                form.add_error(None, "The list's filters are not valid.")
            else:
                limit = settings.CONSOLE_BULK_LIMIT
                count = selectors.count_matching(filter_form.cleaned_data, limit)
                too_many = count > limit
        else:
            count = len(form.cleaned_data["ids"])
    if confirming and form.is_valid() and not too_many:
        job = staff_actions.start_bulk_job(
            form.cleaned_data["action"],
            Actor.of(request.user),
            form.cleaned_data["reason"],
            ids=form.cleaned_data["ids"],
            filters=filters if form.cleaned_data["all_matching"] else None,
        )
        messages.success(request, f"{job} queued: it runs in the background.")
        return redirect("console:job", pk=job.pk)
    action = form.cleaned_data.get("action") if form.is_valid() else request.POST.get("action")
    context = {
        "section": "submissions",
        "form": form,
        "filter_form": filter_form,
        "filters": filters,
        "count": count,
        "too_many": too_many,
        "limit": settings.CONSOLE_BULK_LIMIT,
        "kind": action,
        "kind_label": ActionKind(action).label if action in ActionKind.values else "",
        "reason_form": form if confirming else ReasonForm(),
    }
    return render(
        request, "console/confirm_bulk.html", context, status=200 if form.is_valid() else 400
    )
