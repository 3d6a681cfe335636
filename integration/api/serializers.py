"""Validation of what OpenCRVS sends; errors name the offending field."""

import json

from rest_framework import serializers

from integration.mapping.schemas import schema_problem


def id_schema_from(value) -> dict:
    """A payload's `schemaJson`: an ID schema (a JSON object) written as a string."""
    if not isinstance(value, str):
        raise serializers.ValidationError("schemaJson must be the ID schema as a JSON string.")
    try:
        schema = json.loads(value)
    except ValueError as exc:
        raise serializers.ValidationError(f"schemaJson is not valid JSON: {exc}") from exc
    if not isinstance(schema, dict):
        raise serializers.ValidationError("schemaJson must hold a JSON object (an ID schema).")
    if problem := schema_problem(schema):
        raise serializers.ValidationError(f"schemaJson cannot be used: {problem}.")
    return schema


class NotificationSerializer(serializers.Serializer):
    recipientFullName = serializers.CharField(required=False, allow_blank=True)
    recipientEmail = serializers.CharField(required=False, allow_blank=True)
    recipientPhone = serializers.CharField(required=False, allow_blank=True)


class RegistrationRequestSerializer(serializers.Serializer):
    """The mosip-api compatible registration request (docs/protocols.md#registration-request)."""

    trackingId = serializers.CharField(max_length=64)
    notification = NotificationSerializer(required=False)
    requestFields = serializers.DictField()
    metaInfo = serializers.DictField(required=False)
    audit = serializers.DictField(required=False)
    # mosip-api 2.x: an ID schema for this packet only, in place of the configured one.
    schemaJson = serializers.JSONField(required=False)

    def validate_schemaJson(self, value):
        id_schema_from(value)
        return value

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


class CorrectionFieldsSerializer(serializers.Serializer):
    """`requestFields` of an update-biographics request: who (VID) and what changed."""

    VID = serializers.CharField(max_length=64)
    fullName = serializers.JSONField(required=False)
    dateOfBirth = serializers.JSONField(required=False)
    gender = serializers.JSONField(required=False)
    introducerInfoToken = serializers.CharField(required=False, allow_blank=True)


class UpdateBiographicsSerializer(serializers.Serializer):
    """mosip-api 2.x `POST /events/update-biographics`: an approved birth correction for
    a child who has a national id already."""

    trackingId = serializers.CharField(max_length=64)
    notification = NotificationSerializer(required=False)
    requestFields = CorrectionFieldsSerializer()
    metaInfo = serializers.DictField(required=False)
    audit = serializers.DictField(required=False)
    schemaJson = serializers.JSONField(required=False)

    def validate_schemaJson(self, value):
        id_schema_from(value)
        return value


class ActionSerializer(serializers.Serializer):
    id = serializers.CharField(required=False)
    type = serializers.CharField()
    declaration = serializers.DictField(required=False)


class EventDocumentSerializer(serializers.Serializer):
    """The parts of an OpenCRVS v1.9 EventDocument the portal needs
    (docs/protocols.md#event-document)."""

    id = serializers.CharField(max_length=64)
    type = serializers.CharField(max_length=50)
    trackingId = serializers.CharField(max_length=64)
    actions = ActionSerializer(many=True, allow_empty=False)
