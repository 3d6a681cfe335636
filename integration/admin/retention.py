"""The retention policy and what each clean-up did, in the admin."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from integration.admin.base import SingletonAdmin
from integration.admin.readonly import ReadOnlyAdmin
from integration.console import reason_text
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
        "stopped_by",
    ]
    date_hierarchy = "started_at"

    def get_readonly_fields(self, request, obj=None):
        # The error in the reader's language, not its English text and stored code.
        hidden = {"error", "reason_code", "reason_params"}
        fields = [f.name for f in self.model._meta.fields if f.name not in hidden]
        return [*fields, "stopped_by"]

    @admin.display(description=gettext_lazy("error"))
    def stopped_by(self, obj: RetentionRun) -> str:
        return reason_text.rendered(obj) if obj.error else "—"
