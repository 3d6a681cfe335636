"""Admin for NID verification: IDA and E-Signet settings, and the read-only check records."""

from django.contrib import admin
from django.utils.html import format_html_join

from integration.admin import KeystoreUploadForm, SecretsForm, SingletonAdmin
from integration.clients.esignet import load_client_jwk
from integration.crypto.ida import IdaCryptoError, certificate_thumbprint, load_certificate
from integration.crypto.keystore import KeystoreError, load_pkcs12
from integration.models import EsignetSettings, IdaSettings, VerificationRecord


def _describe(cert) -> str:
    return format_html_join(
        "",
        "<div>{}: {}</div>",
        [
            ("Subject", cert.subject.rfc4514_string()),
            ("Valid until", f"{cert.not_valid_after_utc:%Y-%m-%d}"),
            ("Thumbprint", certificate_thumbprint(cert)),
        ],
    )


class IdaSettingsForm(KeystoreUploadForm):
    secret_fields = ("misp_license_key", "partner_api_key", "signing_keystore_password")
    keystore_field, password_field = "signing_keystore", "signing_keystore_password"

    class Meta:
        model = IdaSettings
        fields = [f.name for f in IdaSettings._meta.fields if f.editable and f.name != "id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keystore_upload"].label = "signing keystore (PKCS#12)"

    def clean(self):
        cleaned = super().clean()
        pem = cleaned.get("encryption_certificate")
        if pem:
            try:
                load_certificate(pem)
            except IdaCryptoError as exc:
                self.add_error("encryption_certificate", str(exc))
        return cleaned


@admin.register(IdaSettings)
class IdaSettingsAdmin(SingletonAdmin):
    form = IdaSettingsForm
    readonly_fields = ["certificate_details", "keystore_details"]
    fieldsets = [
        ("MOSIP IDA", {"fields": ["auth_url", "domain_uri", "env", "individual_id_type"]}),
        ("Partner", {"fields": ["partner_id", "misp_license_key", "partner_api_key"]}),
        (
            "Keys",
            {
                "fields": [
                    "encryption_certificate",
                    "certificate_details",
                    "keystore_upload",
                    "signing_keystore_password",
                    "keystore_details",
                ]
            },
        ),
    ]

    @admin.display(description="certificate")
    def certificate_details(self, obj: IdaSettings) -> str:
        try:
            return _describe(load_certificate(obj.encryption_certificate))
        except IdaCryptoError:
            return "(none)"

    @admin.display(description="signing certificate")
    def keystore_details(self, obj: IdaSettings) -> str:
        if not obj.signing_keystore:
            return "(none)"
        try:
            _key, cert = load_pkcs12(bytes(obj.signing_keystore), obj.signing_keystore_password)
        except KeystoreError as exc:
            return str(exc)
        return _describe(cert)


class EsignetSettingsForm(SecretsForm):
    secret_fields = ("client_private_jwk",)

    class Meta:
        model = EsignetSettings
        fields = [
            "token_url",
            "userinfo_url",
            "jwks_url",
            "client_private_jwk",
            "client_app_url",
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("client_private_jwk"):
            try:
                load_client_jwk(cleaned["client_private_jwk"])
            except ValueError as exc:
                self.add_error("client_private_jwk", str(exc))
        return cleaned


@admin.register(EsignetSettings)
class EsignetSettingsAdmin(SingletonAdmin):
    form = EsignetSettingsForm


@admin.register(VerificationRecord)
class VerificationRecordAdmin(admin.ModelAdmin):
    """What support sees of each check; there is nothing personal to hide."""

    list_display = [
        "created_at",
        "kind",
        "result",
        "transaction_id",
        "error_code",
        "error_message",
        "duration_ms",
    ]
    list_filter = ["kind", "result", "error_code"]
    search_fields = ["=transaction_id", "=upstream_transaction_id", "=error_code"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
