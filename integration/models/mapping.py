"""How OpenCRVS data becomes MOSIP packet fields, edited by integration admins.

A profile answers to one (source format, event type); its rows each fill one MOSIP
field from a JMESPath expression and a transform from a fixed registry. Nothing typed
here is ever evaluated as code.
"""

from django.core.exceptions import ValidationError
from django.db import models

from integration.mapping.conform import without_empty
from integration.mapping.paths import check_expression
from integration.mapping.transforms import TRANSFORMS, check_params
from integration.models.submission import EventType

DEFAULT_LANGUAGE = "eng"


class SourceFormat(models.TextChoices):
    INTEROP = "interop", "Registration request (mosip-api compatible)"
    EVENT = "event", "OpenCRVS v1.9 EventDocument"
    FHIR = "fhir", "OpenCRVS FHIR bundle (webhook)"
    CORRECTION = "correction", "Correction request (mosip-api 2.x update-biographics)"


def _check_path(value: str) -> None:
    if value:
        try:
            check_expression(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class MappingProfile(models.Model):
    name = models.CharField(max_length=100, unique=True)
    source_format = models.CharField(max_length=20, choices=SourceFormat.choices)
    event_type = models.CharField(max_length=10, choices=EventType.choices)
    event_type_ids = models.JSONField(
        "event type ids",
        default=list,
        blank=True,
        help_text='Incoming event types this profile answers to, e.g. ["birth", "v2.birth"].',
    )
    active = models.BooleanField(default=True)
    process = models.CharField(
        "MOSIP process", max_length=50, blank=True, help_text="Blank: from the MOSIP settings."
    )
    language = models.CharField(
        max_length=10,
        default=DEFAULT_LANGUAGE,
        help_text="MOSIP language code for text the ID schema wants as [{language, value}] "
        "when the source sends plain text.",
    )
    pass_through_request_fields = models.BooleanField(
        default=False,
        help_text="Registration requests only: send requestFields as they came, "
        "then apply the rows below as overrides.",
    )
    certificate_number_path = models.CharField(
        max_length=500,
        blank=True,
        validators=[_check_path],
        help_text="JMESPath to the certificate number in the source document.",
    )
    certificate_number_pattern = models.CharField(
        max_length=100,
        blank=True,
        default="{year}{trackingId}",
        help_text="Used when the path finds nothing: {year}, {trackingId}, {eventId}.",
    )
    notification_name_path = models.CharField(max_length=500, blank=True, validators=[_check_path])
    notification_email_path = models.CharField(max_length=500, blank=True, validators=[_check_path])
    notification_phone_path = models.CharField(max_length=500, blank=True, validators=[_check_path])
    meta_info_template = models.JSONField(
        "metaInfo template",
        default=dict,
        blank=True,
        help_text="Values may use {trackingId}, {certificateNumber}, {eventType}, {now}.",
    )
    audits_template = models.JSONField(
        "audits template",
        default=list,
        blank=True,
        help_text="A list of audit objects; same placeholders, plus {uuid}.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source_format", "event_type"],
                condition=models.Q(active=True),
                name="one_active_profile_per_format_and_event",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def answers_to(self, type_id: str) -> bool:
        return type_id in (self.event_type_ids or [self.event_type])


class FieldMapping(models.Model):
    profile = models.ForeignKey(MappingProfile, on_delete=models.CASCADE, related_name="rows")
    order = models.PositiveIntegerField(default=0)
    target = models.CharField("MOSIP field", max_length=100)
    source = models.CharField(
        "source path",
        max_length=500,
        blank=True,
        validators=[_check_path],
        help_text='JMESPath, e.g. declaration."child.name" or a || b for the first non-empty.',
    )
    transform = models.CharField(
        max_length=30, default="none", choices=[(k, t.label) for k, t in TRANSFORMS.items()]
    )
    params = models.JSONField("parameters", default=dict, blank=True)
    required = models.BooleanField(default=False)
    default = models.JSONField(
        null=True,
        blank=True,
        help_text="Used when the source has no value; the record then says the field was "
        "filled by default. Leave empty unless the ID schema requires a field the source "
        "never sends.",
    )

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "target"], name="one_row_per_mosip_field")
        ]

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
