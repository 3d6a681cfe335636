"""Export and import a mapping profile as JSON, to move it from staging to production.
The default profiles ship in this format under mapping/defaults/."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from integration import config_cache
from integration.mapping.profiles import CACHE_NAME as MAPPING
from integration.models.mapping import FieldMapping, MappingProfile

FORMAT = "opencrvs-mosip-mapping/1"
DEFAULTS_DIR = Path(__file__).parent / "defaults"
PROFILE_FIELDS = [
    "name",
    "source_format",
    "event_type",
    "event_type_ids",
    "active",
    "process",
    "language",
    "pass_through_request_fields",
    "certificate_number_path",
    "certificate_number_pattern",
    "notification_name_path",
    "notification_email_path",
    "notification_phone_path",
    "meta_info_template",
    "audits_template",
]
ROW_FIELDS = ["order", "target", "source", "transform", "params", "required", "default"]


def export_profile(profile: MappingProfile) -> dict:
    data = {"format": FORMAT, **{name: getattr(profile, name) for name in PROFILE_FIELDS}}
    data["rows"] = [{name: getattr(row, name) for name in ROW_FIELDS} for row in profile.rows.all()]
    return data


def _messages(error: ValidationError, where: str) -> list[str]:
    return [f"{where}{field}: {'; '.join(msgs)}" for field, msgs in error.message_dict.items()]


@transaction.atomic
def import_profile(data: dict) -> MappingProfile:
    """Create or replace (by name) a profile and its rows; ValidationError lists every
    problem, and nothing is saved unless all of it is valid."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValidationError(f"not a mapping profile export (expected format {FORMAT})")
    unknown = set(data) - {"format", "rows", *PROFILE_FIELDS}
    if unknown:
        raise ValidationError(f"unknown keys: {', '.join(sorted(unknown))}")
    profile = MappingProfile.objects.filter(name=data.get("name")).first() or MappingProfile()
    for name in PROFILE_FIELDS:
        if name in data:
            setattr(profile, name, data[name])
    problems: list[str] = []
    try:
        profile.full_clean(validate_constraints=False)
    except ValidationError as exc:
        problems += _messages(exc, "")
    rows = []
    for index, row_data in enumerate(data.get("rows") or []):
        row = FieldMapping(**{k: v for k, v in row_data.items() if k in ROW_FIELDS})
        try:
            row.full_clean(exclude=["profile"], validate_unique=False)
        except ValidationError as exc:
            problems += _messages(exc, f"row {index + 1} ({row_data.get('target', '?')}) ")
        rows.append(row)
    if problems:
        raise ValidationError(problems)
    if profile.active:
        # Importing an active profile takes over from the one active for the same records.
        MappingProfile.objects.filter(
            source_format=profile.source_format, event_type=profile.event_type, active=True
        ).exclude(pk=profile.pk).update(active=False)
    profile.save()
    profile.rows.all().delete()
    for row in rows:
        row.profile = profile
    FieldMapping.objects.bulk_create(rows)  # no signals: tell the other processes here
    config_cache.changed(MAPPING)
    return profile


def load_defaults() -> list[MappingProfile]:
    return [import_profile(json.loads(p.read_text())) for p in sorted(DEFAULTS_DIR.glob("*.json"))]
