"""Which mapping profile applies to an incoming record."""

from integration.models.mapping import MappingProfile, SourceFormat


def profile_for(source_format: str, type_id: str) -> MappingProfile | None:
    candidates = MappingProfile.objects.filter(source_format=source_format, active=True)
    for profile in candidates.prefetch_related("rows"):
        if profile.answers_to(type_id):
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
