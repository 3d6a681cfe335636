"""Deliveries from MOSIP's hub and OpenCRVS webhooks as they were stored, and the
action that handles a kept one again once the set-up is fixed."""

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from integration import app_settings
from integration.console import reason_text
from integration.console.views.access import console_view
from integration.models import InboundEvent, InboundKind, InboundOutcome, TransactionId
from integration.roles import ACT_ON_SUBMISSIONS
from integration.services import inbound
from integration.services.staff_actions import display_name


@console_view()
def inbound_list(request: HttpRequest) -> HttpResponse:
    outcome = request.GET.get("outcome", "")
    outcome = outcome if outcome in InboundOutcome.values else ""
    events = InboundEvent.objects.defer("body", "headers").select_related("submission")
    if outcome:
        events = events.filter(outcome=outcome)
    shown = list(events[: app_settings.CONSOLE_PAGE_SIZE])
    _link_by_transaction_id(shown)
    context = {
        "section": "inbound",
        "events": shown,
        "outcome": outcome,
        "outcomes": InboundOutcome.choices,
        "can_act": request.user.has_perm(ACT_ON_SUBMISSIONS),
    }
    return render(request, "console/inbound_list.html", context)


def _link_by_transaction_id(events: list[InboundEvent]) -> None:
    """Credentials stored without their record (by an earlier version, or before the
    record was known) are linked by the registrationId MOSIP sent: our transaction id."""
    unlinked = [
        e.pk for e in events if e.kind == InboundKind.CREDENTIAL and e.submission_id is None
    ]
    if not unlinked:
        return
    named = {}
    for pk, body in InboundEvent.objects.filter(pk__in=unlinked).values_list("pk", "body"):
        try:
            named[pk] = str(json.loads(bytes(body))["event"]["data"]["registrationId"])
        except (ValueError, KeyError, TypeError):
            continue
    records = dict(
        TransactionId.objects.filter(value__in=set(named.values())).values_list(
            "value", "submission_id"
        )
    )
    for event in events:
        if (found := records.get(named.get(event.pk, ""))) is not None:
            event.submission_id = found


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
        why = reason_text.sentence(event)  # in the reader's language, the remote quoted
        messages.error(
            request,
            _("Delivery #%(pk)s reprocessed: %(outcome)s. %(why)s")
            % {"pk": pk, "outcome": outcome, "why": why},
        )
    return redirect("console:inbound")
