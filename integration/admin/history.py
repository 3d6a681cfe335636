"""The settings history: who saved which settings page, when and which fields, read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from integration.admin.readonly import ReadOnlyAdmin
from integration.models import SettingsChange


@admin.register(SettingsChange)
class SettingsChangeAdmin(ReadOnlyAdmin):
    """The settings history: read-only, never a value."""

    list_display = ["changed_at", "settings_name", "changed_by_name", "fields_changed"]
    list_filter = ["settings_name"]
    date_hierarchy = "changed_at"

    @admin.display(description=gettext_lazy("fields changed"))
    def fields_changed(self, obj: SettingsChange) -> str:
        return ", ".join(obj.fields)
