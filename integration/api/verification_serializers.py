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


class EsignetNameSerializer(serializers.Serializer):
    firstname = serializers.CharField(required=False)
    middlename = serializers.CharField(required=False)
    surname = serializers.CharField(required=False)


class EsignetAnswerSerializer(serializers.Serializer):
    """The answer's shape, for the API docs: the 1.9 fields and the 2.x `sub`. Fields
    E-Signet did not send are left out."""

    name = EsignetNameSerializer()
    gender = serializers.CharField(required=False, help_text="lower-case, as E-Signet sent it")
    dobUnknown = serializers.BooleanField(
        required=False, allow_null=True, help_text="null whenever birthDate is given"
    )
    birthDate = serializers.CharField(
        required=False, help_text='yyyy-MM-dd; "" when E-Signet\'s date cannot be read'
    )
    verificationStatus = serializers.CharField(help_text='always "authenticated"')
    idType = serializers.CharField(
        allow_null=True, help_text='"NATIONAL_ID" when E-Signet sent individual_id, else null'
    )
    nid = serializers.CharField(allow_null=True, help_text="E-Signet's individual_id, or null")
    sub = serializers.CharField(
        required=False,
        help_text="the person's token for this client (PSUT): Farajaland keeps it as "
        "metaInfo.informantPsut and introducerInfoToken",
    )
