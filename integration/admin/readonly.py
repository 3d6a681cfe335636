"""The one read-only admin: pages for rows the portal writes itself (the records and their
calls, the settings history, the retention runs, the identity checks), which staff read
and never add, change or delete. Django shows such a page as "View", every field as text."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Every field shown, none editable; no Add, Save or Delete, whatever the user's
    permissions (a superuser included: these rows are evidence, kept as written)."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
