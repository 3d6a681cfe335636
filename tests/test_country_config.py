"""The reference country config (OpenCRVS Farajaland 1.9.x and develop, through the
`@opencrvs/mosip` client's `register`) against a fresh install: both shapes it sends,
births and deaths, reach confirmed with fields the stand-in MOSIP accepts against the
ID schema mosip-api sends."""

import json

import pytest
from django.core.management import call_command

from integration.models import MappingProfile, Status, Submission
from mocks.id_object import identity_problems
from tests.admin_forms import change_form_data, row_prefix
from tests.fixtures import birth_request, death_request

pytestmark = pytest.mark.e2e

ADDRESS = "Address not recorded"


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


def set_default(admin_client, event_type: str, target: str, value) -> None:
    """What an integration admin does once: a default for a field the ID schema requires
    and the country config never sends."""
    profile = MappingProfile.objects.get(source_format="interop", event_type=event_type)
    url = f"/admin/integration/mappingprofile/{profile.pk}/change/"
    data = change_form_data(admin_client.get(url))
    data[f"{row_prefix(data, target)}-default"] = json.dumps(value)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors


def blank_values(fields: dict) -> list[str]:
    return [
        name
        for name, value in fields.items()
        if value in ("", None, "@TODO", [])
        or (isinstance(value, list) and any(not str(v.get("value", "")).strip() for v in value))
    ]


def test_the_reference_country_config_is_confirmed_on_a_fresh_install(pipeline, admin_client):
    pipeline.mosip.check_identity = True  # refuse fields the ID schema does not accept
    call_command("load_default_mappings", verbosity=0)

    # Before the admin sets the address default, nothing is invented: the record fails at
    # mapping, naming the field, and its page says a resubmit needs a mapping change.
    assert pipeline.register(plain_birth("2026B10000001", "B10000001")).status_code == 202
    waiting = pipeline.wait_for("2026B10000001", Status.FAILED)
    assert waiting.failed_step == "mapping" and "addressLine1" in waiting.last_error
    assert pipeline.mosip.packets == {}
    page = admin_client.get(f"/console/submissions/{waiting.pk}/").content.decode()
    assert "fails the same way unless the mapping profile or the ID schema has changed" in page

    set_default(admin_client, "birth", "addressLine1", ADDRESS)
    set_default(admin_client, "death", "addressLine1", ADDRESS)

    sent = {
        "2026B10000002": plain_birth("2026B10000002", "B10000002"),
        "2026B10000003": birth_request("2026B10000003", "B10000003"),
        "2026D10000004": plain_death("2026D10000004", "D10000004"),
        "2026D10000005": death_request("2026D10000005", "D10000005"),
    }
    for number, body in sent.items():
        claims = {"event_type": "death"} if "D" in number else {}
        assert pipeline.register(body, **claims).status_code == 202

    records = {n: pipeline.wait_for(n, Status.CONFIRMED, timeout=30) for n in sent}

    eng = lambda text: [{"language": "eng", "value": text}]  # noqa: E731
    packets = {n: pipeline.mosip.packets[r.transaction_id] for n, r in records.items()}
    birth = packets["2026B10000002"]["fields"]
    assert birth == {
        "birthCertificateNumber": "2026B10000002",
        "fullName": eng("Baby Junior Doe"),
        "dateOfBirth": "2024/01/31",
        "gender": eng("Male"),
        "addressLine1": eng(ADDRESS),
    }
    death = packets["2026D10000004"]["fields"]
    assert death == {
        "fullName": eng("John Dino Doe"),
        "dateOfBirth": "2001/02/20",
        "gender": eng("Female"),
        "nationalIdNumber": "1234567892",
        "addressLine1": eng(ADDRESS),
    }
    # The simpleType shape keeps what it sent, its own address included.
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

    # The record says which field came from the profile's default, and only that one.
    assert records["2026B10000002"].fields_defaulted == ["addressLine1"]
    assert records["2026B10000003"].fields_defaulted == []
    page = admin_client.get(f"/console/submissions/{records['2026B10000002'].pk}/")
    html = page.content.decode()
    assert html.count('data-testid="filled-by-default"') == 1
    other = admin_client.get(f"/console/submissions/{records['2026B10000003'].pk}/")
    assert 'data-testid="filled-by-default"' not in other.content.decode()

    # The record that failed before the default was set goes through once resubmitted.
    from integration.services.staff_actions import Actor, resubmit

    resubmit(Submission.objects.get(pk=waiting.pk), Actor(None, "support"), "address default set")
    assert pipeline.wait_for("2026B10000001", Status.CONFIRMED).fields_defaulted == ["addressLine1"]
