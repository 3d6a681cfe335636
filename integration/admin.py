"""The Django admin: settings for integration admins, read-only records for support."""

import json
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.text import capfirst, format_lazy
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from integration.clients.http import destination_problem
from integration.clients.opencrvs_auth import REQUIRED_SCOPES
from integration.console import reason_text
from integration.crypto.keystore import KeystoreError, load_pkcs12
from integration.errors import staff_text
from integration.fields import mask
from integration.mapping.schemas import schema_problem
from integration.models import (
    Attempt,
    MosipSettings,
    OpenCrvsSettings,
    SettingsChange,
    Submission,
)
from integration.models.settings import IdSchemaSource
from integration.services import key_rotation, partner_certificate, websub
from integration.services.connection_checks import CHECKS
from integration.services.staff_actions import display_name

MOSIP_SECRETS = (
    "packet_client_secret",
    "websub_client_secret",
    "websub_secret",
    "credential_keystore_password",
)


def _host(url: str) -> str:
    try:
        parts = urlsplit(url or "")
        return f"{parts.scheme}://{(parts.hostname or '').lower()}:{parts.port or ''}"
    except ValueError:
        return url


class SecretsForm(forms.ModelForm):
    """Secrets are write-only: the form shows what is set, masked; blank keeps it.

    A stored secret goes only where it went when it was entered: pointing one of
    `secret_urls` at another host (scheme, host or port) requires the secrets sent there
    to be typed again, so an admin account cannot send them elsewhere. Every URL field
    must also be one the operator lets the portal call (PORTAL_OUTBOUND_HOSTS).
    """

    secret_fields: tuple[str, ...] = ()
    secret_urls: dict[str, tuple[str, ...]] = {}  # URL field -> the secrets sent there

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.secret_fields:
            field = self.fields[name]
            current = getattr(self.instance, name, "")
            field.widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})
            field.required = False
            field.help_text = _("Currently %(masked)s. Leave blank to keep it.") % {
                "masked": mask(current)
            }

    def clean(self):
        cleaned = super().clean()
        self._check_destinations(cleaned)
        retyped = {name for name in self.secret_fields if cleaned.get(name)}
        for url_field, secrets in self.secret_urls.items():
            stored = getattr(self.instance, url_field, "")
            if not stored or _host(cleaned.get(url_field, stored)) == _host(stored):
                continue
            label = self.fields[url_field].label or url_field
            for secret in secrets:
                if secret not in retyped and getattr(self.instance, secret, ""):
                    self.add_error(
                        secret,
                        _(
                            "The %(label)s now points at another host: enter this secret "
                            "again (a stored secret is never sent to a new host)."
                        )
                        % {"label": label},
                    )
        for name in self.secret_fields:
            if name not in retyped:
                cleaned[name] = getattr(self.instance, name, "")
        return cleaned

    def _check_destinations(self, cleaned: dict) -> None:
        for name, field in self.fields.items():
            if isinstance(field, forms.URLField) and cleaned.get(name):
                problem = destination_problem(cleaned[name])
                if problem:
                    self.add_error(
                        name,
                        _("The portal may not call this address: %(problem)s.")
                        % {"problem": staff_text(problem)},
                    )


