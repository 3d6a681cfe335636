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
from django.utils.translation import gettext_lazy as _

from integration import config_cache
from integration.fields import EncryptedBinaryField, EncryptedTextField
from integration.mapping.mosip_rules import DEFAULT_MANDATORY_ATTRIBUTES
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


def default_mandatory_attributes() -> str:
    """MOSIP's default configuration (mosip-config, application-default.properties)."""
    return "\n".join(
        f"{process.lower()}={names}" for process, names in DEFAULT_MANDATORY_ATTRIBUTES.items()
    )


class IdSchemaSource(models.TextChoices):
    MOSIP_API = "mosip-api", _("mosip-api's ID schema (shipped with the portal)")
    CUSTOM = "custom", _("The custom ID schema below")


class MosipSettings(SingletonModel):
    auth_url = models.URLField(
        _("auth URL"), blank=True, help_text=_("…/v1/authmanager/authenticate/clientidsecretkey")
    )
    packet_client_id = models.CharField(
        max_length=200,
        blank=True,
        default="mosip-regproc-client",
        verbose_name=_("packet client id"),
    )
    packet_client_secret = EncryptedTextField(blank=True, verbose_name=_("packet client secret"))
    websub_client_id = models.CharField(
        max_length=200,
        blank=True,
        default="mosip-websub-client",
        verbose_name=_("WebSub client id"),
    )
    websub_client_secret = EncryptedTextField(blank=True, verbose_name=_("WebSub client secret"))
    app_id = models.CharField(_("app id"), max_length=100, default="admin")

    create_packet_url = models.URLField(
        _("create-packet URL"), blank=True, help_text=_("…/commons/v1/packetmanager/createPacket")
    )
    process_url = models.URLField(
        _("process URL"),
        blank=True,
        help_text=_("…/registrationprocessor/v1/workflowmanager/workflowinstance"),
    )
    center_id = models.CharField(max_length=50, default="10001", verbose_name=_("center id"))
    machine_id = models.CharField(max_length=50, default="10004", verbose_name=_("machine id"))
    source = models.CharField(max_length=50, default="OPENCRVS", verbose_name=_("source"))
    birth_process = models.CharField(
        _("process name for births"), max_length=50, default="CRVS_NEW"
    )
    death_process = models.CharField(
        _("process name for deaths"), max_length=50, default="CRVS_DEATH"
    )
    update_process = models.CharField(
        _("process name for corrections"), max_length=50, default="CRVS_UPDATE"
    )
    death_waits_for_credential = models.BooleanField(
        _("deaths wait for a credential"),
        default=True,
        help_text=_(
            "On: a death is confirmed in OpenCRVS when MOSIP's credential event for "
            "it arrives. Off: as soon as MOSIP started the death's workflow (for MOSIP "
            "installations that issue no credential when an ID is deactivated)."
        ),
    )
    schema_version = models.CharField(
        max_length=20, default="0.100", verbose_name=_("schema version")
    )
    id_schema_source = models.CharField(
        _("ID schema in force"),
        max_length=20,
        choices=IdSchemaSource.choices,
        default=IdSchemaSource.MOSIP_API,
        help_text=_(
            "Used while MOSIP's masterdata cannot be asked for its ID schema: then sent "
            "with each packet as schemaJson and each packet is checked against it."
        ),
    )
    id_schema = models.JSONField(
        _("custom ID schema"),
        default=dict,
        blank=True,
        help_text=_(
            "Used only when the custom ID schema is in force: your MOSIP's identity schema (JSON)."
        ),
    )
    # How MOSIP's registration processor checks a packet (docs/mosip-validation.md): the
    # deployment's ID schema from masterdata, its mandatory attributes per process, and the
    # officer its CRVS_NEW route asks for.
    masterdata_url = models.URLField(
        _("masterdata URL"),
        blank=True,
        help_text=_(
            "…/v1/masterdata, where MOSIP serves its ID schema (idschema/latest). Blank: "
            "the create-packet URL's host with /v1/masterdata."
        ),
    )
    mandatory_attributes = models.TextField(
        _("mandatory attributes per process"),
        default=default_mandatory_attributes,
        blank=True,
        help_text=_(
            "Your MOSIP's mosip.kernel.idobjectvalidator.mandatory-attributes.reg-processor.* "
            "settings, one process a line (process=fields, the prefix may be kept). A field "
            "the ID schema requires is missing only if its process's line names it."
        ),
    )
    officer_id = models.CharField(
        _("registration officer id"),
        max_length=100,
        blank=True,
        help_text=_(
            "A MOSIP user put in each packet's metaInfo as officerId when the request names "
            "no officer or supervisor: MOSIP's CRVS_NEW route fails a packet without one."
        ),
    )
    transaction_id_prefix = models.CharField(
        _("transaction-id prefix"),
        max_length=10,
        default="10001",
        help_text=_("Followed by 10 random digits; becomes MOSIP's registration id."),
    )

    websub_hub_url = models.URLField(_("WebSub hub URL"), blank=True)
    websub_topic = models.CharField(_("WebSub topic"), max_length=100, default="CREDENTIAL_ISSUED")
    websub_callback_url = models.URLField(
        _("WebSub callback URL"),
        blank=True,
        help_text=_("This portal's /websub/callback as MOSIP reaches it."),
    )
    websub_secret = EncryptedTextField(
        _("WebSub secret"),
        blank=True,
        help_text=_("Sent as hub.secret; deliveries must then carry a matching X-Hub-Signature."),
    )

    credential_keystore = EncryptedBinaryField(
        _("credential keystore (PKCS#12)"),
        blank=True,
        editable=False,  # uploaded through the admin form, never shown back
        help_text=_("Decrypts issued credentials."),
    )
    credential_keystore_password = EncryptedTextField(_("keystore password"), blank=True)
    # Rotation with overlap (docs/runbook/key-rotation.md): the keystore and WebSub secret
    # replaced last are kept, so credentials MOSIP encrypted for the old certificate, or
    # signed with the old secret, while the switch went through are not lost.
    previous_credential_keystore = EncryptedBinaryField(
        _("previous credential keystore"), blank=True, editable=False
    )
    previous_credential_keystore_password = EncryptedTextField(
        _("previous keystore password"), blank=True, editable=False
    )
    previous_websub_secret = EncryptedTextField(
        _("previous WebSub secret"), blank=True, editable=False
    )
    previous_websub_secret_until = models.DateTimeField(
        _("previous WebSub secret accepted until"), null=True, blank=True, editable=False
    )
    verification_method_allowlist = models.JSONField(
        _("allowed VC verification-method URLs"),
        default=list,
        blank=True,
        help_text=_("A credential's proof must name one of these URLs; its key is fetched there."),
    )
    national_id_key = models.CharField(
        _("national-id key in the credential"),
        max_length=50,
        default="VID",
        help_text=_(
            "The credentialSubject key that holds the new national id (mosip-api's "
            "MOSIP_VERIFIABLE_CREDENTIAL_NATIONAL_ID_KEY), e.g. VID or UIN."
        ),
    )
    verify_credential_proof = models.BooleanField(
        _("verify the credential's proof"),
        default=True,
        help_text=_("Turn off only to diagnose: unverified credentials are then accepted."),
    )
    context_url_allowlist = models.JSONField(
        _("allowed JSON-LD context URLs"),
        default=list,
        blank=True,
        help_text=_(
            "Contexts that may be fetched (cached), such as MOSIP's mosip-context.json. "
            "Contexts on the same host as an allowed verification method are allowed too; the "
            "W3C contexts are bundled and never fetched."
        ),
    )
    jcs_proofs = models.BooleanField(
        _("JCS proofs (OpenCRVS's MOSIP mock only)"),
        default=False,
        help_text=_(
            "Check proofs over RFC 8785 JCS as OpenCRVS's MOSIP mock signs them. Off: "
            "URDNA2015 JSON-LD proofs, as real MOSIP signs them."
        ),
    )

    class Meta:
        verbose_name = verbose_name_plural = _("MOSIP settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

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
        _("gateway URL"), blank=True, help_text=_("Base of the tRPC API, e.g. http://gateway:7070")
    )
    public_key_url = models.URLField(
        _("public-key URL"),
        blank=True,
        help_text=_("PEM key that verifies OpenCRVS tokens, e.g. http://auth:4040/.well-known"),
    )

    # The integration's own OpenCRVS system client: confirmations, rejections and event
    # look-ups (2.x), and the core <= 1.9 webhooks API (docs/protocols.md#opencrvs-webhooks).
    auth_url = models.URLField(
        _("auth URL"),
        blank=True,
        help_text=_(
            "The auth service that issues client-credential tokens (…/token), e.g. http://auth:4040"
        ),
    )
    webhooks_url = models.URLField(
        _("webhooks API URL"), blank=True, help_text=_("e.g. http://gateway:7070 (…/webhooks)")
    )
    client_id = models.CharField(_("system client id"), max_length=200, blank=True)
    client_secret = EncryptedTextField(_("system client secret"), blank=True)
    webhook_secret = EncryptedTextField(
        _("webhook secret (sha_secret)"),
        blank=True,
        help_text=_("Signs webhook deliveries; required to accept them."),
    )
    webhook_callback_url = models.URLField(
        _("webhook callback URL"), blank=True, help_text=_("This portal's /webhooks/opencrvs.")
    )

    class Meta:
        verbose_name = verbose_name_plural = _("OpenCRVS settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class SettingsChange(models.Model):
    """Who changed which settings fields, and when. Never a value: secrets included."""

    settings_name = models.CharField(_("settings"), max_length=100)
    changed_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("changed at")
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_by_name = models.CharField(_("by"), max_length=300)
    fields = models.JSONField(
        default=list, help_text=_("The names of the fields changed."), verbose_name=_("fields")
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("settings change")
        verbose_name_plural = _("settings changes")

    def __str__(self) -> str:
        return f"{self.settings_name} changed by {self.changed_by_name}"
