"""Store first, answer second: an incoming registration becomes a Submission row, and
its delivery is enqueued only once that row is committed."""

import logging

from django.db import IntegrityError, transaction

from integration.models import EventType, Submission
from integration.models.submission import FINAL_STATUSES
from integration.services.record_token import RecordToken

log = logging.getLogger(__name__)


def event_type_of(request_fields: dict) -> str:
    return EventType.DEATH if "deathCertificateNumber" in request_fields else EventType.BIRTH


def certificate_number_of(request_fields: dict) -> str:
    number = (
        request_fields.get("birthCertificateNumber") or request_fields["deathCertificateNumber"]
    )
    return number.strip()


def receive_registration(body: dict, token: RecordToken) -> tuple[Submission, bool]:
    """Store a validated registration request. Returns (submission, created).

    The same certificate number again creates nothing new: the existing submission
    keeps going, with the newer token if it was not finished yet.
    """
    from integration.tasks import enqueue_delivery

    fields = body["requestFields"]
    number = certificate_number_of(fields)
    try:
        with transaction.atomic():
            submission = Submission.objects.create(
                event_type=event_type_of(fields),
                tracking_id=body["trackingId"],
                certificate_number=number,
                event_id=token.event_id,
                action_id=token.action_id,
                token=token.raw,
                token_expires_at=token.expires_at,
                raw_request=body,
            )
            enqueue_delivery(submission.pk)
    except IntegrityError:
        submission = Submission.objects.get(certificate_number=number)
        _refresh_token(submission, token)
        log.info("duplicate registration %s: no second packet", submission.pk)
        return submission, False
    log.info("received %s registration %s", submission.event_type, submission.pk)
    return submission, True


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
