"""Store first, answer second: an incoming record becomes a Submission row, and its
delivery is enqueued only once that row is committed.

Three formats come in (docs/protocols.md, sections (1)-(3)); each is reduced to an `Incoming` that
says what the record is, then stored the same way. One record per OpenCRVS event: the same
event or certificate number again creates nothing new.
"""

import hashlib
import logging
from dataclasses import dataclass

from django.db import IntegrityError
from django.db.models import Q

from integration import logs
from integration.db import insert
from integration.mapping.documents import source_document
from integration.mapping.engine import certificate_number
from integration.mapping.profiles import profile_for
from integration.models import EventType, IntakeRepeat, Submission
from integration.models.mapping import MappingProfile, SourceFormat
from integration.models.submission import FINAL_STATUSES
from integration.reasons import Reason
from integration.services import lifecycle
from integration.services.record_token import RecordToken

log = logging.getLogger(__name__)
WEBHOOK_TOPICS = {"BIRTH_REGISTERED": EventType.BIRTH, "DEATH_REGISTERED": EventType.DEATH}
MAX_KEY = 64  # tracking ids and certificate numbers are short; longer ones are not ours


class Refused(ValueError):
    """A record the portal cannot take, raised with a Reason: str() is its English
    sentence (OpenCRVS reads it in the API's answer), `reason` its code for staff (the
    reconciliation's flash and findings)."""

    def __init__(self, reason: Reason) -> None:
        self.reason = reason
        super().__init__(str(reason))


class NotConfigured(Refused):
    """The portal cannot take this record until an admin configures it."""


@dataclass
class Incoming:
    source_format: str
    event_type: str
    event_type_id: str
    tracking_id: str
    certificate_number: str
    raw: dict
    token: RecordToken | None


def _short(value, limit: int = MAX_KEY) -> str:
    return str(value or "").strip()[:limit]


def from_registration_request(body: dict, token: RecordToken) -> Incoming:
    fields = body["requestFields"]
    is_death = "deathCertificateNumber" in fields
    number = fields["deathCertificateNumber" if is_death else "birthCertificateNumber"]
    event_type = EventType.DEATH if is_death else EventType.BIRTH
    return Incoming(
        SourceFormat.INTEROP, event_type, event_type, _short(body["trackingId"]),
        _short(number), body, token,
    )  # fmt: skip


def from_correction_request(body: dict, token: RecordToken) -> Incoming:
    """An approved birth correction. The approval action (the token's `actionId`) names
    exactly one correction request of one event, so it is the record's key: the same
    request again is the same record, and makes no second packet."""
    return Incoming(
        SourceFormat.CORRECTION, EventType.BIRTH, EventType.BIRTH, _short(body["trackingId"]),
        f"correction:{_short(token.action_id, 50)}", body, token,
    )  # fmt: skip


def _profile(source_format: str, type_id: str) -> MappingProfile:
    profile = profile_for(source_format, type_id)
    if profile is None:
        raise NotConfigured(Reason("intake_no_profile", type=type_id))
    return profile


def from_event_document(event: dict, token: RecordToken) -> Incoming:
    profile = _profile(SourceFormat.EVENT, event["type"])
    number = certificate_number(profile, source_document(SourceFormat.EVENT, event))
    if not number or len(number) > MAX_KEY:
        raise NotConfigured(
            Reason("intake_no_certificate_number", profile=profile.name, number=repr(number))
        )
    return Incoming(
        SourceFormat.EVENT, profile.event_type, event["type"], _short(event["trackingId"]),
        number, event, token,
    )  # fmt: skip


def from_webhook(bundle: dict, topic: str, raw_body: bytes) -> Incoming:
    """A webhook record is kept whatever its content: OpenCRVS never sends it again, so
    a missing or failing mapping must fail visibly at delivery, not lose the record."""
    event_type = WEBHOOK_TOPICS[topic]
    try:
        document = source_document(SourceFormat.FHIR, bundle)
        profile = profile_for(SourceFormat.FHIR, event_type)
        number = certificate_number(profile, document) if profile else ""
        tracking_id = _short(document["trackingId"])
        fallback = tracking_id or _short(document["eventId"])
    except Exception:  # noqa: BLE001 - odd bundles are stored and fail at mapping instead
        log.warning("a webhook bundle could not be read; storing it for a person to look at")
        number, tracking_id, fallback = "", "", ""
    if not number or len(number) > MAX_KEY:
        # A stable key, so a repeated delivery of the same record is still one record.
        number = f"{topic[:5]}:{fallback or hashlib.sha256(raw_body).hexdigest()[:32]}"
    return Incoming(
        SourceFormat.FHIR, event_type, event_type, tracking_id, number[:MAX_KEY], bundle, None
    )


class EventConflict(Refused):
    """A known certificate number with another OpenCRVS event's token: refused (409)."""


