"""The default profiles turn every fixture bundle (and EventDocuments) into a packet that
passes the ID schema; each field is checked against the value read from the source."""

import pytest

from integration.mapping import fhir
from integration.mapping.exchange import load_defaults
from integration.models import MosipSettings, Submission
from integration.services.packet import map_submission
from tests.fixtures import load_json

pytestmark = pytest.mark.django_db

BUNDLES = [
    "incoming-birth-bundle.json",
    "incoming-birth-bundle-mother-father.json",
    "incoming-birth-bundle-informant-mother-father.json",
]


@pytest.fixture(autouse=True)
def defaults():
    load_defaults()  # as shipped: no admin edit


def mapped(source_format: str, event_type: str, payload: dict, type_id: str = ""):
    submission = Submission(
        event_type=event_type,
        event_type_id=type_id or event_type,
        source_format=source_format,
        tracking_id="T",
        certificate_number="C",
        raw_request=payload,
    )
    return map_submission(submission, MosipSettings.load())[1]


def wrapped(text: str) -> list[dict]:
    return [{"language": "eng", "value": text}]


def person(bundle: dict, section: str) -> dict:
    return fhir.section_resource(bundle, section)


def full_name(resource: dict) -> str:
    name = resource["name"][0]
    return " ".join(p for p in [*name["given"], name["family"]] if p)


@pytest.mark.parametrize("filename", BUNDLES)
def test_each_birth_bundle_maps_to_a_valid_packet(filename):
    bundle = load_json("opencrvs-fhir", filename)
    child, mother = person(bundle, "child-details"), person(bundle, "mother-details")
    task = fhir.first_of_type(bundle, "Task")
    tracking_id = fhir.task_identifier(task, "tracking-id")

    result = mapped("fhir", "birth", bundle)

    assert result.problems == {}
    fields = result.fields
    assert fields["fullName"] == wrapped(full_name(child))
    assert fields["dateOfBirth"] == child["birthDate"].replace("-", "/")
    assert fields["gender"] == wrapped(child["gender"].capitalize())
    assert fields["guardianOrParentName"] == wrapped(full_name(mother))
    assert fields["birthCertificateNumber"].endswith(tracking_id)
    assert fields["email"] == fhir.task_extension(task, "contact-person-email")
    # The bundles carry no address lines: the address is the district and province they
    # name (Location resources of the bundle), nothing invented and no default needed.
    assert fields["addressLine1"] == wrapped("Ibombo")
    assert (fields["province"], fields["region"]) == (wrapped("Ibombo"), wrapped("Central"))
    assert result.defaulted == []
    assert result.notification["email"] == fields["email"]
    # The informant's name from its name parts, never FHIR's `use` code.
    informant = person(bundle, "informant-details")["name"][0]
    assert result.notification["name"] == full_name(person(bundle, "informant-details"))
    assert informant.get("use", "") not in result.notification["name"].split()
    assert result.meta_info["registrationId"] == tracking_id


def test_the_death_bundle_maps_to_a_valid_packet_with_the_deceaseds_nid():
    bundle = load_json("opencrvs-fhir", "incoming-death-bundle.json")
    deceased = person(bundle, "deceased-details")

    result = mapped("fhir", "death", bundle)

    assert result.problems == {}
    assert result.fields["nationalIdNumber"] == fhir.identifier(deceased, "NATIONAL_ID")
    assert result.fields["nationalIdNumber"] == "0000000001"
    assert result.fields["fullName"] == wrapped(full_name(deceased))
    assert result.fields["dateOfBirth"] == deceased["birthDate"].replace("-", "/")
    assert result.fields["dateOfDeath"] == deceased["deceasedDateTime"][:10].replace("-", "/")
    assert "deathCertificateNumber" not in result.fields


def event_document(event_type: str, declaration: dict) -> dict:
    return {
        "id": "evt-1",
        "type": event_type,
        "trackingId": "B46964567",
        "actions": [
            {"id": "a1", "type": "DECLARE", "status": "Accepted", "declaration": declaration},
            {"id": "a2", "type": "REGISTER", "status": "Requested", "declaration": {}},
        ],
    }


def test_a_birth_event_document_maps_with_later_actions_winning():
    document = event_document(
        "v2.birth",
        {
            "child.name": {"firstname": "Baby", "middlename": "", "surname": "Doe"},
            "child.dob": "2024-01-31",
            "child.gender": "male",
            "mother.name": {"firstname": "Jane", "surname": "Doe"},
            "mother.address": {
                "country": "FAR",
                "addressType": "DOMESTIC",
                "administrativeArea": "62a0ccb4-880d-4f30-8882-f256007dfff9",
                "streetLevelDetails": {"number": "1", "street": "Example Street", "town": "Isamba"},
            },
            "informant.email": "jane@example.com",
            "informant.phoneNo": "0911111111",
        },
    )
    document["actions"][1]["declaration"] = {"child.gender": "female"}

    result = mapped("event", "birth", document, type_id="v2.birth")

    assert result.problems == {}
    assert result.fields["fullName"] == wrapped("Baby Doe")
    assert result.fields["dateOfBirth"] == "2024/01/31"
    assert result.fields["gender"] == wrapped("Female")
    assert result.fields["guardianOrParentName"] == wrapped("Jane Doe")
    assert result.fields["addressLine1"] == wrapped("1 Example Street")
    assert result.fields["city"] == result.fields["zone"] == wrapped("Isamba")
    assert result.fields["province"] == wrapped("62a0ccb4-880d-4f30-8882-f256007dfff9")
    assert result.fields["region"] == wrapped("FAR")
    assert result.defaulted == []
    assert result.fields["phone"] == "0911111111"
    assert result.notification == {
        "name": "Jane Doe",
        "phone": "0911111111",
        "email": "jane@example.com",
    }


def test_a_missing_required_value_is_a_problem_naming_the_field():
    result = mapped("event", "birth", event_document("birth", {"child.gender": "male"}))
    assert "fullName" in result.problems
    assert "required" in result.problems["fullName"]


def test_a_value_breaking_the_schema_format_is_named():
    document = event_document(
        "birth",
        {
            "child.name": {"firstname": "Baby", "surname": "Doe"},
            "child.dob": "2024-01-31",
            "child.gender": "male",
            "mother.address": {"country": "FAR", "streetLevelDetails": {"town": "Isamba"}},
            "informant.phoneNo": "not a phone",
        },
    )
    result = mapped("event", "birth", document)
    assert set(result.problems) == {"phone"}
    assert "'not a phone' does not match" in result.problems["phone"]
