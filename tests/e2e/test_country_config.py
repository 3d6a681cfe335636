"""The reference country config (OpenCRVS Farajaland 1.9.x and develop, through the
`@opencrvs/mosip` client's `register`) against a fresh install with no admin edit: both
shapes it sends, births and deaths, reach confirmed with fields the stand-in MOSIP accepts
against the ID schema mosip-api sends, the address read from OpenCRVS's declaration.
(tests/e2e/test_farajaland_corpus.py takes the bodies exactly as Farajaland builds them.)"""

import json

import jwt
import pytest
from django.core.management import call_command

from integration.models import OpenCrvsSettings, Status, Submission
from mocks.id_object import identity_problems
from mocks.opencrvs import CONFIRM_SCOPES, SYSTEM_CLIENT
from tests.fixtures import birth_request, death_request

pytestmark = pytest.mark.e2e

# An address as Farajaland's v2 forms fill it (ADDRESS field, domestic).
DECLARED_ADDRESS = {
    "country": "FAR",
    "addressType": "DOMESTIC",
    "administrativeArea": "62a0ccb4-880d-4f30-8882-f256007dfff9",
    "streetLevelDetails": {
        "town": "Isamba",
        "residentialArea": "Mzuzu Estate",
        "street": "Kalulushi Road",
        "number": "14",
    },
}


def plain_birth(number: str, tracking_id: str) -> dict:
    """What Farajaland's onMosipBirthRegisterHandler sends (1.9.1 and later, develop)."""
    return {
        "trackingId": tracking_id,
        "requestFields": {
            "birthCertificateNumber": number,
            "fullName": "Baby Junior Doe",
            "dateOfBirth": "2024-01-31",
            "gender": "male",
        },
        "notification": {
            "recipientEmail": "@TODO",
            "recipientFullName": "@TODO",
            "recipientPhone": "@TODO",
        },
        "metaInfo": {"informantPsut": "psut-7f3c"},
        "audit": {},
    }


def plain_death(number: str, tracking_id: str) -> dict:
    body = plain_birth(number, tracking_id)
    body["requestFields"] = {
        "deathCertificateNumber": number,
        "fullName": "John Dino Doe",
        "dateOfBirth": "2001-02-20",
        "gender": "female",
        "nationalIdNumber": "1234567892",
    }
    return body


def blank_values(fields: dict) -> list[str]:
    return [
        name
        for name, value in fields.items()
        if value in ("", None, "@TODO", [])
        or (isinstance(value, list) and any(not str(v.get("value", "")).strip() for v in value))
    ]


def with_address(pipeline, event_type: str = "birth", scope: list[str] | None = None) -> str:
    """A record token, as core's token exchange passes on the registrar's `record.read`,
    for an event whose declaration carries the address (the country config sends none)."""
    token = pipeline.opencrvs.mint_token(
        event_type=event_type, scope=scope or [*CONFIRM_SCOPES, "type=record.read"]
    )
    event_id = jwt.decode(token, options={"verify_signature": False})["eventId"]
    section = "deceased" if event_type == "death" else "mother"
    declare = pipeline.opencrvs.events[event_id].actions[0]
    declare["declaration"] = {f"{section}.address": DECLARED_ADDRESS}
    return token


