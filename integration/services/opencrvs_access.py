"""Which token the portal uses with OpenCRVS, and what OpenCRVS is waiting for.

With a system client set (the OpenCRVS settings), look-ups use its token and each
confirmation or rejection an action-confirmation token exchanged for it, so neither
depends on the record's 7-day token. Without one, the record's own token is used, as
in mosip-api 1.9.

Before confirming, the event's pending action is read from OpenCRVS (`event.get`): its
type says which procedure confirms it, a correction's `requestId` comes from it, and
the event's type says whether a national id goes back. No pending action means nothing
is left to confirm (a registrar or another system settled it, or it was cancelled).
"""

from dataclasses import dataclass

from django.utils import timezone

from integration.clients.http import RemoteError
from integration.clients.opencrvs import (
    APPROVE_CORRECTION,
    REGISTER,
    OpenCrvsClient,
    pending_action,
)
from integration.clients.opencrvs_auth import OpenCrvsAuth, scope_names
from integration.mapping.profiles import active_profiles
from integration.models import EventType, Submission
from integration.reasons import Reason
from integration.services.record_token import InvalidToken, unverified_claims

CONFIRMABLE_ACTIONS = (REGISTER, APPROVE_CORRECTION)


class TokenExpired(Exception):
    """No usable token: the record's expired and no system client is set."""

    def __init__(self) -> None:
        self.reason = Reason("token_expired")
        super().__init__(str(self.reason))


class NothingToConfirm(Exception):
    """OpenCRVS has no pending action for the record; the reason is for staff to read."""


@dataclass
class Target:
    """The pending action to confirm, as OpenCRVS describes it."""

    action_type: str
    action_id: str
    event_type: str  # the OpenCRVS event type id, e.g. birth or v2.birth
    request_id: str = ""


def _record_token(submission: Submission) -> str:
    expires = submission.token_expires_at
    if not submission.token or (expires and expires <= timezone.now()):
        raise TokenExpired()
    return submission.token


def action_token(submission: Submission, action_id: str, auth: OpenCrvsAuth) -> str | None:
    """The token for confirming or rejecting `action_id`: None means the record's own."""
    if auth.configured:
        return auth.confirmation_token(submission.event_id, action_id, submission)
    _record_token(submission)
    return None


def kind_of(type_id: str, fallback: str) -> str:
    """Birth or death for an OpenCRVS event type id, as the mapping profiles name them."""
    for profile in active_profiles():
        if profile.answers_to(type_id):
            return profile.event_type
    return type_id if type_id in EventType.values else fallback


def _own_action(submission: Submission) -> Target:
    """1.9 without a system client: the record's token may not read the event, so the
    action it was issued for is the one to confirm."""
    return Target(REGISTER, submission.action_id, submission.event_type_id)


def _may_read(token: str) -> bool:
    # The token was verified when it came in; here only its scopes matter.
    try:
        claims = unverified_claims(token)
    except InvalidToken:
        return False
    return "record.read" in scope_names(claims)


def reading_token(submission: Submission, auth: OpenCrvsAuth) -> str | None:
    """A token that may read the record's event: the system client's, else the record's
    own while it is valid and has `record.read`; None when neither can."""
    if auth.configured:
        return auth.system_token(submission)
    token = submission.token
    expires = submission.token_expires_at
    if not token or (expires and expires <= timezone.now()) or not _may_read(token):
        return None
    return token


def find_target(submission: Submission, auth: OpenCrvsAuth, client: OpenCrvsClient) -> Target:
    """The action to confirm for this record; NothingToConfirm when OpenCRVS waits for
    none of the record's, TokenExpired when no token can ask."""
    if auth.configured:
        token = auth.system_token(submission)
    else:
        token = _record_token(submission)
        if not _may_read(token):  # a 1.9 token: it confirms, it may not read the event
            if submission.is_correction:
                raise RemoteError(Reason("correction_needs_system_client"), retriable=False)
            return _own_action(submission)
    event = client.get_event(submission.event_id, token, submission)
    pending = pending_action(event)
    if pending is None:
        raise NothingToConfirm(Reason("nothing_pending"))
    if pending.get("id") != submission.action_id:
        other = f"{pending.get('type')} {pending.get('id')}"
        raise NothingToConfirm(Reason("other_action_pending", action=other))
    kind = str(pending.get("type", ""))
    if kind not in CONFIRMABLE_ACTIONS:
        raise RemoteError(Reason("action_not_confirmable", kind=kind), retriable=False)
    request_id = str(pending.get("requestId") or "")
    if kind == APPROVE_CORRECTION and not request_id:
        raise RemoteError(Reason("correction_no_request_id"), retriable=False)
    return Target(kind, pending["id"], str(event.get("type", "")), request_id)


def declaration_for(submission: Submission, target: Target) -> dict:
    """`child.nid` for a birth (or a birth's correction) with its national id."""
    kind = kind_of(target.event_type, submission.event_type) if target.event_type else None
    if (kind or submission.event_type) == EventType.BIRTH and submission.vid:
        return {"child.nid": submission.vid}
    return {}


def send_confirmation(submission: Submission, target: Target) -> None:
    auth, client = OpenCrvsAuth(), OpenCrvsClient()
    token = action_token(submission, target.action_id, auth)
    declaration = declaration_for(submission, target)
    if target.action_type == APPROVE_CORRECTION:
        client.accept_correction(
            submission, declaration, target.request_id, token=token, action_id=target.action_id
        )
    else:
        client.accept(submission, declaration, token=token, action_id=target.action_id)
