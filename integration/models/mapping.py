"""How OpenCRVS data becomes MOSIP packet fields, edited by integration admins.

A profile answers to one (source format, event type); its rows each fill one MOSIP
field from a JMESPath expression and a transform from a fixed registry. Nothing typed
here is ever evaluated as code.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from integration.mapping.conform import without_empty
from integration.mapping.paths import check_expression
from integration.mapping.transforms import TRANSFORMS, check_params
from integration.models.submission import EventType

DEFAULT_LANGUAGE = "eng"


class SourceFormat(models.TextChoices):
    INTEROP = "interop", _("Registration request (mosip-api compatible)")
    EVENT = "event", _("OpenCRVS v1.9 EventDocument")
    FHIR = "fhir", _("OpenCRVS FHIR bundle (webhook)")
    CORRECTION = "correction", _("Correction request (mosip-api 2.x update-biographics)")


def _check_path(value: str) -> None:
    if value:
        try:
            check_expression(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class MappingProfile(models.Model):
    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    source_format = models.CharField(
        max_length=20, choices=SourceFormat.choices, verbose_name=_("source format")
    )
    event_type = models.CharField(
        max_length=10, choices=EventType.choices, verbose_name=_("event type")
    )
    event_type_ids = models.JSONField(
        _("event type ids"),
        default=list,
        blank=True,
        help_text=_('Incoming event types this profile answers to, e.g. ["birth", "v2.birth"].'),
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))
    process = models.CharField(
        _("MOSIP process"),
        max_length=50,
        blank=True,
        help_text=_("Blank: from the MOSIP settings."),
    )
    language = models.CharField(
        max_length=10,
        default=DEFAULT_LANGUAGE,
        help_text=_(
            "MOSIP language code for text the ID schema wants as [{language, value}] "
            "when the source sends plain text."
        ),
        verbose_name=_("language"),
    )
    pass_through_request_fields = models.BooleanField(
        default=False,
        help_text=_(
            "Registration requests only: send requestFields as they came, "
            "then apply the rows below as overrides."
        ),
        verbose_name=_("pass through request fields"),
    )
    certificate_number_path = models.CharField(
        max_length=500,
        blank=True,
        validators=[_check_path],
        help_text=_("JMESPath to the certificate number in the source document."),
        verbose_name=_("certificate number path"),
    )
    certificate_number_pattern = models.CharField(
        max_length=100,
        blank=True,
        default="{year}{trackingId}",
        help_text=_("Used when the path finds nothing: {year}, {trackingId}, {eventId}."),
        verbose_name=_("certificate number pattern"),
    )
    notification_name_path = models.CharField(
        max_length=500,
        blank=True,
        validators=[_check_path],
        verbose_name=_("notification name path"),
    )
    notification_email_path = models.CharField(
        max_length=500,
        blank=True,
        validators=[_check_path],
        verbose_name=_("notification email path"),
    )
    notification_phone_path = models.CharField(
        max_length=500,
        blank=True,
        validators=[_check_path],
        verbose_name=_("notification phone path"),
    )
    meta_info_template = models.JSONField(
        _("metaInfo template"),
        default=dict,
        blank=True,
        help_text=_("Values may use {trackingId}, {certificateNumber}, {eventType}, {now}."),
    )
    audits_template = models.JSONField(
        _("audits template"),
        default=list,
        blank=True,
        help_text=_("A list of audit objects; same placeholders, plus {uuid}."),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source_format", "event_type"],
                condition=models.Q(active=True),
                name="one_active_profile_per_format_and_event",
            )
        ]
        verbose_name = _("mapping profile")
        verbose_name_plural = _("mapping profiles")

    def __str__(self) -> str:
        return self.name

    def answers_to(self, type_id: str) -> bool:
        return type_id in (self.event_type_ids or [self.event_type])


class FieldMapping(models.Model):
    profile = models.ForeignKey(
        MappingProfile, on_delete=models.CASCADE, related_name="rows", verbose_name=_("profile")
    )
    order = models.PositiveIntegerField(default=0, verbose_name=_("order"))
    target = models.CharField(_("MOSIP field"), max_length=100)
    source = models.CharField(
        _("source path"),
        max_length=500,
        blank=True,
        validators=[_check_path],
        help_text=_('JMESPath, e.g. declaration."child.name" or a || b for the first non-empty.'),
    )
    transform = models.CharField(
        max_length=30,
        default="none",
        choices=[(k, t.label) for k, t in TRANSFORMS.items()],
        verbose_name=_("transform"),
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    required = models.BooleanField(default=False, verbose_name=_("required"))
    default = models.JSONField(
        null=True,
        blank=True,
        help_text=_(
            "Used when the source has no value; the record then says the field was "
            "filled by default. Leave empty unless the ID schema requires a field the source "
            "never sends."
        ),
        verbose_name=_("default"),
    )

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "target"], name="one_row_per_mosip_field")
        ]
        verbose_name = _("field mapping")
        verbose_name_plural = _("field mappings")

    def __str__(self) -> str:
        return f"{self.target} ← {self.source or self.transform}"

    def clean(self) -> None:
        try:
            check_params(self.transform, self.params or {})
        except ValueError as exc:
            raise ValidationError({"params": str(exc)}) from exc
        if self.default is not None and without_empty(self.default) is None:
            raise ValidationError(
                {"default": "A default must have a value: MOSIP never gets an empty field."}
            )