class KeystoreUploadForm(SecretsForm):
    """A PKCS#12 keystore comes in as an upload, is checked against its password when
    saved, and is never shown back. Subclasses name the two model fields."""

    keystore_field = ""
    password_field = ""
    keystore_upload = forms.FileField(
        label=gettext_lazy("keystore (PKCS#12)"),
        required=False,
        help_text=gettext_lazy("Upload a .p12 to replace it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = bool(getattr(self.instance, self.keystore_field))
        self.fields["keystore_upload"].help_text = (
            _("A keystore is stored; upload a .p12 to replace it.")
            if stored
            else _("None stored yet.")
        )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("keystore_upload")
        stored = getattr(self.instance, self.keystore_field) or b""
        keystore = upload.read() if upload else bytes(stored)
        if keystore:
            try:
                load_pkcs12(keystore, cleaned.get(self.password_field) or "")
            except KeystoreError as exc:
                self.add_error(
                    "keystore_upload" if upload else self.password_field,
                    staff_text(exc),
                )
        if upload:
            setattr(self.instance, self.keystore_field, keystore)
        return cleaned


class IndentedJSONField(forms.JSONField):
    """JSON shown indented, one key a line, to be read and edited as a document."""

    def prepare_value(self, value):
        if isinstance(value, str):  # what was typed, sent back with its error
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)


class MosipSettingsForm(KeystoreUploadForm):
    secret_fields = MOSIP_SECRETS
    secret_urls = {
        "auth_url": ("packet_client_secret", "websub_client_secret"),
        # These receive the auth tokens the client secrets obtain.
        "create_packet_url": ("packet_client_secret",),
        "process_url": ("packet_client_secret",),
        "masterdata_url": ("packet_client_secret",),
        "websub_hub_url": ("websub_client_secret", "websub_secret"),
    }
    keystore_field, password_field = "credential_keystore", "credential_keystore_password"

    class Meta:
        model = MosipSettings
        # The keystore itself comes in through keystore_upload and is never shown.
        fields = [f.name for f in MosipSettings._meta.fields if f.editable and f.name != "id"]
        # The ID schema in a wide monospace editing area; refused on save unless it parses
        # and is a MOSIP ID schema (clean below).
        field_classes = {"id_schema": IndentedJSONField}
        widgets = {
            "id_schema": forms.Textarea(
                attrs={"class": "json-editor", "rows": 24, "spellcheck": "false", "wrap": "off"}
            )
        }

    # Rotation with overlap (integration/services/key_rotation.py): replacing the keystore
    # or the WebSub secret keeps the old one beside it until these end the overlap.
    forget_previous_keystore = forms.BooleanField(
        label=capfirst(gettext_lazy("remove the previous keystore")), required=False
    )
    end_websub_secret_overlap = forms.BooleanField(
        label=capfirst(gettext_lazy("stop accepting the previous WebSub secret")), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keystore_upload"].label = _("credential keystore (PKCS#12)")
        config = self.instance
        self.fields["forget_previous_keystore"].help_text = (
            _(
                "A previous keystore is kept and tried when the current one cannot decrypt "
                "a credential. Remove it once MOSIP encrypts for the new certificate."
            )
            if config.previous_credential_keystore
            else _("No previous keystore is kept; uploading a new keystore keeps the current one.")
        )
        if len(key_rotation.websub_secrets(config)) > 1:
            until = localtime(config.previous_websub_secret_until)
            overlap = _("The previous WebSub secret is accepted until %(until)s.") % {
                "until": date_format(until, "DATETIME_FORMAT")
            }
        else:
            overlap = _(
                "No previous WebSub secret is accepted; saving a new secret accepts the "
                "current one for %(hours)s more hours."
            ) % {"hours": f"{key_rotation.overlap().total_seconds() / 3600:g}"}
        self.fields["end_websub_secret_overlap"].help_text = overlap

    def clean_mandatory_attributes(self) -> str:
        # One line a process, as stored: a browser's CRLF or blank lines are no change.
        text = self.cleaned_data.get("mandatory_attributes") or ""
        return "\n".join(line.strip() for line in text.splitlines() if line.strip())

    def clean(self):
        stored_keystore = bytes(self.instance.credential_keystore or b"")
        stored_password = self.instance.credential_keystore_password
        cleaned = super().clean()
        self._rotate(cleaned, stored_keystore, stored_password)
        self._check_partner_certificate(cleaned)
        schema = cleaned.get("id_schema") or {}
        if cleaned.get("id_schema_source") == IdSchemaSource.CUSTOM and schema_problem(schema):
            problem = (
                _("The ID schema has no properties.identity.properties")
                if schema
                else _("No ID schema is in force")
            )
            self.add_error(
                "id_schema",
                _("%(problem)s: paste your MOSIP's ID schema, or use mosip-api's.")
                % {"problem": problem},
            )
        return cleaned

    def _check_partner_certificate(self, cleaned: dict) -> None:
        """A keystore that cannot decrypt what MOSIP sends is refused on save, where the
        latest credential MOSIP delivered tells which certificate it encrypts for."""
        field = (
            "keystore_upload"
            if cleaned.get("keystore_upload")
            else "forget_previous_keystore"
            if cleaned.get("forget_previous_keystore")
            else None
        )
        if field is None or self.has_error("keystore_upload") or self.has_error(field):
            return
        if problem := partner_certificate.keystore_problem(self.instance):
            self.add_error(field, staff_text(problem))

    def _rotate(self, cleaned: dict, stored_keystore: bytes, stored_password: str) -> None:
        config = self.instance
        if cleaned.get("keystore_upload") and not self.has_error("keystore_upload"):
            uploaded = bytes(config.credential_keystore)
            config.credential_keystore = stored_keystore
            config.credential_keystore_password = stored_password
            key_rotation.replace_keystore(
                config, uploaded, cleaned.get("credential_keystore_password") or ""
            )
        if cleaned.get("forget_previous_keystore"):
            key_rotation.forget_previous_keystore(config)
        if cleaned.get("websub_secret") is not None:
            key_rotation.replace_websub_secret(config, cleaned["websub_secret"])
        if cleaned.get("end_websub_secret_overlap"):
            key_rotation.end_websub_secret_overlap(config)


class OpenCrvsSettingsForm(SecretsForm):
    secret_fields = ("client_secret", "webhook_secret")
    secret_urls = {
        "auth_url": ("client_secret",),
        "webhooks_url": ("client_secret", "webhook_secret"),
    }

    class Meta:
        model = OpenCrvsSettings
        fields = [f.name for f in OpenCrvsSettings._meta.fields if f.name != "id"]


def english(text) -> str:
    with translation.override("en"):
        return str(text)


def changed_fields(before, after) -> list[str]:
    """The verbose names of the fields whose stored value differs (values never kept),
    in English: the history is the same whoever reads it (as the audit log)."""
    with translation.override("en"):
        return _changed_fields(before, after)


def _changed_fields(before, after) -> list[str]:
    changed = []
    for field in after._meta.concrete_fields:
        old = getattr(before, field.attname) if before is not None else field.get_default()
        new = getattr(after, field.attname)
        if isinstance(old, memoryview):
            old = bytes(old)
        if isinstance(new, memoryview):
            new = bytes(new)
        if old != new and field.name != "id":
            changed.append(str(field.verbose_name))
    return changed


class SingletonAdmin(admin.ModelAdmin):
    """A settings singleton; each save is kept in the settings history. Its page opens as
    its form (no one-row list), with a "Test connection" button where a check exists."""

    change_form_template = "admin/integration/singleton_change_form.html"
    object_history_template = "admin/integration/singleton_object_history.html"
    # A plain URL input: Django's admin widget shows each URL twice ("Currently", "Change").
    formfield_overrides = {
        models.URLField: {"widget": forms.URLInput(attrs={"class": "vURLField"})},
    }

    def _change_url(self) -> str:
        meta = self.model._meta
        obj = self.model.load()
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])

    def changelist_view(self, request, extra_context=None):
        return HttpResponseRedirect(self._change_url())

    def get_urls(self):
        meta = self.model._meta
        test = self.admin_site.admin_view(require_POST(self.test_connection))
        own = [
            path(
                "test-connection/", test, name=f"{meta.app_label}_{meta.model_name}_test_connection"
            )
        ]
        return own + super().get_urls() if self.model in CHECKS else super().get_urls()

    def render_change_form(self, request, context, *args, **kwargs):
        if self.model in CHECKS:
            meta = self.model._meta
            context["test_connection_url"] = reverse(
                f"admin:{meta.app_label}_{meta.model_name}_test_connection"
            )
        return super().render_change_form(request, context, *args, **kwargs)

    def test_connection(self, request: HttpRequest):
        """One harmless call to each system these (saved) settings point at."""
        if not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        answers = CHECKS[self.model](self.model.load())
        for answer in answers:
            shown = messages.success if answer.ok else messages.error
            (messages.warning if answer.warning else shown)(request, answer.message)
        if not answers:
            messages.warning(request, _("Nothing to test: no URL is set."))
        return HttpResponseRedirect(self._change_url())

    def has_add_permission(self, request):
        return False  # opening the page creates the one row (load); there is no "Add"

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        before = type(obj).objects.filter(pk=obj.pk).first() if obj.pk else None
        super().save_model(request, obj, form, change)
        fields = changed_fields(before, obj)
        if fields:
            SettingsChange.objects.create(
                settings_name=english(obj._meta.verbose_name),
                changed_by=request.user,
                changed_by_name=display_name(request.user),
                fields=fields,
            )


@admin.register(SettingsChange)
class SettingsChangeAdmin(admin.ModelAdmin):
    """The settings history: read-only, never a value."""

    list_display = ["changed_at", "settings_name", "changed_by_name", "fields_changed"]
    list_filter = ["settings_name"]
    date_hierarchy = "changed_at"

    @admin.display(description=gettext_lazy("fields changed"))
    def fields_changed(self, obj: SettingsChange) -> str:
        return ", ".join(obj.fields)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MosipSettings)
