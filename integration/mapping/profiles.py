"""Which mapping profile applies to an incoming record."""

from integration import config_cache
from integration.models.mapping import MappingProfile, SourceFormat

CACHE_NAME = "mapping-profiles"


def _active_profiles() -> list[MappingProfile]:
    return list(MappingProfile.objects.filter(active=True).order_by("pk").prefetch_related("rows"))


def active_profiles() -> list[MappingProfile]:
    # Read per record, changed only in the admin: kept per process until a save.
    return config_cache.cached(CACHE_NAME, _active_profiles)


def profile_for(source_format: str, type_id: str) -> MappingProfile | None:
    for profile in active_profiles():
        if profile.source_format == source_format and profile.answers_to(type_id):
            return profile
    return None


def builtin_interop_profile(
    event_type: str, source_format: str = SourceFormat.INTEROP
) -> MappingProfile:
    """Without a configured profile a registration (or correction) request keeps the
    fields the country config built, exactly as the reference middleware sent them
    (never saved)."""
    return MappingProfile(
        name="built-in pass-through",
        source_format=source_format,
        event_type=event_type,
        pass_through_request_fields=True,
        notification_name_path="notification.recipientFullName",
        notification_phone_path="notification.recipientPhone",
        notification_email_path="notification.recipientEmail",
    )


def correction_rows(type_id: str, request_fields: dict) -> list:
    """A correction's values converted exactly as a registration's: the rows of the
    active registration profile for its event type (the country config's requests) that
    fill a field the correction carries. A correction sends only what changed, so rows
    for fields it leaves out (the registration's required address, constants) are not
    applied, and nothing is reported missing for them. Without such a profile: none."""
    profile = profile_for(SourceFormat.INTEROP, type_id)
    if profile is None:
        return []
    return [row for row in profile.rows.all() if row.target in request_fields]
