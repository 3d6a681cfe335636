from django.urls import path

from integration.console.views import (
    actions,
    audit,
    auth,
    dashboard,
    inbound,
    jobs,
    mosip_status,
    ownership,
    reconciliation,
    submissions,
)

app_name = "console"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("login/", auth.ConsoleLoginView.as_view(), name="login"),
    path("logout/", auth.logout, name="logout"),
    path("submissions/", submissions.submission_list, name="submissions"),
    path("submissions/<int:pk>/", submissions.submission_detail, name="submission"),
    path("submissions/<int:pk>/status/", submissions.submission_status, name="submission-status"),
    # Before the actions' pattern, which would take these words as an action's name.
    path("submissions/<int:pk>/assign/", ownership.submission_assign, name="submission-assign"),
    path("submissions/<int:pk>/notes/", ownership.submission_note, name="submission-note"),
    path(
        "submissions/<int:pk>/ask-mosip/",
        mosip_status.submission_ask_mosip,
        name="submission-ask-mosip",
    ),
    path("ask-mosip/", mosip_status.ask_mosip_selected, name="ask-mosip-selected"),
    path("submissions/<int:pk>/<str:kind>/", actions.submission_action, name="submission-action"),
    path("bulk/", actions.bulk_action, name="bulk-action"),
    path("jobs/", jobs.job_list, name="jobs"),
    path("jobs/<int:pk>/", jobs.job_detail, name="job"),
    path("jobs/<int:pk>/progress/", jobs.job_progress, name="job-progress"),
    path("audit/", audit.audit_log, name="audit"),
    path("inbound/", inbound.inbound_list, name="inbound"),
    path("inbound/<int:pk>/reprocess/", inbound.inbound_reprocess, name="inbound-reprocess"),
    path("reconciliation/", reconciliation.reconciliation_runs, name="reconciliation"),
    path(
        "reconciliation/take-in/",
        reconciliation.reconciliation_take_in,
        name="reconciliation-take-in",
    ),
    path("reconciliation/run/", reconciliation.reconciliation_run_now, name="reconciliation-run"),
]