class MosipSettingsAdmin(SingletonAdmin):
    form = MosipSettingsForm
    readonly_fields = ["schema_in_force", "websub_subscription"]

    @admin.display(description=gettext_lazy("in force now"))
    def schema_in_force(self, obj: MosipSettings) -> str:
        return obj.id_schema_summary() if obj else ""

    @admin.display(description=gettext_lazy("subscription"))
    def websub_subscription(self, obj: MosipSettings) -> str:
        return websub.standing().summary()

    fieldsets = [
        (
            gettext_lazy("Auth manager"),
            {
                "fields": [
                    "auth_url",
                    "app_id",
                    "packet_client_id",
                    "packet_client_secret",
                    "websub_client_id",
                    "websub_client_secret",
                ]
            },
        ),
        (
            gettext_lazy("Packets"),
            {
                "fields": [
                    "create_packet_url",
                    "process_url",
                    "center_id",
                    "machine_id",
                    "source",
                    "birth_process",
                    "death_process",
                    "death_waits_for_credential",
                    "officer_id",
                    "schema_version",
                    "transaction_id_prefix",
                ]
            },
        ),
        (
            gettext_lazy("ID schema"),
            {
                "fields": [
                    "schema_in_force",
                    "masterdata_url",
                    "mandatory_attributes",
                    "id_schema_source",
                    "id_schema",
                ]
            },
        ),
        (
            gettext_lazy("Credentials (WebSub)"),
            {
                "fields": [
                    "websub_subscription",
                    "websub_hub_url",
                    "websub_topic",
                    "websub_callback_url",
                    "websub_secret",
                    "keystore_upload",
                    "credential_keystore_password",
                    "forget_previous_keystore",
                    "end_websub_secret_overlap",
                    "national_id_key",
                    "verify_credential_proof",
                    "verification_method_allowlist",
                    "context_url_allowlist",
                    "jcs_proofs",
                ]
            },
        ),
    ]


