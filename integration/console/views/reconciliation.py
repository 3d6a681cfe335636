"""The reconciliation with OpenCRVS: its last runs, what each found and did, the events
left for a person, and the action that takes one in (integration.services.reconciliation)."""

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from integration.clients.http import RemoteError
from integration.clients.opencrvs_auth import OpenCrvsAuth
from integration.console.views.access import console_view
from integration.reasons import staff_words
from integration.roles import ACT_ON_SUBMISSIONS
from integration.services import intake, reconciliation

log = logging.getLogger(__name__)


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
        messages.error(request, staff_words(error))
    except RemoteError as error:
        messages.error(
            request,
            _("OpenCRVS did not give the event %(id)s: %(error)s")
            % {"id": event_id, "error": staff_words(error)},
        )
    else:
        messages.success(
            request,
            _("Event %(id)s taken in as record %(pk)s.") % {"id": event_id, "pk": submission.pk},
        )
    return redirect("console:reconciliation")


@require_POST
@console_view(ACT_ON_SUBMISSIONS)
def reconciliation_run_now(request: HttpRequest) -> HttpResponse:
    """After fixing the system client, or to catch up at once: a run now, by a worker
    (a run may read thousands of events: not in a web request)."""
    from integration.tasks import reconcile_with_opencrvs

    try:
        reconcile_with_opencrvs.apply_async()
    except Exception:  # noqa: BLE001 - the broker is down: say so, beat runs it later
        log.warning("a reconciliation run could not be queued", exc_info=True)
        messages.error(request, _("The run could not be queued; the next scheduled run will do."))
    else:
        messages.success(request, _("A reconciliation run is queued; its result shows here."))
    return redirect("console:reconciliation")
