"""Validation of what OpenCRVS sends; errors name the offending field."""

from rest_framework import serializers


class NotificationSerializer(serializers.Serializer):
    recipientFullName = serializers.CharField(required=False, allow_blank=True)
    recipientEmail = serializers.CharField(required=False, allow_blank=True)
    recipientPhone = serializers.CharField(required=False, allow_blank=True)


class RegistrationRequestSerializer(serializers.Serializer):
    """PROTOCOLS.md (1): the mosip-api compatible registration request."""

    trackingId = serializers.CharField(max_length=64)
    notification = NotificationSerializer(required=False)
    requestFields = serializers.DictField()
    metaInfo = serializers.DictField(required=False)
    audit = serializers.DictField(required=False)

    def validate_requestFields(self, fields: dict) -> dict:
        present = [
            name for name in ("birthCertificateNumber", "deathCertificateNumber") if name in fields
        ]
        if len(present) != 1:
            raise serializers.ValidationError(
                "Exactly one of birthCertificateNumber (birth) or deathCertificateNumber "
                "(death) is required."
            )
        number = fields[present[0]]
        if not isinstance(number, str) or not number.strip() or len(number) > 64:
            raise serializers.ValidationError(
                f"{present[0]} must be a non-empty string of at most 64 characters."
            )
        return fields


class ActionSerializer(serializers.Serializer):
    id = serializers.CharField(required=False)
    type = serializers.CharField()
    declaration = serializers.DictField(required=False)


class EventDocumentSerializer(serializers.Serializer):
    """PROTOCOLS.md (2): the parts of an OpenCRVS v1.9 EventDocument the portal needs."""

    id = serializers.CharField(max_length=64)
    type = serializers.CharField(max_length=50)
    trackingId = serializers.CharField(max_length=64)
    actions = ActionSerializer(many=True, allow_empty=False)
