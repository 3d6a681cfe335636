"""Deliveries from MOSIP's hub and OpenCRVS webhooks as they were stored, and the
action that handles a kept one again once the set-up is fixed."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from integration.console.roles import ACT_ON_SUBMISSIONS
from integration.console.views.access import console_view
from integration.models import InboundEvent, InboundOutcome
from integration.services import inbound
from integration.services.staff_actions import display_name


@console_view()
def inbound_list(request: HttpRequest) -> HttpResponse:
    outcome = request.GET.get("outcome", "")
    outcome = outcome if outcome in InboundOutcome.values else ""
    events = InboundEvent.objects.defer("body", "headers").select_related("submission")
    if outcome:
        events = events.filter(outcome=outcome)
    context = {
        "section": "inbound",
        "events": events[: settings.CONSOLE_PAGE_SIZE],
        "outcome": outcome,
        "outcomes": InboundOutcome.choices,
        "can_act": request.user.has_perm(ACT_ON_SUBMISSIONS),
    }
    return render(request, "console/inbound_list.html", context)


@require_POST
@console_view(ACT_ON_SUBMISSIONS)
def inbound_reprocess(request: HttpRequest, pk: int) -> HttpResponse:
    event = inbound.reprocess(pk, display_name(request.user))
    if event is None:
        messages.warning(
            request, _("Delivery #%(pk)s cannot be reprocessed (accepted or forged).") % {"pk": pk}
        )
    elif event.outcome == InboundOutcome.ACCEPTED:
        messages.success(request, _("Delivery #%(pk)s reprocessed: accepted.") % {"pk": pk})
    else:
        outcome = event.get_outcome_display()
        messages.error(
            request,
            _("Delivery #%(pk)s reprocessed: %(outcome)s.") % {"pk": pk, "outcome": outcome}
            + f" {event.error}",
        )
    return redirect("console:inbound")