def receive(incoming: Incoming) -> tuple[Submission, bool]:
    """Store the record and queue its delivery. Returns (submission, created).

    One record per OpenCRVS event: the same event again (even under a new certificate
    number, as the reference country config makes one each time it handles the register
    action) is the record stored already; a known certificate number with another
    event's token is an EventConflict."""
    from integration.tasks import enqueue_delivery

    token = incoming.token
    existing = _known(incoming)
    if existing is not None:
        return _repeated(existing, incoming), False
    try:
        submission = insert(
            Submission,
            event_type=incoming.event_type,
            event_type_id=incoming.event_type_id,
            source_format=incoming.source_format,
            tracking_id=incoming.tracking_id,
            certificate_number=incoming.certificate_number,
            event_id=token.event_id if token else "",
            action_id=token.action_id if token else "",
            token=token.raw if token else "",
            token_expires_at=token.expires_at if token else None,
            confirm_in_opencrvs=token is not None,
            raw_request=incoming.raw,
        )
        enqueue_delivery(submission.pk)  # once the row is committed
    except IntegrityError:
        # The same record arrived at the same moment on another connection.
        existing = _known(incoming)
        if existing is None:
            raise
        return _repeated(existing, incoming), False
    logs.bind_submission(submission)
    log.info("received %s %s record %s", incoming.source_format, incoming.event_type,
             submission.pk)  # fmt: skip
    return submission, True


def _known(incoming: Incoming) -> Submission | None:
    """The record stored already for this event, else for this certificate number (one
    query for both, and one to load the record found). A correction's key names its
    approval action already; an event has one registration record and any number of
    corrections."""
    same = Q(certificate_number=incoming.certificate_number)
    by_event = incoming.token and incoming.source_format != SourceFormat.CORRECTION
    if by_event:
        same |= Q(event_id=incoming.token.event_id) & ~Q(source_format=SourceFormat.CORRECTION)
    # The columns that decide first: Django builds every column it loads into the query,
    # so a new record (the usual case) costs no more than these.
    columns = ("pk", "event_id", "source_format", "certificate_number")
    found = list(Submission.objects.filter(same).order_by("pk").values_list(*columns)[:2])
    same_event = [pk for pk, event_id, source_format, _number in found
                  if by_event and event_id == incoming.token.event_id
                  and source_format != SourceFormat.CORRECTION]  # fmt: skip
    same_number = [pk for pk, *_other, number in found if number == incoming.certificate_number]
    match = (same_event or same_number or [None])[0]
    return Submission.objects.get(pk=match) if match is not None else None


def _repeated(submission: Submission, incoming: Incoming) -> Submission:
    logs.bind_submission(submission)
    token = incoming.token
    repeat = {"event_id": token.event_id if token else "", "tracking_id": incoming.tracking_id}
    if token and submission.event_id and token.event_id != submission.event_id:
        IntakeRepeat.objects.create(
            submission=submission,
            kind=IntakeRepeat.Kind.OTHER_EVENT,
            certificate_number=incoming.certificate_number,
            refused=True,
            **repeat,
        )
        log.warning("record %s: its certificate number came with another event's token",
                    submission.pk)  # fmt: skip
        raise EventConflict(
            Reason(
                "intake_event_conflict",
                number=incoming.certificate_number,
                tracking_id=submission.tracking_id,
                event_id=token.event_id,
            )
        )
    if incoming.certificate_number != submission.certificate_number:
        IntakeRepeat.objects.create(
            submission=submission,
            kind=IntakeRepeat.Kind.NEW_NUMBER,
            certificate_number=incoming.certificate_number,
            **repeat,
        )
        log.info("record %s: the same event again under another certificate number",
                 submission.pk)  # fmt: skip
    else:
        log.info("duplicate record %s: no second packet", submission.pk)
    if token:
        _refresh_token(submission, token)
    return submission


def _refresh_token(submission: Submission, token: RecordToken) -> None:
    """OpenCRVS sending the record again with a newer token: keep the newer token, and
    let a record that only waited for a valid token go on to its confirmation."""
    from integration.tasks import enqueue_confirmation

    if submission.status in FINAL_STATUSES or token.event_id != submission.event_id:
        return
    newer = token.expires_at and (
        not submission.token_expires_at or token.expires_at > submission.token_expires_at
    )
    if not newer:
        return
    rows = Submission.objects.filter(pk=submission.pk).exclude(status__in=FINAL_STATUSES)
    rows.update(token=token.raw, token_expires_at=token.expires_at, action_id=token.action_id)
    submission.token = token.raw
    if lifecycle.move(
        submission,
        "token_renewed",
        where=Q(credential_received_at__isnull=False),
        next_attempt_at=None,
    ):
        enqueue_confirmation(submission.pk)
