"""Store first, answer second: an incoming record becomes a Submission row, and its
delivery is enqueued only once that row is committed.

Three formats come in (PROTOCOLS.md (1)-(3)); each is reduced to an `Incoming` that
says what the record is, then stored the same way. The same certificate number again
creates nothing new.
"""

import hashlib
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from integration.mapping.documents import source_document
from integration.mapping.engine import certificate_number
from integration.mapping.profiles import profile_for
from integration.models import EventType, Status, Submission
from integration.models.mapping import MappingProfile, SourceFormat
from integration.models.submission import FINAL_STATUSES
from integration.services.record_token import RecordToken

log = logging.getLogger(__name__)
WEBHOOK_TOPICS = {"BIRTH_REGISTERED": EventType.BIRTH, "DEATH_REGISTERED": EventType.DEATH}
MAX_KEY = 64  # tracking ids and certificate numbers are short; longer ones are not ours


class NotConfigured(ValueError):
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


def _profile(source_format: str, type_id: str) -> MappingProfile:
    profile = profile_for(source_format, type_id)
    if profile is None:
        raise NotConfigured(
            f"No active mapping profile answers to event type '{type_id}'; "
            "an integration admin can add one in the admin."
        )
    return profile


def from_event_document(event: dict, token: RecordToken) -> Incoming:
    profile = _profile(SourceFormat.EVENT, event["type"])
    number = certificate_number(profile, source_document(SourceFormat.EVENT, event))
    if not number or len(number) > MAX_KEY:
        raise NotConfigured(
            f"The '{profile.name}' profile made no usable certificate number ({number!r})."
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


def receive(incoming: Incoming) -> tuple[Submission, bool]:
    """Store the record and queue its delivery. Returns (submission, created)."""
    from integration.tasks import enqueue_delivery

    token = incoming.token
    try:
        with transaction.atomic():
            submission = Submission.objects.create(
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
            enqueue_delivery(submission.pk)
    except IntegrityError:
        submission = Submission.objects.get(certificate_number=incoming.certificate_number)
        if token:
            _refresh_token(submission, token)
        log.info("duplicate record %s: no second packet", submission.pk)
        return submission, False
    log.info("received %s %s record %s", incoming.source_format, incoming.event_type,
             submission.pk)  # fmt: skip
    return submission, True


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
    resumed = rows.filter(status=Status.TOKEN_EXPIRED, credential_received_at__isnull=False)
    if resumed.update(status=Status.CREDENTIAL_RECEIVED, last_error="", failed_step="",
                      next_attempt_at=None, updated_at=timezone.now()):  # fmt: skip
        enqueue_confirmation(submission.pk)
