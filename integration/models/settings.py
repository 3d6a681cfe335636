"""Connection settings edited by integration admins in the Django admin.

Each is a single row (a "singleton"): `MosipSettings.load()` returns it, creating an
empty one on first use. Secrets use encrypted fields and are never shown back in full.
Every request and task reads them, so each process keeps a copy that a save anywhere
invalidates (see `integration.config_cache`).
"""

import copy
from typing import Self

from django.conf import settings
from django.db import models
from django.utils import timezone

from integration import config_cache
from integration.fields import EncryptedBinaryField, EncryptedTextField
from integration.mapping.schemas import describe, schema_problem, shipped_id_schema


class SingletonModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.pk = 1
        created = self._state.adding  # first use: nobody holds a copy of it yet
        super().save(*args, **kwargs)
        if not created:
            config_cache.changed(self.cache_name())

    def delete(self, *args, **kwargs):
        config_cache.changed(self.cache_name())
        return super().delete(*args, **kwargs)

    @classmethod
    def cache_name(cls) -> str:
        return f"settings:{cls._meta.label_lower}"

    @classmethod
    def load(cls) -> Self:
        # A shallow copy: a caller changing its instance leaves the process's copy alone.
        return copy.copy(config_cache.cached(cls.cache_name(), cls._read))

    @classmethod
    def _read(cls) -> Self:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class IdSchemaSource(models.TextChoices):
    MOSIP_API = "mosip-api", "mosip-api's ID schema (shipped with the portal)"
    CUSTOM = "custom", "The custom ID schema below"


class MosipSettings(SingletonModel):
    auth_url = models.URLField(
        "auth URL", blank=True, help_text="…/v1/authmanager/authenticate/clientidsecretkey"
    )
    packet_client_id = models.CharField(max_length=200, blank=True, default="mosip-regproc-client")
    packet_client_secret = EncryptedTextField(blank=True)
    websub_client_id = models.CharField(max_length=200, blank=True, default="mosip-websub-client")
    websub_client_secret = EncryptedTextField(blank=True)
    app_id = models.CharField("app id", max_length=100, default="admin")

    create_packet_url = models.URLField(
        "create-packet URL", blank=True, help_text="…/commons/v1/packetmanager/createPacket"
    )
    process_url = models.URLField(
        "process URL",
        blank=True,
        help_text="…/registrationprocessor/v1/workflowmanager/workflowinstance",
    )
    center_id = models.CharField(max_length=50, default="10001")
    machine_id = models.CharField(max_length=50, default="10004")
    source = models.CharField(max_length=50, default="OPENCRVS")
    birth_process = models.CharField("process name for births", max_length=50, default="CRVS_NEW")
    death_process = models.CharField("process name for deaths", max_length=50, default="CRVS_DEATH")
    update_process = models.CharField(
        "process name for corrections", max_length=50, default="CRVS_UPDATE"
    )
    death_waits_for_credential = models.BooleanField(
        "deaths wait for a credential",
        default=True,
        help_text="On: a death is confirmed in OpenCRVS when MOSIP's credential event for "
        "it arrives. Off: as soon as MOSIP started the death's workflow (for MOSIP "
        "installations that issue no credential when an ID is deactivated).",
    )
    schema_version = models.CharField(max_length=20, default="0.100")
    id_schema_source = models.CharField(
        "ID schema in force",
        max_length=20,
        choices=IdSchemaSource.choices,
        default=IdSchemaSource.MOSIP_API,
        help_text="Sent with every packet as schemaJson; every packet is checked against it "
        "before it is sent.",
    )
    id_schema = models.JSONField(
        "custom ID schema",
        default=dict,
        blank=True,
        help_text="Used only when the custom ID schema is in force: your MOSIP's identity "
        "schema (JSON).",
    )
    transaction_id_prefix = models.CharField(
        "transaction-id prefix",
        max_length=10,
        default="10001",
        help_text="Followed by 10 random digits; becomes MOSIP's registration id.",
    )

    websub_hub_url = models.URLField("WebSub hub URL", blank=True)
    websub_topic = models.CharField("WebSub topic", max_length=100, default="CREDENTIAL_ISSUED")
    websub_callback_url = models.URLField(
        "WebSub callback URL",
        blank=True,
        help_text="This portal's /websub/callback as MOSIP reaches it.",
    )
    websub_secret = EncryptedTextField(
        "WebSub secret",
        blank=True,
        help_text="Sent as hub.secret; deliveries must then carry a matching X-Hub-Signature.",
    )

    credential_keystore = EncryptedBinaryField(
        "credential keystore (PKCS#12)",
        blank=True,
        editable=False,  # uploaded through the admin form, never shown back
        help_text="Decrypts issued credentials.",
    )
    credential_keystore_password = EncryptedTextField("keystore password", blank=True)
    verification_method_allowlist = models.JSONField(
        "allowed VC verification-method URLs",
        default=list,
        blank=True,
        help_text="A credential's proof must name one of these URLs; its key is fetched there.",
    )
    national_id_key = models.CharField(
        "national-id key in the credential",
        max_length=50,
        default="VID",
        help_text="The credentialSubject key that holds the new national id (mosip-api's "
        "MOSIP_VERIFIABLE_CREDENTIAL_NATIONAL_ID_KEY), e.g. VID or UIN.",
    )
    verify_credential_proof = models.BooleanField(
        "verify the credential's proof",
        default=True,
        help_text="Turn off only to diagnose: unverified credentials are then accepted.",
    )
    context_url_allowlist = models.JSONField(
        "allowed JSON-LD context URLs",
        default=list,
        blank=True,
        help_text="Contexts that may be fetched (cached), such as MOSIP's mosip-context.json. "
        "Contexts on the same host as an allowed verification method are allowed too; the "
        "W3C contexts are bundled and never fetched.",
    )
    jcs_proofs = models.BooleanField(
        "JCS proofs (OpenCRVS's MOSIP mock only)",
        default=False,
        help_text="Check proofs over RFC 8785 JCS as OpenCRVS's MOSIP mock signs them. Off: "
        "URDNA2015 JSON-LD proofs, as real MOSIP signs them.",
    )

    class Meta:
        verbose_name = verbose_name_plural = "MOSIP settings"

    def __str__(self) -> str:
        return "MOSIP settings"

    def process_for(self, event_type: str) -> str:
        return self.death_process if event_type == "death" else self.birth_process

    def id_schema_in_force(self) -> dict:
        """The schema packets are built and checked with ({} when there is none)."""
        if self.id_schema_source == IdSchemaSource.MOSIP_API:
            return shipped_id_schema()
        return self.id_schema if isinstance(self.id_schema, dict) else {}

    def id_schema_summary(self) -> str:
        schema = self.id_schema_in_force()
        if problem := schema_problem(schema):
            return f"{problem}: no packet is sent until one is chosen here."
        return f"{self.get_id_schema_source_display()}: {describe(schema)}."


