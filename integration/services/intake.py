"""Store first, answer second: an incoming record becomes a Submission row, and its
delivery is enqueued only once that row is committed.

Three formats come in (PROTOCOLS.md (1)-(3)); each is reduced to an `Incoming` that
says what the record is, then stored the same way. The same certificate number again
creates nothing new.
"""

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from integration.mapping.documents import source_document
from integration.mapping.engine import certificate_number
from integration.mapping.profiles import profile_for
from integration.models import EventType, Submission
from integration.models.mapping import MappingProfile, SourceFormat
from integration.models.submission import FINAL_STATUSES
from integration.services.record_token import RecordToken

log = logging.getLogger(__name__)
WEBHOOK_TOPICS = {"BIRTH_REGISTERED": EventType.BIRTH, "DEATH_REGISTERED": EventType.DEATH}


class UnknownEventType(ValueError):
    pass


@dataclass
class Incoming:
    source_format: str
    event_type: str
    event_type_id: str
    tracking_id: str
    certificate_number: str
    raw: dict
    token: RecordToken | None


def from_registration_request(body: dict, token: RecordToken) -> Incoming:
    fields = body["requestFields"]
    is_death = "deathCertificateNumber" in fields
    number = fields["deathCertificateNumber" if is_death else "birthCertificateNumber"]
    event_type = EventType.DEATH if is_death else EventType.BIRTH
    return Incoming(
        SourceFormat.INTEROP,
        event_type,
        event_type,
        body["trackingId"],
        number.strip(),
        body,
        token,
    )


def _profile(source_format: str, type_id: str) -> MappingProfile:
    profile = profile_for(source_format, type_id)
    if profile is None:
        raise UnknownEventType(
            f"No active mapping profile answers to event type '{type_id}'; "
            "an integration admin can add one in the admin."
        )
    return profile


def from_event_document(event: dict, token: RecordToken) -> Incoming:
    profile = _profile(SourceFormat.EVENT, event["type"])
    document = source_document(SourceFormat.EVENT, event)
    return Incoming(
        SourceFormat.EVENT,
        profile.event_type,
        event["type"],
        event["trackingId"],
        certificate_number(profile, document),
        event,
        token,
    )


def from_webhook(bundle: dict, topic: str) -> Incoming:
    """A webhook record is kept even without a profile: OpenCRVS never sends it again,
    so a missing mapping must fail visibly at delivery, not lose the record."""
    event_type = WEBHOOK_TOPICS[topic]
    document = source_document(SourceFormat.FHIR, bundle)
    profile = profile_for(SourceFormat.FHIR, event_type)
    number = certificate_number(profile, document) if profile else ""
    return Incoming(
        SourceFormat.FHIR,
        event_type,
        event_type,
        document["trackingId"],
        number or f"{topic}:{document['trackingId'] or document['eventId']}",
        bundle,
        None,
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
    log.info(
        "received %s %s record %s", incoming.source_format, submission.event_type, submission.pk
    )
    return submission, True


def receive_registration(body: dict, token: RecordToken) -> tuple[Submission, bool]:
    return receive(from_registration_request(body, token))


def _refresh_token(submission: Submission, token: RecordToken) -> None:
    if submission.status in FINAL_STATUSES:
        return
    newer = token.expires_at and (
        not submission.token_expires_at or token.expires_at > submission.token_expires_at
    )
    if newer:
        Submission.objects.filter(pk=submission.pk).update(
            token=token.raw,
            token_expires_at=token.expires_at,
            event_id=token.event_id or submission.event_id,
            action_id=token.action_id or submission.action_id,
        )
