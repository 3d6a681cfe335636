"""What OpenCRVS forms send to /verify and /esignet/get-oidp-user-info
(docs/protocols.md#nid-verification, #esignet-userinfo). Errors name the offending field,
nested ones included (`name.surname`)."""

from django.core.validators import RegexValidator
from rest_framework import serializers


class PersonNameSerializer(serializers.Serializer):
    # OpenCRVS's NameFieldValue: both keys present, either may be empty (a form filled
    # in part). mosip-api took such names and answered `failed`; so do we.
    firstname = serializers.CharField(max_length=200, allow_blank=True, trim_whitespace=True)
    middlename = serializers.CharField(
        max_length=200, required=False, allow_blank=True, allow_null=True
    )
    surname = serializers.CharField(max_length=200, allow_blank=True, trim_whitespace=True)


class VerifyRequestSerializer(serializers.Serializer):
    nid = serializers.CharField(
        max_length=64,
        validators=[RegexValidator(r"^[0-9A-Za-z-]+$", "Must be letters, digits or hyphens.")],
    )
    dob = serializers.DateField(input_formats=["%Y-%m-%d"])
    name = PersonNameSerializer()
    gender = serializers.CharField(max_length=30, required=False, allow_blank=True, allow_null=True)
    transactionId = serializers.CharField(
        max_length=100, required=False, allow_blank=True, allow_null=True
    )


class EsignetQuerySerializer(serializers.Serializer):
    code = serializers.CharField(max_length=2000)
    state = serializers.CharField(max_length=2000)


class EsignetRequestSerializer(serializers.Serializer):
    clientId = serializers.CharField(max_length=200)
    redirectUri = serializers.URLField(max_length=2000)
    transactionId = serializers.CharField(max_length=100, required=False, allow_blank=True)
