"""DRF authentication with an OpenCRVS single-record token (`Authorization: Bearer`)."""

from rest_framework import authentication, exceptions

from integration.services.record_token import (
    InvalidToken,
    KeyUnavailable,
    RecordToken,
    verify_record_token,
)

CONFIRM_SCOPE = "record.confirm-registration"


class KeyServiceUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = "The OpenCRVS public key cannot be fetched right now; try again later."
    default_code = "public_key_unavailable"


class RecordTokenAuthentication(authentication.BaseAuthentication):
    """Sets `request.auth` to the verified RecordToken."""

    def authenticate(self, request) -> tuple[None, RecordToken]:
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise exceptions.NotAuthenticated("A Bearer token from OpenCRVS is required.")
        try:
            return (None, verify_record_token(token.strip()))
        except InvalidToken as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from exc
        except KeyUnavailable as exc:
            raise KeyServiceUnavailable(str(exc)) from exc

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="opencrvs"'


class HasRecordToken:
    """Permission: the request carried a verified OpenCRVS token."""

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, RecordToken)

    def has_object_permission(self, request, view, obj) -> bool:
        return True


class HasRegistrationToken(HasRecordToken):
    """Permission: a single-record token that may confirm this one record, as OpenCRVS
    issues for a registration; any other OpenCRVS token is refused."""

    message = "A single-record token with eventId, actionId and the confirm scope is required."

    def has_permission(self, request, view) -> bool:
        token = request.auth
        return (
            super().has_permission(request, view)
            and bool(token.event_id and token.action_id)
            and CONFIRM_SCOPE in token.scopes
        )
