"""The retention policy and what each clean-up did, in the admin."""

from django.contrib import admin

from integration.admin.base import SingletonAdmin
from integration.admin.readonly import ReadOnlyAdmin
from integration.models import RetentionPolicy, RetentionRun


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(SingletonAdmin):
    fields = ["enabled", "personal_data_days", "call_record_days"]


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "records_erased",
        "call_records_scrubbed",
        "call_records_deleted",
        "identity_checks_deleted",
        "bulk_jobs_scrubbed",
        "inbound_events_erased",
        "inbound_events_deleted",
        "personal_data_days",
        "call_record_days",
        "error",
    ]
    date_hierarchy = "started_at"
