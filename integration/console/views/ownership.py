"""Assigning a record to a staff member and keeping notes on it, from the record's page
(many records are assigned from the list, as a bulk job: integration.console.views.actions).
Only those who may act on records may do either; auditors read them."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from integration.console.forms import AssignForm, NoteForm
from integration.console.views.access import console_view
from integration.models import ActionOutcome, Submission
from integration.roles import ACT_ON_SUBMISSIONS
from integration.services import ownership
from integration.services.staff_actions import Actor

NOTES_ANCHOR = "#notes"


@console_view(ACT_ON_SUBMISSIONS)
def submission_assign(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("console:submission", pk=pk)
    get_object_or_404(Submission.objects.only("pk"), pk=pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That person cannot be given records."))
        return redirect("console:submission", pk=pk)
    data = form.cleaned_data
    entry = ownership.assign(pk, data["assignee"], Actor.of(request.user), data["reason"])
    level = messages.SUCCESS if entry.outcome == ActionOutcome.DONE else messages.INFO
    messages.add_message(request, level, entry.summary)
    return redirect("console:submission", pk=pk)


@console_view(ACT_ON_SUBMISSIONS)
def submission_note(request: HttpRequest, pk: int) -> HttpResponse:
    page = reverse("console:submission", args=[pk]) + NOTES_ANCHOR
    if request.method != "POST":
        return redirect(page)
    submission = get_object_or_404(Submission.objects.only("tracking_id", "status"), pk=pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("note", []):
            messages.error(request, error)
        return redirect(page)
    ownership.add_note(submission, Actor.of(request.user), form.cleaned_data["note"])
    messages.success(request, _("Note added."))
    return redirect(page)
