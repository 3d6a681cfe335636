"""Staff actions, each behind a confirmation page: on one record (from its page), or on
many (from the list), which becomes a bulk job run by a worker."""

from collections import Counter

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from integration import app_settings
from integration.console import selectors
from integration.console.forms import (
    REASON_HELP,
    AssignForm,
    BulkSelectionForm,
    ReasonForm,
    SubmissionFilterForm,
)
from integration.console.views.access import console_view, sees_personal_data
from integration.models import ActionKind, ActionOutcome, Submission
from integration.models.console import ASSIGN, BULK_KINDS
from integration.roles import ACT_ON_SUBMISSIONS
from integration.services import bulk_jobs, staff_actions
from integration.services.staff_actions import Actor, why_not

FILTER_PREFIX = "filter"
LEVELS = {ActionOutcome.DONE: messages.SUCCESS, ActionOutcome.SKIPPED: messages.WARNING}


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
        # What it did in the reader's language (the audit log keeps the English).
        shown = {"kind": entry.get_kind_display(), "said": entry.summary}
        messages.add_message(request, level, _("%(kind)s: %(said)s") % shown)
        return redirect("console:submission", pk=pk)
    context = {
        "section": "submissions",
        "kind": kind,
        "kind_label": ActionKind(kind).label,
        "reason_help": REASON_HELP[kind],
        "s": submission,
        "blocked": blocked,
        "form": form,
        "token_expired": bool(expires and expires <= timezone.now()),
        "resumes": kind == ActionKind.RESUBMIT and staff_actions.mosip_may_hold(submission),
    }
    return render(request, "console/confirm_action.html", context, status=409 if blocked else 200)


def _selection_size(
    selection: BulkSelectionForm, filters: SubmissionFilterForm, personal_data: bool, user
) -> int:
    """How many records the selection covers (counting no further than the limit)."""
    if not selection.is_valid():
        return 0
    if not selection.cleaned_data["all_matching"]:
        return len(selection.cleaned_data["ids"])
    if not filters.is_valid():
        selection.add_error(None, _("The list's filters are not valid."))
        return 0
    return selectors.count_matching(
        filters.cleaned_data,
        app_settings.CONSOLE_BULK_LIMIT,
        personal_data=personal_data,
        user=user,
    )


def bulk_preview(kind: str, ids: list[int]) -> dict:
    """How many of the records the action would change now, how many it would skip and
    why (the same check the worker makes on each record when it reaches it)."""
    reasons: Counter[str] = Counter()
    records = Submission.objects.filter(pk__in=ids).only(
        "status", "credential_received_at", "failed_step"
    )
    for submission in records.iterator():
        reasons[why_not(kind, submission)] += 1
    will_change = reasons.pop("", 0)
    return {
        "will_change": will_change,
        "will_skip": sum(reasons.values()),
        "skip_reasons": reasons.most_common(),
    }


def _selected_ids(
    selection: BulkSelectionForm, filters: SubmissionFilterForm, personal_data: bool, user
) -> list[int]:
    """The records the job is for: those picked, or every one matching the filters now
    (every record when there is no filter)."""
    if not selection.cleaned_data["all_matching"]:
        return selection.cleaned_data["ids"]
    return selectors.matching_ids(
        filters.cleaned_data,
        app_settings.CONSOLE_BULK_LIMIT,
        personal_data=personal_data,
        user=user,
    )


@console_view(ACT_ON_SUBMISSIONS)
def bulk_action(request: HttpRequest) -> HttpResponse:
    """First post: the list's selection, answered with a confirmation page. Second post
    (with a reason): the job is queued."""
    if request.method != "POST":
        # The step after choosing records on the list: a bookmark, a reload or the back
        # button lands on the list instead of an empty error page.
        return redirect("console:submissions")
    confirming = "confirmed" in request.POST
    personal_data = sees_personal_data(request)
    selection = BulkSelectionForm(request.POST)
    filter_form = SubmissionFilterForm(
        request.POST, prefix=FILTER_PREFIX, personal_data=personal_data
    )
    action = request.POST.get("action", "")
    # An assignment asks whom to, and its reason is optional.
    reason_form = (AssignForm if action == ASSIGN else ReasonForm)(
        request.POST if confirming else None
    )
    count = _selection_size(selection, filter_form, personal_data, request.user)
    too_many = count > app_settings.CONSOLE_BULK_LIMIT
    filters = filter_form.active_filters()
    if confirming and selection.is_valid() and not too_many and reason_form.is_valid():
        all_matching = selection.cleaned_data["all_matching"]
        job = bulk_jobs.start_bulk_job(
            selection.cleaned_data["action"],
            Actor.of(request.user),
            reason_form.cleaned_data["reason"],
            ids=_selected_ids(selection, filter_form, personal_data, request.user),
            all_matching=all_matching,
            filters=filters if all_matching else None,
            assignee=reason_form.cleaned_data.get("assignee"),
        )
        messages.success(request, _("%(job)s queued: it runs in the background.") % {"job": job})
        return redirect("console:job", pk=job.pk)
    context = {
        "section": "submissions",
        "form": selection,
        "reason_form": reason_form,
        "filters": filters,
        "count": count,
        "too_many": too_many,
        "limit": app_settings.CONSOLE_BULK_LIMIT,
        "kind": action,
        "kind_label": dict(BULK_KINDS).get(action, ""),
        "reason_help": REASON_HELP.get(action, ""),
        "preview": None,
    }
    if selection.is_valid() and not too_many and count:
        ids = _selected_ids(selection, filter_form, personal_data, request.user)
        context["preview"] = bulk_preview(selection.cleaned_data["action"], ids)
    status = 200 if selection.is_valid() and not too_many else 400
    return render(request, "console/confirm_bulk.html", context, status=status)
