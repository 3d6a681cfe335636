"""Registration requests as the reference country config sends them
(docs/protocols.md#registration-request),
for the demo, the benchmarks and the tests."""

import uuid
from datetime import UTC, datetime


def birth_request(number: str = "2026B46964567", tracking_id: str = "B46964567") -> dict:
    """A registration request as the reference country config sends it."""
    return {
        "trackingId": tracking_id,
        "notification": {
            "recipientFullName": "Jane Doe",
            "recipientEmail": "jane.doe@example.com",
            "recipientPhone": "+260911111111",
        },
        "requestFields": {
            "birthCertificateNumber": number,
            "fullName": [{"language": "eng", "value": "Baby Doe"}],
            "dateOfBirth": "2024/01/31",
            "gender": [{"language": "eng", "value": "Male"}],
            "guardianOrParentName": [{"language": "eng", "value": "Jane Doe"}],
            "addressLine1": [{"language": "eng", "value": "1 Example Street"}],
            "district": [{"language": "eng", "value": "Ibombo"}],
            "phone": "0911111111",  # the ID schema's phone format: 10 digits
            "email": "jane.doe@example.com",
        },
        "metaInfo": {},
        "audit": {},
    }


def death_request(number: str = "2026D12345678", tracking_id: str = "D12345678") -> dict:
    return {
        "trackingId": tracking_id,
        "notification": {"recipientFullName": "John Doe", "recipientPhone": "+260922222222"},
        "requestFields": {
            "deathCertificateNumber": number,
            "nationalIdNumber": "1234567892",
            "fullName": [{"language": "eng", "value": "John Dino Doe"}],
            "dateOfBirth": "2001/02/20",
            "gender": [{"language": "eng", "value": "Male"}],
            "addressLine1": [{"language": "eng", "value": "2 Example Street"}],
        },
        "metaInfo": {},
        "audit": {},
    }


def waiting_event(declaration: dict, at: datetime | None = None) -> dict:
    """An OpenCRVS v2 birth EventDocument, declared at `at` (now by default) and sent for
    external validation (its REGISTER action requested), as `GET /events/{id}` answers it
    (docs/protocols.md, (14))."""
    when = (at or datetime.now(UTC)).isoformat().replace("+00:00", "Z")
    return {
        "id": str(uuid.uuid4()),
        "type": "v2.birth",
        "trackingId": "B" + uuid.uuid4().hex[:7].upper(),
        "createdAt": when,
        "updatedAt": when,
        "actions": [
            {"id": str(uuid.uuid4()), "type": "DECLARE", "status": "Accepted",
             "createdAt": when, "declaration": declaration},
            {"id": str(uuid.uuid4()), "type": "REGISTER", "status": "Requested",
             "createdAt": when, "declaration": {}},
        ],
    }  # fmt: skip
