"""The MOSIP and OpenCRVS settings pages: write-only secrets, the partner keystore and its
rotation, the ID schema in force."""

import json

from django import forms
from django.contrib import admin
from django.utils.formats import date_format
from django.utils.text import capfirst, format_lazy
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integration.admin.base import KeystoreUploadForm, SecretsForm, SingletonAdmin
from integration.clients.opencrvs_auth import REQUIRED_SCOPES
from integration.mapping.schemas import schema_problem
from integration.models import MosipSettings, OpenCrvsSettings
from integration.models.settings import IdSchemaSource
from integration.reasons import staff_text
from integration.services import key_rotation, partner_certificate, websub

MOSIP_SECRETS = (
    "packet_client_secret",
    "websub_client_secret",
    "websub_secret",
    "credential_keystore_password",
)


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


@admin.register(MosipSettings)
class MosipSettingsAdmin(SingletonAdmin):
    form = MosipSettingsForm
    readonly_fields = ["schema_in_force", "websub_subscription", "workflow_events_subscription"]

    @admin.display(description=gettext_lazy("in force now"))
    def schema_in_force(self, obj: MosipSettings) -> str:
        return obj.id_schema_summary() if obj else ""

    @admin.display(description=gettext_lazy("credential events"))
    def websub_subscription(self, obj: MosipSettings) -> str:
        return websub.standing().summary()

    @admin.display(description=gettext_lazy("workflow events"))
    def workflow_events_subscription(self, obj: MosipSettings) -> str:
        return websub.workflow_standing().summary()

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
                    "workflow_events_subscription",
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
