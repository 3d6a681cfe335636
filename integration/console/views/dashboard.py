from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from integration import app_settings
from integration.console.dashboard import dashboard as build
from integration.console.views.access import console_view, sees_personal_data
from integration.services import websub


@console_view()
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "console/dashboard.html",
        {
            "section": "dashboard",
            "dash": build(personal_data=sees_personal_data(request)),
            "refresh_seconds": max(app_settings.CONSOLE_DASHBOARD_CACHE_SECONDS, 15),
            # Not cached with the figures: one row, and the first thing to fix.
            "websub_problem": websub.standing().problem(),
            "workflow_events_problem": websub.workflow_standing().problem(),
        },
    )
