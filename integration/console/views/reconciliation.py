"""The reconciliation with OpenCRVS: its last runs, what each found and did, the events
left for a person, and the action that takes one in (integration.services.reconciliation)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from integration.clients.http import RemoteError
from integration.clients.opencrvs_auth import OpenCrvsAuth
from integration.console.roles import ACT_ON_SUBMISSIONS
from integration.console.views.access import console_view
from integration.services import intake, reconciliation


@console_view()
def reconciliation_runs(request: HttpRequest) -> HttpResponse:
    context = {
        "section": "reconciliation",
        "runs": reconciliation.last_runs(),
        "listed": reconciliation.waiting_for_a_person(),
        "can_act": request.user.has_perm(ACT_ON_SUBMISSIONS),
        "no_system_client": "" if OpenCrvsAuth().configured else reconciliation.NO_SYSTEM_CLIENT,
    }
    return render(request, "console/reconciliation.html", context)


@require_POST
@console_view(ACT_ON_SUBMISSIONS)
def reconciliation_take_in(request: HttpRequest) -> HttpResponse:
    event_id = request.POST.get("event_id", "").strip()[:64]
    try:
        submission = reconciliation.take_in_by_person(event_id, request.user)
    except (intake.NotConfigured, intake.EventConflict) as error:
        messages.error(request, str(error))
    except RemoteError as error:
        messages.error(
            request,
            _("OpenCRVS did not give the event %(id)s: %(error)s")
            % {"id": event_id, "error": error.message},
        )
    else:
        messages.success(
            request,
            _("Event %(id)s taken in as record %(pk)s.") % {"id": event_id, "pk": submission.pk},
        )
    return redirect("console:reconciliation")
