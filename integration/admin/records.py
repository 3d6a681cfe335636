"""The records OpenCRVS sent and every call made for them, read-only, for support."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from integration.admin.readonly import ReadOnlyAdmin
from integration.console import reason_text
from integration.models import Attempt, Submission


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = readonly_fields = [
        "started_at",
        "step",
        "http_status",
        "duration_ms",
        "failure_reason",
        "url",
        "request_excerpt",
        "response_excerpt",
    ]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("error"))
    def failure_reason(self, obj: Attempt) -> str:
        """The call's reason in the reader's language (its code, stored since migration
        0033), the remote's own words marked apart; an older row's text as stored."""
        return reason_text.rendered(obj) if obj.error else ""


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = [
        "tracking_id",
        "certificate_number",
        "event_type",
        "status",
        "transaction_id",
        "created_at",
        "failure_reason",
    ]
    list_filter = ["status", "event_type"]
    search_fields = ["=tracking_id", "=certificate_number", "=transaction_ids__value", "=vid"]
    show_full_result_count = False
    inlines = [AttemptInline]
    exclude = ["token", "last_error"]  # last_error is shown as `failure_reason`

    def get_readonly_fields(self, request, obj=None):
        # The reason in the reader's language, not its English text and stored code, nor
        # the dashboard's English keys for grouping alike reasons.
        hidden = {"token", "last_error", "reason_code", "reason_params"}
        hidden |= {"reason_key", "masked_reason_key"}
        fields = [f.name for f in self.model._meta.fields if f.name not in hidden]
        return [*fields, "failure_reason"]

    @admin.display(description=gettext_lazy("last error"))
    def failure_reason(self, obj: Submission) -> str:
        """In the reader's language, the remote system's own words marked apart."""
        return reason_text.rendered(obj) if obj.last_error else "—"