def test_the_reference_country_config_is_confirmed_on_a_fresh_install(pipeline, admin_client):
    pipeline.mosip.check_identity = True  # refuse fields the ID schema does not accept
    call_command("load_default_mappings", verbosity=0)

    # Nothing is invented: a record whose event the portal may not read (a token without
    # record.read, no system client) fails at mapping, naming the field and the remedy.
    assert pipeline.register(plain_birth("2026B10000001", "B10000001")).status_code == 202
    waiting = pipeline.wait_for("2026B10000001", Status.FAILED)
    assert waiting.failed_step == "mapping" and "addressLine1" in waiting.last_error
    assert "system client" in waiting.last_error
    assert pipeline.mosip.packets == {}
    page = admin_client.get(f"/console/submissions/{waiting.pk}/").content.decode()
    assert "fails the same way unless the mapping profile or the ID schema has changed" in page

    # No admin edit: the address comes from the declaration OpenCRVS holds.
    sent = {
        "2026B10000002": (plain_birth("2026B10000002", "B10000002"), "birth"),
        "2026B10000003": (birth_request("2026B10000003", "B10000003"), "birth"),
        "2026D10000004": (plain_death("2026D10000004", "D10000004"), "death"),
        "2026D10000005": (death_request("2026D10000005", "D10000005"), "death"),
    }
    for body, event_type in sent.values():
        token = with_address(pipeline, event_type)
        assert pipeline.register(body, token=token).status_code == 202

    records = {n: pipeline.wait_for(n, Status.CONFIRMED, timeout=30) for n in sent}

    eng = lambda text: [{"language": "eng", "value": text}]  # noqa: E731
    address = {
        "addressLine1": eng("14 Kalulushi Road"),
        "zone": eng("Mzuzu Estate"),
        "city": eng("Isamba"),
        "province": eng(DECLARED_ADDRESS["administrativeArea"]),
        "region": eng("FAR"),
    }
    packets = {n: pipeline.mosip.packets[r.transaction_id] for n, r in records.items()}
    birth = packets["2026B10000002"]["fields"]
    assert birth == {
        "birthCertificateNumber": "2026B10000002",
        "fullName": eng("Baby Junior Doe"),
        "dateOfBirth": "2024/01/31",
        "gender": eng("Male"),
        **address,
    }
    death = packets["2026D10000004"]["fields"]
    assert death == {
        "fullName": eng("John Dino Doe"),
        "dateOfBirth": "2001/02/20",
        "gender": eng("Female"),
        "nationalIdNumber": "1234567892",
        **address,
    }
    # The simpleType shape keeps what it sent, its own address line included; the
    # declaration is read only when a field is missing, so not for these.
    assert packets["2026B10000003"]["fields"] == birth_request()["requestFields"] | {
        "birthCertificateNumber": "2026B10000003"
    }
    assert packets["2026D10000005"]["fields"]["addressLine1"] == eng("2 Example Street")
    for packet in packets.values():
        assert blank_values(packet["fields"]) == []
        assert identity_problems(packet["fields"], json.loads(packet["schemaJson"])) == []
    # Unknown metaInfo keys are kept; "@TODO" is no one's name.
    assert packets["2026B10000002"]["metaInfo"]["informantPsut"] == "psut-7f3c"
    workflows = pipeline.mosip.requests_to(
        "/registrationprocessor/v1/workflowmanager/workflowinstance"
    )
    notifications = [json.loads(w.body)["request"]["notificationInfo"] for w in workflows]
    assert "@TODO" not in json.dumps(notifications)
    assert {"name": "", "phone": "", "email": ""} in notifications

    # The record says which fields came from OpenCRVS's declaration, and only those.
    assert sorted(records["2026B10000002"].fields_from_declaration) == sorted(address)
    assert records["2026B10000002"].fields_defaulted == []
    assert records["2026B10000003"].fields_from_declaration == []
    page = admin_client.get(f"/console/submissions/{records['2026B10000002'].pk}/")
    html = page.content.decode()
    assert html.count('data-testid="from-declaration"') == len(address)
    assert 'data-testid="filled-by-default"' not in html
    other = admin_client.get(f"/console/submissions/{records['2026B10000003'].pk}/")
    assert 'data-testid="from-declaration"' not in other.content.decode()

    # The record that failed goes through once the remedy it named is applied.
    from integration.services.staff_actions import Actor, resubmit

    event = pipeline.opencrvs.events[waiting.event_id]
    event.actions[0]["declaration"] = {"mother.address": DECLARED_ADDRESS}
    config = OpenCrvsSettings.load()
    config.auth_url = pipeline.opencrvs.url
    config.client_id, config.client_secret = SYSTEM_CLIENT
    config.save()
    resubmit(Submission.objects.get(pk=waiting.pk), Actor(None, "support"), "system client set")
    done = pipeline.wait_for("2026B10000001", Status.CONFIRMED)
    assert sorted(done.fields_from_declaration) == sorted(address)
