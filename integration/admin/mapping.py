"""Mapping profiles in the admin: edit the rows, preview a profile on a real record
(nothing is sent), export a profile as JSON and import it elsewhere."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integration.admin.params import ParamsField, ParamsWidget
from integration.mapping import import_review
from integration.mapping.exchange import export_profile
from integration.models import MosipSettings, SettingsChange, Submission
from integration.models.mapping import FieldMapping, MappingProfile
from integration.services.mapping_check import MappingCheck, check_profile_edit
from integration.services.packet import map_submission
from integration.services.staff_actions import display_name


class MappingProfileForm(forms.ModelForm):
    # "Save anyway" is asked only when the check finds records that would break, beside
    # its verdict at the top of the page (change_form.html).

    class Meta:
        model = MappingProfile
        fields = [f.name for f in MappingProfile._meta.fields if f.editable and f.name != "id"]


class CheckedRowsFormSet(BaseInlineFormSet):
    """The rows of a profile, tried with the edited profile on real records before
    anything is saved (see integration.services.mapping_check)."""

    confirmed = False  # the admin ticked "save anyway" (set per request by the inline)
    check: MappingCheck | None = None

    def _construct_form(self, i, **kwargs):
        """Each box of a row says what it is and which row (the columns' headings are not
        labels a screen reader ties to the boxes)."""
        form = super()._construct_form(i, **kwargs)
        # The parameter fields shown are those of the row's transform.
        form.fields["params"].widget.transform = form["transform"].value() or "none"
        for name, field in form.fields.items():
            label = field.label or name
            field.widget.attrs["aria-label"] = _("%(field)s, row %(row)s") % {
                "field": label,
                "row": i + 1,
            }
        return form

    def edited_rows(self) -> list[FieldMapping]:
        rows = [
            form.instance
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not self._should_delete_form(form)
        ]
        return sorted(rows, key=lambda row: (row.order, row.pk or 0))

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        self.check = check_profile_edit(self.instance, self.edited_rows())

    @property
    def held_back(self) -> bool:
        """The edit would break records that map today and nobody said to save anyway."""
        return bool(self.check and self.check.breaks and not self.confirmed)

    def is_valid(self) -> bool:
        # Not an error of the form: the page shows the verdict and the choice at its top
        # rather than "Please correct the error below" (MappingProfileAdmin).
        return super().is_valid() and not self.held_back


class OptionalJSONField(forms.JSONField):
    """An empty box for "no value", rather than the literal `null` Django shows."""

    def prepare_value(self, value):
        return "" if value is None else super().prepare_value(value)


class FieldMappingForm(forms.ModelForm):
    def _update_errors(self, errors):
        # The model's own parameter check would repeat what the parameter fields said.
        if "params" in self._errors and hasattr(errors, "error_dict"):
            errors.error_dict.pop("params", None)
        super()._update_errors(errors)


class FieldMappingInline(admin.TabularInline):
    model = FieldMapping
    form = FieldMappingForm
    formset = CheckedRowsFormSet
    extra = 1
    fields = ["order", "target", "source", "transform", "params", "required", "default"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)  # a new class per request
        formset.confirmed = request.POST.get("save_anyway") == "on"
        return formset

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "default":
            kwargs["form_class"] = OptionalJSONField
        if db_field.name == "params":  # fields per transform, the JSON as "advanced"
            kwargs.update(form_class=ParamsField, widget=ParamsWidget)
        if db_field.name == "source":  # a JMESPath can be long: it wraps, never scrolls
            kwargs["widget"] = forms.Textarea
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in ("source", "params", "default"):
            field.widget.attrs.update(rows=2, cols=20, spellcheck="false")
        return field


class PreviewForm(forms.Form):
    submission = forms.CharField(
        label=gettext_lazy("Record"),
        required=False,
        max_length=64,
        help_text=gettext_lazy(
            "A stored record's tracking id, certificate number or id (nothing is sent)."
        ),
    )
    payload = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "cols": 80}),
        label=gettext_lazy("Payload"),
        help_text=gettext_lazy("Or paste a payload in this profile's source format."),
    )

    def clean_payload(self):
        text = self.cleaned_data["payload"].strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ValidationError(_("not JSON: %(error)s") % {"error": exc}) from exc

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("submission") and cleaned.get("payload") is None:
            raise ValidationError(_("Pick a submission or paste a payload."))
        return cleaned


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        required=False,
        help_text=gettext_lazy("A profile exported as JSON."),
    )
    text = forms.CharField(
        label=gettext_lazy("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy("Or paste the JSON."),
    )

    def clean(self):
        cleaned = super().clean()
        raw = cleaned["file"].read() if cleaned.get("file") else cleaned.get("text", "")
        try:
            data = json.loads(raw or "null")
        except ValueError as exc:
            raise ValidationError(_("not JSON: %(error)s") % {"error": exc}) from exc
        cleaned["profiles"] = data if isinstance(data, list) else [data]
        return cleaned


def _differing(before, after, skip=("id", "updated_at", "profile")) -> list[str]:
    return [
        str(f.verbose_name)
        for f in after._meta.concrete_fields
        if f.name not in skip and getattr(before, f.attname) != getattr(after, f.attname)
    ]


def profile_changes(before: MappingProfile, rows_before: dict, after: MappingProfile) -> list[str]:
    """What a save changed, by name, in English (as the settings history): the profile's
    fields, then each row by its MOSIP field. Never a value. Stored values are compared,
    so a box the form merely re-wrote is not a change."""
    with translation.override("en"):
        changed = _differing(before, after)
        rows_after = {row.pk: row for row in after.rows.all()}
        for pk, row in rows_after.items():
            if pk not in rows_before:
                changed.append(f"row {row.target}: added")
            elif fields := _differing(rows_before[pk], row):
                changed.append(f"row {row.target}: {', '.join(fields)}")
        changed += [f"row {row.target}: removed" for pk, row in rows_before.items()
                    if pk not in rows_after]  # fmt: skip
    return changed


def record_change(request, profile: MappingProfile, fields: list[str]) -> None:
    """One entry of *Settings changes* for a mapping profile: who, when, what."""
    SettingsChange.objects.create(
        settings_name=f"Mapping profile {profile.name}"[:100],
        changed_by=request.user,
        changed_by_name=display_name(request.user),
        fields=fields,
    )


def find_record(key: str) -> Submission | None:
    """A record by certificate number, tracking id (the latest) or id."""
    records = Submission.objects.order_by("-id")
    found = records.filter(certificate_number=key).first()
    found = found or records.filter(tracking_id=key).first()
    if found is None and key.isdigit():
        found = records.filter(pk=int(key)).first()
    return found


@admin.register(MappingProfile)
class MappingProfileAdmin(admin.ModelAdmin):
    form = MappingProfileForm
    list_display = ["name", "source_format", "event_type", "event_type_ids", "active", "updated_at"]
    list_filter = ["source_format", "event_type", "active"]
    inlines = [FieldMappingInline]
    actions = ["export_json"]
    change_form_template = "admin/integration/mappingprofile/change_form.html"
    change_list_template = "admin/integration/mappingprofile/change_list.html"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "source_format",
                    "event_type",
                    "event_type_ids",
                    "active",
                    "process",
                    "language",
                    "pass_through_request_fields",
                    "filled_by_default",
                ]
            },
        ),
        (
            gettext_lazy("Certificate number"),
            {"fields": ["certificate_number_path", "certificate_number_pattern"]},
        ),
        (
            gettext_lazy("Notification"),
            {
                "fields": [
                    "notification_name_path",
                    "notification_phone_path",
                    "notification_email_path",
                ]
            },
        ),
        (
            gettext_lazy("metaInfo and audits"),
            {"classes": ["collapse"], "fields": ["meta_info_template", "audits_template"]},
        ),
    ]

    readonly_fields = ["filled_by_default"]

    # The rows need the page's whole width: no model list beside them (the breadcrumbs
    # and the top bar still lead everywhere).
    WIDE = {"is_nav_sidebar_enabled": False}

    def add_view(self, request, form_url="", extra_context=None):
        return super().add_view(request, form_url, {**self.WIDE, **(extra_context or {})})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {**self.WIDE, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    def changelist_view(self, request, extra_context=None):
        # The list beside both the model list and its filters cut off "Updated at".
        return super().changelist_view(request, {**self.WIDE, **(extra_context or {})})

    @admin.display(description=gettext_lazy("filled by default"))
    def filled_by_default(self, profile: MappingProfile) -> str:
        rows = [r for r in profile.rows.all() if r.default is not None] if profile.pk else []
        if not rows:
            return _("No field: every value comes from the record.")
        shown = ", ".join(f"{r.target} = {json.dumps(r.default, ensure_ascii=False)}" for r in rows)
        return _("When a record has no value: %(shown)s. Such records say so on their page.") % {
            "shown": shown
        }

    def render_change_form(self, request, context, *args, **kwargs):
        held = [
            inline.formset.check
            for inline in context.get("inline_admin_formsets", [])
            if getattr(inline.formset, "held_back", False)
        ]
        context["mapping_check"] = held[0] if held else None
        return super().render_change_form(request, context, *args, **kwargs)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        check = getattr(formset, "check", None)
        if check is not None:
            level = messages.WARNING if check.failing else messages.INFO
            self.message_user(request, check.summary(), level)

    def save_model(self, request, obj, form, change):
        # As stored before this save, for the settings history (save_related).
        before = MappingProfile.objects.filter(pk=obj.pk).first() if change else None
        rows = {row.pk: row for row in before.rows.all()} if before else {}
        request._mapping_before = (before, rows)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before, rows = getattr(request, "_mapping_before", (None, {}))
        fields = profile_changes(before, rows, form.instance) if before else ["added"]
        if fields:
            record_change(request, form.instance, fields)

    def delete_model(self, request, obj):
        record_change(request, obj, ["deleted"])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for profile in queryset:
            record_change(request, profile, ["deleted"])
        super().delete_queryset(request, queryset)

    def get_urls(self):
        own = [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="integration_mappingprofile_preview",
            ),
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="integration_mappingprofile_import",
            ),
        ]
        return own + super().get_urls()

    @admin.action(description=gettext_lazy("Export selected profiles as JSON"))
    def export_json(self, request, queryset):
        exported = [export_profile(p) for p in queryset.prefetch_related("rows")]
        body = exported[0] if len(exported) == 1 else exported
        response = HttpResponse(
            json.dumps(body, indent=2, ensure_ascii=False), content_type="application/json"
        )
        name = "mapping-profile" if len(exported) == 1 else "mapping-profiles"
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
        return response

    def preview_view(self, request, pk: int):
        profile = get_object_or_404(MappingProfile, pk=pk)
        if not self.has_view_permission(request, profile):
            raise PermissionDenied
        form = PreviewForm(request.POST or None)
        result = None
        if request.method == "POST" and form.is_valid():
            result = self._preview(profile, form)
        recent = Submission.objects.filter(source_format=profile.source_format).order_by("-id")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Preview: %(name)s") % {"name": profile.name},
            "profile": profile,
            "form": form,
            "result": result,
            "recent": recent.values("id", "tracking_id", "certificate_number", "status")[:20],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/integration/mappingprofile/preview.html", context)

    def _preview(self, profile: MappingProfile, form: PreviewForm) -> dict:
        if form.cleaned_data.get("payload") is not None:
            record = Submission(
                event_type=profile.event_type,
                source_format=profile.source_format,
                event_type_id=(profile.event_type_ids or [profile.event_type])[0],
                raw_request=form.cleaned_data["payload"],
                tracking_id="",
                certificate_number="",
            )
        else:
            record = find_record(form.cleaned_data["submission"].strip())
            if record is None:
                key = form.cleaned_data["submission"]
                return {"error": _("There is no record %(key)s.") % {"key": key}}
        try:
            _settings, mapped = map_submission(record, MosipSettings.load(), profile=profile)
        except (ValueError, KeyError, TypeError) as exc:
            return {
                "error": _("The payload could not be read in this format: %(error)s")
                % {"error": exc}
            }
        return {
            "fields": json.dumps(mapped.fields, indent=2, ensure_ascii=False),
            "notification": json.dumps(mapped.notification, indent=2, ensure_ascii=False),
            "problems": mapped.problems,
        }

    def import_view(self, request):
        """First post: the file is checked and what it would change is shown. Second post
        (confirmed, with the same JSON): it is applied, all of it or nothing."""
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        diffs, payload = None, ""
        if request.method == "POST" and form.is_valid():
            profiles = form.cleaned_data["profiles"]
            try:
                if "confirmed" in request.POST:
                    imported = import_review.apply(profiles)
                else:
                    diffs = import_review.review(profiles)
                    payload = json.dumps(profiles, ensure_ascii=False)
            except import_review.ImportRefused as refused:
                errors = refused.messages
            else:
                if diffs is None:
                    for profile in imported:
                        record_change(request, profile, ["imported"])
                    names = ", ".join(p.name for p in imported)
                    self.message_user(
                        request, _("Imported %(names)s.") % {"names": names}, messages.SUCCESS
                    )
                    return HttpResponseRedirect(
                        reverse("admin:integration_mappingprofile_changelist")
                    )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import mapping profiles"),
            "form": form,
            "errors": errors,
            "diffs": diffs,
            "payload": payload,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/integration/mappingprofile/import.html", context)
