"""Asking MOSIP what became of a record's packet, on staff demand from its page (the
periodic look-up asks by itself: integration.services.mosip_status)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from integration.console.views.access import console_view
from integration.models import Submission
from integration.roles import ACT_ON_SUBMISSIONS
from integration.services import mosip_status


@console_view(ACT_ON_SUBMISSIONS)
def submission_ask_mosip(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("console:submission", pk=pk)
    submission = get_object_or_404(Submission, pk=pk)
    if not submission.transaction_id:
        messages.info(request, _("Nothing was sent to MOSIP for this record yet."))
        return redirect("console:submission", pk=pk)
    found = mosip_status.check([submission])
    if found.get("unanswered"):
        messages.error(
            request, _("MOSIP did not answer; the record's timeline shows the call and why.")
        )
    else:
        submission.refresh_from_db()
        messages.success(
            request,
            _("MOSIP says %(status)s.") % {"status": mosip_status.label(submission.mosip_status)},
        )
    return redirect("console:submission", pk=pk)


ASK_AT_ONCE = 500  # records per click: five status searches, answered while staff wait


@console_view(ACT_ON_SUBMISSIONS)
def ask_mosip_selected(request: HttpRequest) -> HttpResponse:
    """The records picked on the list, asked about at once (no job: one call per 100)."""
    if request.method != "POST":
        return redirect("console:submissions")
    ids = [int(pk) for pk in request.POST.getlist("ids") if pk.isdigit()][:ASK_AT_ONCE]
    if not ids:
        messages.info(request, _("Pick the records to ask MOSIP about."))
        return redirect("console:submissions")
    found = mosip_status.check(Submission.objects.filter(pk__in=ids).order_by("pk"))
    counts = mosip_status.summary(found)
    messages.success(
        request,
        _(
            "MOSIP was asked about %(asked)s records: %(rejected)s failed as MOSIP rejected "
            "them, %(again)s were sent again, %(unanswered)s got no answer."
        )
        % counts,
    )
    return redirect("console:submissions")
