"""Admin for NID verification: IDA and E-Signet settings, and the read-only check records."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integration.admin.base import KeystoreUploadForm, SecretsForm, SingletonAdmin
from integration.admin.readonly import ReadOnlyAdmin
from integration.clients.esignet import load_client_jwk
from integration.console import reason_text
from integration.crypto.esignet_keys import (
    EsignetKeyError,
    TrustedKey,
    describe,
    keys_from_text,
    load_private_key,
)
from integration.crypto.ida import IdaCryptoError, certificate_thumbprint, load_certificate
from integration.crypto.keystore import KeystoreError, load_pkcs12
from integration.models import EsignetSettings, IdaSettings, VerificationRecord
from integration.reasons import staff_text
from integration.services.esignet_trust import lines


def pinned_keys(text: str) -> list[TrustedKey]:
    """The pinned keys, named in the reader's language in errors and descriptions."""
    return keys_from_text(text, source=gettext_lazy("pinned keys"))


def _describe(cert) -> str:
    return format_html_join(
        "",
        "<div>{}: {}</div>",
        [
            (gettext_lazy("Subject"), cert.subject.rfc4514_string()),
            (gettext_lazy("Valid until"), f"{cert.not_valid_after_utc:%Y-%m-%d}"),
            (gettext_lazy("Thumbprint"), certificate_thumbprint(cert)),
        ],
    )


class IdaSettingsForm(KeystoreUploadForm):
    secret_fields = ("misp_license_key", "partner_api_key", "signing_keystore_password")
    secret_urls = {"auth_url": ("misp_license_key", "partner_api_key")}  # in the URL's path
    keystore_field, password_field = "signing_keystore", "signing_keystore_password"

    class Meta:
        model = IdaSettings
        fields = [f.name for f in IdaSettings._meta.fields if f.editable and f.name != "id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keystore_upload"].label = gettext_lazy("signing keystore (PKCS#12)")

    def clean(self):
        cleaned = super().clean()
        pem = cleaned.get("encryption_certificate")
        if pem:
            try:
                load_certificate(pem)
            except IdaCryptoError as exc:
                self.add_error(
                    "encryption_certificate",
                    staff_text(exc),
                )
        return cleaned


@admin.register(IdaSettings)
class IdaSettingsAdmin(SingletonAdmin):
    form = IdaSettingsForm
    readonly_fields = ["certificate_details", "keystore_details"]
    fieldsets = [
        ("MOSIP IDA", {"fields": ["auth_url", "domain_uri", "env", "individual_id_type"]}),
        (
            gettext_lazy("Partner"),
            {"fields": ["partner_id", "misp_license_key", "partner_api_key"]},
        ),
        (
            gettext_lazy("Keys"),
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

    @admin.display(description=gettext_lazy("certificate"))
    def certificate_details(self, obj: IdaSettings) -> str:
        try:
            return _describe(load_certificate(obj.encryption_certificate))
        except IdaCryptoError:
            return gettext_lazy("(none)")

    @admin.display(description=gettext_lazy("signing certificate"))
    def keystore_details(self, obj: IdaSettings) -> str:
        if not obj.signing_keystore:
            return gettext_lazy("(none)")
        try:
            _key, cert = load_pkcs12(bytes(obj.signing_keystore), obj.signing_keystore_password)
        except KeystoreError as exc:
            return staff_text(exc)
        return _describe(cert)


class EsignetSettingsForm(SecretsForm):
    secret_fields = ("client_private_jwk", "client_encryption_key")

    class Meta:
        model = EsignetSettings
        fields = [
            "token_url",
            "userinfo_url",
            "jwks_url",
            "issuer",
            "client_id",
            "client_private_jwk",
            "client_encryption_key",
            "trusted_key_urls",
            "trusted_keys",
            "userinfo_issuers",
            "userinfo_signed_by",
            "claims_language",
            "client_app_url",
        ]

    def clean(self):
        cleaned = super().clean()
        checks = {
            "client_private_jwk": load_client_jwk,
            "client_encryption_key": load_private_key,
            "trusted_keys": pinned_keys,
        }
        for name, load in checks.items():
            if cleaned.get(name):
                try:
                    load(cleaned[name])
                except ValueError as exc:
                    self.add_error(name, staff_text(exc))
        validate = URLValidator(schemes=["http", "https"])
        for url in lines(cleaned.get("trusted_key_urls") or ""):
            try:
                validate(url)
            except ValidationError:
                self.add_error(
                    "trusted_key_urls",
                    _("“%(url)s” is not an http(s) URL.") % {"url": url[:100]},
                )
        if cleaned.get("userinfo_signed_by") == "client_key" and not cleaned.get(
            "client_private_jwk"
        ):
            self.add_error("userinfo_signed_by", _("needs the client private key above"))
        return cleaned


@admin.register(EsignetSettings)
class EsignetSettingsAdmin(SingletonAdmin):
    form = EsignetSettingsForm
    readonly_fields = ["pinned_key_details"]
    fieldsets = [
        ("E-Signet", {"fields": ["token_url", "userinfo_url", "jwks_url", "issuer"]}),
        (
            gettext_lazy("OIDC client"),
            {"fields": ["client_id", "client_private_jwk", "client_encryption_key"]},
        ),
        (
            gettext_lazy("Trusting user info"),
            {
                "description": gettext_lazy(
                    "What the IDA plugin, the mock identity system and OpenCRVS's mock each "
                    "need is in the README (E-Signet user info)."
                ),
                "fields": [
                    "trusted_key_urls",
                    "trusted_keys",
                    "pinned_key_details",
                    "userinfo_issuers",
                    "userinfo_signed_by",
                    "claims_language",
                ],
            },
        ),
        ("OpenCRVS", {"fields": ["client_app_url"]}),
    ]

    @admin.display(description=gettext_lazy("pinned keys read"))
    def pinned_key_details(self, obj: EsignetSettings) -> str:
        try:
            keys = pinned_keys(obj.trusted_keys)
        except EsignetKeyError as exc:
            return staff_text(exc)
        return format_html_join(
            "", "<div>{}</div>", [(describe(k),) for k in keys]
        ) or gettext_lazy("(none)")


@admin.register(VerificationRecord)
class VerificationRecordAdmin(ReadOnlyAdmin):
    """What support sees of each check; there is nothing personal to hide."""

    list_display = [
        "created_at",
        "kind",
        "result",
        "transaction_id",
        "error_code",
        "error_reason",
        "duration_ms",
    ]
    list_filter = ["kind", "result", "error_code"]
    search_fields = ["=transaction_id", "=upstream_transaction_id", "=error_code"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    exclude = ["error_message"]  # shown as `error_reason`

    def get_readonly_fields(self, request, obj=None):
        # The reason in the reader's language, not its English text and stored code.
        hidden = {"error_message", "reason_code", "reason_params"}
        fields = [f.name for f in self.model._meta.fields if f.name not in hidden]
        return [*fields, "error_reason"]

    @admin.display(description=gettext_lazy("error message"))
    def error_reason(self, obj: VerificationRecord) -> str:
        """In the reader's language, IDA's or E-Signet's own words marked apart; a row
        stored before codes shows its English text."""
        return reason_text.rendered(obj) if obj.error_message else "—"
