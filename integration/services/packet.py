"""What goes into a MOSIP packet for a registration received in the interop format
(PROTOCOLS.md (1)): the country config already built MOSIP's fields."""

import json
import secrets
import uuid

from django.utils import timezone

from integration.clients.mosip import Packet
from integration.models import EventType, MosipSettings, Submission, TransactionId


def new_transaction_id(prefix: str) -> str:
    return prefix + "".join(str(secrets.randbelow(10)) for _ in range(10))


def assign_transaction_id(submission: Submission, config: MosipSettings) -> str:
    """A fresh MOSIP transaction id, remembered with all earlier ones."""
    while True:
        candidate = new_transaction_id(config.transaction_id_prefix)
        if not TransactionId.objects.filter(value=candidate).exists():
            break
    TransactionId.objects.create(submission=submission, value=candidate)
    submission.transaction_id = candidate
    submission.save(update_fields=["transaction_id", "updated_at"])
    return candidate


def _decode_json_strings(value):
    """Some country configs send simpleType lists JSON-encoded as strings."""
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        if isinstance(decoded, list):
            return decoded
    return value


def build_packet(submission: Submission, config: MosipSettings) -> Packet:
    body = submission.raw_request
    fields = {name: _decode_json_strings(v) for name, v in body["requestFields"].items()}
    if submission.event_type == EventType.DEATH:
        fields.pop("deathCertificateNumber", None)
    notification = body.get("notification") or {}
    created = submission.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    meta_info = {
        "metaData": "[]",
        "registrationId": submission.tracking_id,
        "operationsData": "[]",
        "capturedRegisteredDevices": "[]",
        "creationDate": created,
        **(body.get("metaInfo") or {}),
    }
    audit = {
        "uuid": str(uuid.uuid4()),
        "createdAt": created,
        "eventId": "OPENCRVS_NEW" if submission.event_type == EventType.BIRTH else "OPENCRVS_DEATH",
        "eventName": "opencrvs-registration",
        "eventType": submission.event_type.upper(),
        "actionTimeStamp": timezone.now().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        **(body.get("audit") or {}),
    }
    return Packet(
        transaction_id=submission.transaction_id,
        process=config.process_for(submission.event_type),
        fields=fields,
        meta_info=meta_info,
        audits=[audit],
        notification={
            "name": notification.get("recipientFullName", ""),
            "phone": notification.get("recipientPhone", ""),
            "email": notification.get("recipientEmail", ""),
        },
    )