@admin.register(OpenCrvsSettings)
class OpenCrvsSettingsAdmin(SingletonAdmin):
    form = OpenCrvsSettingsForm
    fieldsets = [
        (gettext_lazy("Records and confirmation"), {"fields": ["gateway_url", "public_key_url"]}),
        (
            gettext_lazy("System client"),
            {
                "fields": ["auth_url", "client_id", "client_secret"],
                "description": format_lazy(
                    gettext_lazy(
                        "The integration's own OpenCRVS client. When set, confirmations, "
                        "rejections and event look-ups use its token (2.x), so they outlive "
                        "each record's 7-day token; it needs the scopes {scopes}. The 1.9 "
                        "webhooks use it too; “Test connection” checks the saved client."
                    ),
                    scopes=", ".join(REQUIRED_SCOPES),
                ),
            },
        ),
        (
            gettext_lazy("Webhooks (OpenCRVS 1.9 and older)"),
            {"fields": ["webhooks_url", "webhook_secret", "webhook_callback_url"]},
        ),
    ]


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = readonly_fields = [
        "started_at",
        "step",
        "http_status",
        "duration_ms",
        "error",
        "url",
        "request_excerpt",
        "response_excerpt",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
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
    exclude = ["token"]

    def get_readonly_fields(self, request, obj=None):
        # The reason in the reader's language, not its English text and stored code.
        hidden = {"token", "last_error", "reason_code", "reason_params"}
        fields = [f.name for f in self.model._meta.fields if f.name not in hidden]
        return [*fields, "failure_reason"]

    @admin.display(description=gettext_lazy("last error"))
    def failure_reason(self, obj: Submission) -> str:
        """In the reader's language, the remote system's own words marked apart."""
        return reason_text.rendered(obj) if obj.last_error else "—"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


import integration.admin_mapping  # noqa: E402,F401
import integration.admin_retention  # noqa: E402,F401
import integration.admin_trust  # noqa: E402,F401
import integration.admin_verification  # noqa: E402,F401
