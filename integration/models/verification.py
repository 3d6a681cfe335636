"""Identity checks OpenCRVS forms ask for while a declaration is filled in: the settings
for MOSIP IDA (demographic auth) and E-Signet (sign-in), and one record per check.

A record says when, for which OpenCRVS transaction, with what result and why, so support
can trace a complaint. It never holds the person's NID, name, date of birth or gender.
"""

from django.db import models
from django.utils import timezone

from integration.fields import EncryptedBinaryField, EncryptedTextField
from integration.models.settings import SingletonModel


class IdaSettings(SingletonModel):
    auth_url = models.URLField(
        "IDA auth URL",
        blank=True,
        help_text="…/idauthentication/v1/auth — the portal appends "
        "/{MISP licence key}/{partner id}/{API key}.",
    )
    domain_uri = models.CharField(
        "domain URI",
        max_length=200,
        blank=True,
        help_text="Sent as domainUri: the IDA base URL as MOSIP knows it.",
    )
    env = models.CharField("environment", max_length=50, default="Staging")
    partner_id = models.CharField("partner id", max_length=100, blank=True)
    misp_license_key = EncryptedTextField("MISP licence key", blank=True)
    partner_api_key = EncryptedTextField("partner API key", blank=True)
    individual_id_type = models.CharField("individual id type", max_length=10, default="UIN")
    encryption_certificate = models.TextField(
        "IDA encryption certificate (PEM)",
        blank=True,
        help_text="MOSIP's partner certificate: the session key is encrypted for it and its "
        "SHA-256 thumbprint is sent. Public, so shown as is.",
    )
    signing_keystore = EncryptedBinaryField(
        "signing keystore (PKCS#12)",
        blank=True,
        editable=False,  # uploaded through the admin form, never shown back
        help_text="Signs each request (Signature header); its certificate goes in x5c.",
    )
    signing_keystore_password = EncryptedTextField("signing keystore password", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "IDA settings"

    def __str__(self) -> str:
        return "IDA settings"

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
        "token URL", blank=True, help_text="…/v1/esignet/oauth/v2/token (also the assertion's aud)"
    )
    userinfo_url = models.URLField(
        "user-info URL", blank=True, help_text="…/v1/esignet/oidc/userinfo"
    )
    jwks_url = models.URLField(
        "JWKS URL",
        blank=True,
        help_text="…/v1/esignet/oauth/.well-known/jwks.json: E-Signet's keys and its identity "
        "plugin's KYC certificates. With no key configured at all (this, the extra key URLs, "
        "pinned keys), user info is taken unverified, as the reference does.",
    )
    client_private_jwk = EncryptedTextField(
        "client private key (JWK)",
        blank=True,
        help_text="The OIDC client's RSA private JWK, as JSON or base64 of the JSON; signs the "
        "client assertion.",
    )
    client_encryption_key = EncryptedTextField(
        "client encryption key",
        blank=True,
        help_text="Only when the OIDC client is registered with userinfo_response_type JWE: the "
        "RSA private key (PEM or JWK) whose public certificate E-Signet encrypts user info for.",
    )
    issuer = models.CharField(
        "E-Signet issuer",
        max_length=300,
        blank=True,
        help_text="E-Signet's iss: the `issuer` of its openid-configuration "
        "(mosip.esignet.discovery.issuer-id, by default its domain URL, e.g. "
        "https://esignet.example.org). The ID token must carry it. Blank: any iss is taken.",
    )
    userinfo_issuers = models.TextField(
        "other user-info issuers",
        blank=True,
        help_text="One per line: issuers besides E-Signet whose iss user info may carry, e.g. "
        "the mock identity system's (mosip.mockidentitysystem.esignet.issuer-id, by default "
        "https://<E-Signet host>/v1/esignet). User info without iss (MOSIP IDA) is always "
        "taken.",
    )
    trusted_key_urls = models.TextField(
        "extra key URLs",
        blank=True,
        help_text="One per line: further places to read user-info signing keys from, as a JWK "
        "set or a MOSIP certificate list, e.g. …/v1/mock-identity-system/keys.json.",
    )
    trusted_keys = models.TextField(
        "pinned keys",
        blank=True,
        help_text="Signing keys to trust without fetching: PEM certificates or public keys, "
        "or a JWK / JWK set. Public, so shown as is.",
    )
    userinfo_signed_by = models.CharField(
        "user info signed by",
        max_length=20,
        choices=[
            ("esignet", "E-Signet or its identity system (the keys above)"),
            ("client_key", "the client's own key (OpenCRVS's E-Signet mock)"),
        ],
        default="esignet",
        help_text="OpenCRVS's E-Signet mock signs user info with the relying party's own key, "
        "without kid or JWKS; nothing in its token says so, hence this setting.",
    )
    claims_language = models.CharField(
        "claims language",
        max_length=10,
        default="eng",
        help_text="With several claims locales E-Signet sends name#eng, name#fra, …: the "
        "language whose values are used.",
    )
    client_app_url = models.URLField(
        "OpenCRVS client app URL",
        blank=True,
        help_text="Browsers from this origin may call /esignet/ (CORS). Blank: none may.",
    )

    class Meta:
        verbose_name = verbose_name_plural = "E-Signet settings"

    def __str__(self) -> str:
        return "E-Signet settings"

    @property
    def is_configured(self) -> bool:
        return all((self.token_url, self.userinfo_url, self.client_private_jwk))


class VerificationKind(models.TextChoices):
    IDA = "ida", "MOSIP IDA (/verify)"
    ESIGNET = "esignet", "E-Signet user info"


class VerificationResult(models.TextChoices):
    VERIFIED = "verified", "Verified"
    FAILED = "failed", "Failed (details did not match or sign-in refused)"
    ERROR = "error", "Could not check (MOSIP unreachable, misconfigured or answering garbage)"


class VerificationRecord(models.Model):
    """One identity check. Deliberately no field for the person's data."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=10, choices=VerificationKind.choices)
    transaction_id = models.CharField(
        "OpenCRVS transaction id", max_length=100, blank=True, db_index=True
    )
    upstream_transaction_id = models.CharField(
        "IDA transaction id",
        max_length=20,
        blank=True,
        help_text="The transactionID sent to IDA, to find the call in MOSIP's logs.",
    )
    result = models.CharField(max_length=10, choices=VerificationResult.choices)
    error_code = models.CharField(max_length=50, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    http_status = models.PositiveSmallIntegerField("upstream HTTP status", null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "result", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.result} at {self.created_at:%Y-%m-%d %H:%M:%S}"
