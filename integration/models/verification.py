"""Identity checks OpenCRVS forms ask for while a declaration is filled in: the settings
for MOSIP IDA (demographic auth) and E-Signet (sign-in), and one record per check.

A record says when, for which OpenCRVS transaction, with what result and why, so support
can trace a complaint. It never holds the person's NID, name, date of birth or gender.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integration.fields import EncryptedBinaryField, EncryptedTextField
from integration.models.settings import SingletonModel


class IdaSettings(SingletonModel):
    auth_url = models.URLField(
        _("IDA auth URL"),
        blank=True,
        help_text=_(
            "…/idauthentication/v1/auth — the portal appends "
            "/{MISP licence key}/{partner id}/{API key}."
        ),
    )
    domain_uri = models.CharField(
        _("domain URI"),
        max_length=200,
        blank=True,
        help_text=_("Sent as domainUri: the IDA base URL as MOSIP knows it."),
    )
    env = models.CharField(_("environment"), max_length=50, default="Staging")
    partner_id = models.CharField(_("partner id"), max_length=100, blank=True)
    misp_license_key = EncryptedTextField(_("MISP licence key"), blank=True)
    partner_api_key = EncryptedTextField(_("partner API key"), blank=True)
    individual_id_type = models.CharField(_("individual id type"), max_length=10, default="UIN")
    encryption_certificate = models.TextField(
        _("IDA encryption certificate (PEM)"),
        blank=True,
        help_text=_(
            "MOSIP's partner certificate: the session key is encrypted for it and its "
            "SHA-256 thumbprint is sent. Public, so shown as is."
        ),
    )
    signing_keystore = EncryptedBinaryField(
        _("signing keystore (PKCS#12)"),
        blank=True,
        editable=False,  # uploaded through the admin form, never shown back
        help_text=_("Signs each request (Signature header); its certificate goes in x5c."),
    )
    signing_keystore_password = EncryptedTextField(_("signing keystore password"), blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("IDA settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @property
    def is_configured(self) -> bool:
        return all(
            (
                self.auth_url,
                self.partner_id,
                self.misp_license_key,
                self.partner_api_key,
                self.encryption_certificate,
                self.signing_keystore,
            )
        )


class EsignetSettings(SingletonModel):
    token_url = models.URLField(
        _("token URL"),
        blank=True,
        help_text=_("…/v1/esignet/oauth/v2/token (also the assertion's aud)"),
    )
    userinfo_url = models.URLField(
        _("user-info URL"), blank=True, help_text=_("…/v1/esignet/oidc/userinfo")
    )
    jwks_url = models.URLField(
        _("JWKS URL"),
        blank=True,
        help_text=_(
            "…/v1/esignet/oauth/.well-known/jwks.json: E-Signet's keys and its identity "
            "plugin's KYC certificates. With no key configured at all (this, the extra key URLs, "
            "pinned keys), user info is taken unverified, as the reference does."
        ),
    )
    client_id = models.CharField(
        _("client id"),
        max_length=200,
        blank=True,
        help_text=_(
            "The OIDC client id E-Signet registered for OpenCRVS. OpenCRVS sends it with each "
            "request; here it lets Test connection check that E-Signet knows it."
        ),
    )
    client_private_jwk = EncryptedTextField(
        _("client private key (JWK)"),
        blank=True,
        help_text=_(
            "The OIDC client's RSA private JWK, as JSON or base64 of the JSON; signs the "
            "client assertion."
        ),
    )
    client_encryption_key = EncryptedTextField(
        _("client encryption key"),
        blank=True,
        help_text=_(
            "Only when the OIDC client is registered with userinfo_response_type JWE: the "
            "RSA private key (PEM or JWK) whose public certificate E-Signet encrypts user info for."
        ),
    )
    issuer = models.CharField(
        _("E-Signet issuer"),
        max_length=300,
        blank=True,
        help_text=_(
            "E-Signet's iss: the `issuer` of its openid-configuration "
            "(mosip.esignet.discovery.issuer-id, by default its domain URL, e.g. "
            "https://esignet.example.org). The ID token must carry it. Blank: any iss is taken."
        ),
    )
    userinfo_issuers = models.TextField(
        _("other user-info issuers"),
        blank=True,
        help_text=_(
            "One per line: issuers besides E-Signet whose iss user info may carry, e.g. "
            "the mock identity system's (mosip.mockidentitysystem.esignet.issuer-id, by default "
            "https://<E-Signet host>/v1/esignet). User info without iss (MOSIP IDA) is always "
            "taken."
        ),
    )
    trusted_key_urls = models.TextField(
        _("extra key URLs"),
        blank=True,
        help_text=_(
            "One per line: further places to read user-info signing keys from, as a JWK "
            "set or a MOSIP certificate list, e.g. …/v1/mock-identity-system/keys.json."
        ),
    )
    trusted_keys = models.TextField(
        _("pinned keys"),
        blank=True,
        help_text=_(
            "Signing keys to trust without fetching: PEM certificates or public keys, "
            "or a JWK / JWK set. Public, so shown as is."
        ),
    )
    userinfo_signed_by = models.CharField(
        _("user info signed by"),
        max_length=20,
        choices=[
            ("esignet", "E-Signet or its identity system (the keys above)"),
            ("client_key", "the client's own key (OpenCRVS's E-Signet mock)"),
        ],
        default="esignet",
        help_text=_(
            "OpenCRVS's E-Signet mock signs user info with the relying party's own key, "
            "without kid or JWKS; nothing in its token says so, hence this setting."
        ),
    )
    claims_language = models.CharField(
        _("claims language"),
        max_length=10,
        default="eng",
        help_text=_(
            "With several claims locales E-Signet sends name#eng, name#fra, …: the "
            "language whose values are used."
        ),
    )
    client_app_url = models.URLField(
        _("OpenCRVS client app URL"),
        blank=True,
        help_text=_("Browsers from this origin may call /esignet/ (CORS). Blank: none may."),
    )

    class Meta:
        verbose_name = verbose_name_plural = _("E-Signet settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @property
    def is_configured(self) -> bool:
        return all((self.token_url, self.userinfo_url, self.client_private_jwk))


class VerificationKind(models.TextChoices):
    IDA = "ida", _("MOSIP IDA (/verify)")
    ESIGNET = "esignet", _("E-Signet user info")


class VerificationResult(models.TextChoices):
    VERIFIED = "verified", _("Verified")
    FAILED = "failed", _("Failed (details did not match or sign-in refused)")
    ERROR = "error", _("Could not check (MOSIP unreachable, misconfigured or answering garbage)")


class VerificationRecord(models.Model):
    """One identity check. Deliberately no field for the person's data."""

    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )
    kind = models.CharField(max_length=10, choices=VerificationKind.choices, verbose_name=_("kind"))
    transaction_id = models.CharField(
        _("OpenCRVS transaction id"), max_length=100, blank=True, db_index=True
    )
    upstream_transaction_id = models.CharField(
        _("IDA transaction id"),
        max_length=20,
        blank=True,
        help_text=_("The transactionID sent to IDA, to find the call in MOSIP's logs."),
    )
    result = models.CharField(
        max_length=10, choices=VerificationResult.choices, verbose_name=_("result")
    )
    error_code = models.CharField(max_length=50, blank=True, verbose_name=_("error code"))
    error_message = models.CharField(max_length=500, blank=True, verbose_name=_("error message"))
    # `error_message` as a code and its values (integration/reason_codes.py), as a
    # record's failure: shown in the reader's language, IDA's or E-Signet's own words
    # apart; empty for rows written before codes (they show `error_message`).
    reason_code = models.CharField(max_length=40, blank=True, editable=False)
    reason_params = models.JSONField(default=dict, blank=True, editable=False)
    http_status = models.PositiveSmallIntegerField(_("upstream HTTP status"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0, verbose_name=_("duration ms"))

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "result", "created_at"])]
        verbose_name = _("verification record")
        verbose_name_plural = _("verification records")

    def __str__(self) -> str:
        # Shown as the admin page's title: no English word in it (the kind is translated).
        return f"{self.get_kind_display()} · {self.created_at:%Y-%m-%d %H:%M:%S}"