class OpenCrvsSettings(SingletonModel):
    gateway_url = models.URLField(
        "gateway URL", blank=True, help_text="Base of the tRPC API, e.g. http://gateway:7070"
    )
    public_key_url = models.URLField(
        "public-key URL",
        blank=True,
        help_text="PEM key that verifies OpenCRVS tokens, e.g. http://auth:4040/.well-known",
    )

    # The integration's own OpenCRVS system client: confirmations, rejections and event
    # look-ups (2.x), and the core <= 1.9 webhooks API (PROTOCOLS.md (3)).
    auth_url = models.URLField(
        "auth URL",
        blank=True,
        help_text="The auth service that issues client-credential tokens (…/token), "
        "e.g. http://auth:4040",
    )
    webhooks_url = models.URLField(
        "webhooks API URL", blank=True, help_text="e.g. http://gateway:7070 (…/webhooks)"
    )
    client_id = models.CharField("system client id", max_length=200, blank=True)
    client_secret = EncryptedTextField("system client secret", blank=True)
    webhook_secret = EncryptedTextField(
        "webhook secret (sha_secret)",
        blank=True,
        help_text="Signs webhook deliveries; required to accept them.",
    )
    webhook_callback_url = models.URLField(
        "webhook callback URL", blank=True, help_text="This portal's /webhooks/opencrvs."
    )

    class Meta:
        verbose_name = verbose_name_plural = "OpenCRVS settings"

    def __str__(self) -> str:
        return "OpenCRVS settings"


class SettingsChange(models.Model):
    """Who changed which settings fields, and when. Never a value: secrets included."""

    settings_name = models.CharField("settings", max_length=100)
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_by_name = models.CharField("by", max_length=300)
    fields = models.JSONField(default=list, help_text="The names of the fields changed.")

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = "settings change"

    def __str__(self) -> str:
        return f"{self.settings_name} changed by {self.changed_by_name}"
