"""Packets are checked as MOSIP will check them (docs/mosip-validation.md), against the
ID schema MOSIP's masterdata serves (the one in the settings while MOSIP cannot be
asked), and no packet leaves without a schema: a configuration problem that is retried
and shown, never a silent skip."""

import copy
import json
from datetime import date

import pytest
from django.urls import reverse

from integration.mapping.mosip_rules import DEFAULT_MANDATORY_ATTRIBUTES, mandatory_for
from integration.mapping.schemas import shipped_id_schema
from integration.mapping.validation import validate_fields
from integration.models import MosipSettings, Status, Submission
from integration.services.id_schema import schema_from_mosip
from integration.services.packet import MappingFailed, build_packet
from tests.fixtures import birth_request


def _save_mosip_settings(**values) -> None:
    """As the admin saves: through save(), which tells every process's settings cache."""
    config = MosipSettings.objects.get(pk=1)
    for name, value in values.items():
        setattr(config, name, value)
    config.save()


def _without(body: dict, *names: str) -> dict:
    for name in names:
        body["requestFields"].pop(name, None)
    return body


def _schema_requiring(*names: str, title: str = "This deployment's identity") -> dict:
    schema = copy.deepcopy(shipped_id_schema())
    schema["title"] = title
    schema["properties"]["identity"]["required"] = ["IDSchemaVersion", *names]
    return schema


@pytest.mark.e2e
def test_a_packet_missing_addressline1_is_failed_with_the_reason_before_sending(pipeline):
    pipeline.register(_without(birth_request("2026B20000011", "B20000011"), "addressLine1"))

    failed = pipeline.wait_for("2026B20000011", Status.FAILED)

    assert failed.failed_step == "mapping"
    assert "addressLine1 is required by the ID schema but was not mapped" in failed.last_error
    assert pipeline.mosip.packets == {}  # nothing sent for MOSIP to fail unseen
    assert pipeline.mosip.idschema_calls >= 1  # checked against MOSIP's own schema


@pytest.mark.e2e
def test_a_field_the_deployments_schema_does_not_require_is_not_missing(pipeline):
    # This MOSIP's schema requires no address: the same packet goes, and MOSIP (the
    # stand-in checks it with the schema it serves) issues the credential.
    pipeline.mosip.id_schemas[0.1] = _schema_requiring("fullName", "dateOfBirth", "gender")
    pipeline.register(_without(birth_request("2026B20000012", "B20000012"), "addressLine1"))

    confirmed = pipeline.wait_for("2026B20000012", Status.CONFIRMED, timeout=30)

    assert "addressLine1" not in pipeline.mosip.packets[confirmed.transaction_id]["fields"]
    assert pipeline.mosip.rejections == {}


@pytest.mark.e2e
def test_the_schema_from_mosips_masterdata_wins_over_the_shipped_one(pipeline):
    # zone: required by this MOSIP's schema and mandatory for CRVS_NEW; the shipped
    # schema does not require it.
    served = _schema_requiring("fullName", "zone", title="Served by masterdata")
    pipeline.mosip.id_schemas[0.1] = served
    pipeline.register(birth_request("2026B20000013", "B20000013"))
    with_zone = birth_request("2026B20000014", "B20000014")
    with_zone["requestFields"]["zone"] = [{"language": "eng", "value": "Ibombo"}]
    pipeline.register(with_zone)

    failed = pipeline.wait_for("2026B20000013", Status.FAILED)
    confirmed = pipeline.wait_for("2026B20000014", Status.CONFIRMED, timeout=30)

    assert "zone is required by the ID schema" in failed.last_error
    sent = pipeline.mosip.packets[confirmed.transaction_id]
    assert json.loads(sent["schemaJson"])["title"] == "Served by masterdata"
    assert failed.transaction_id not in pipeline.mosip.packets


@pytest.mark.e2e
def test_while_mosip_cannot_be_asked_the_shipped_schema_stands_in(pipeline):
    pipeline.mosip.masterdata_available = False
    pipeline.register(birth_request("2026B20000015", "B20000015"))
    pipeline.register(_without(birth_request("2026B20000016", "B20000016"), "addressLine1"))

    confirmed = pipeline.wait_for("2026B20000015", Status.CONFIRMED, timeout=30)
    failed = pipeline.wait_for("2026B20000016", Status.FAILED)

    # The outage failed nothing: the shipped schema was checked and sent.
    sent = pipeline.mosip.packets[confirmed.transaction_id]
    assert json.loads(sent["schemaJson"]) == shipped_id_schema()
    assert "addressLine1 is required by the ID schema" in failed.last_error
    assert pipeline.mosip.idschema_calls >= 1


@pytest.mark.e2e
def test_an_infant_without_an_officer_waits_until_one_is_set(pipeline, admin_client):
    _save_mosip_settings(officer_id="")

    pipeline.register(birth_request("2026B20000017", "B20000017"))

    waiting = pipeline.wait_for("2026B20000017", Status.DELIVERY_RETRY)
    assert "officer or supervisor in metaInfo.operationsData" in waiting.last_error
    assert pipeline.mosip.packets == {}
    page = admin_client.get(f"/console/submissions/{waiting.pk}/").content.decode()
    assert "set the registration officer id in the MOSIP settings" in page

    _save_mosip_settings(officer_id="registrar.two")

    confirmed = pipeline.wait_for("2026B20000017", Status.CONFIRMED, timeout=30)
    meta_info = pipeline.mosip.packets[confirmed.transaction_id]["metaInfo"]
    assert {"label": "officerId", "value": "registrar.two"} in json.loads(
        meta_info["operationsData"]
    )


@pytest.mark.e2e
def test_a_child_of_six_is_not_sent_on_the_infant_route(pipeline):
    body = birth_request("2026B20000018", "B20000018")
    today = date.today()
    body["requestFields"]["dateOfBirth"] = f"{today.year - 6}/01/01"
    pipeline.register(body)

    failed = pipeline.wait_for("2026B20000018", Status.FAILED)

    assert "registers infants only (under 6 years); this person is 6" in failed.last_error
    assert pipeline.mosip.packets == {}


def test_mosips_reading_of_required_fields_types_and_validators():
    schema = shipped_id_schema()
    fields = {
        "fullName": [{"language": "eng", "value": "Al"}],  # its validator is beside a $ref
        "dateOfBirth": "2024/01/31",
        "gender": "Female",  # plain text where the schema wants language entries
        "phone": "+0911111111x",  # the whole text must match the validator
        "notInTheSchema": "left out of the packet by MOSIP",
    }
    crvs_new = mandatory_for("crvs_new", DEFAULT_MANDATORY_ATTRIBUTES)

    problems = validate_fields(fields, schema, crvs_new)

    assert set(problems) == {"addressLine1", "gender", "phone"}
    assert str(problems["gender"]).startswith("gender must be a list of")  # English text
    # A required field the process does not list is not missing (MOSIP's filter).
    assert "addressLine1" not in validate_fields(fields, schema, frozenset({"fullName"}))
    # An entry of dateOfBirth|age counts each name on its own.
    assert "dateOfBirth" in validate_fields({}, schema, crvs_new)


def test_test_connection_says_which_id_schema_packets_are_checked_against(
    configured, mosip, admin_client
):
    url = reverse("admin:integration_mosipsettings_test_connection")

    page = admin_client.post(url, follow=True).content.decode()

    assert "MOSIP&#x27;s masterdata serves ID schema 0.1; packets are checked against it" in page
    assert "Tonga identity" in page and mosip.idschema_calls == 1
    assert "No registration officer id" not in page

    mosip.masterdata_available = False
    _save_mosip_settings(officer_id="")
    page = admin_client.post(url, follow=True).content.decode()

    assert "MOSIP&#x27;s masterdata did not give ID schema 0.1" in page
    assert "checked against the ID schema of these settings meanwhile" in page
    assert "No registration officer id" in page


def test_a_field_the_sent_schemajson_leaves_out_is_missing_for_mosip(configured, mosip):
    # MOSIP's writer writes what the packet's own schemaJson defines; its validator then
    # finds no addressLine1, though the request carried one.
    own = copy.deepcopy(shipped_id_schema())
    del own["properties"]["identity"]["properties"]["addressLine1"]
    body = birth_request("2026B20000019", "B20000019")
    body["schemaJson"] = json.dumps(own)
    submission = Submission.objects.create(
        event_type="birth",
        tracking_id="B20000019",
        certificate_number="2026B20000019",
        raw_request=body,
    )

    with pytest.raises(MappingFailed) as refused:
        build_packet(submission, MosipSettings.load())

    assert set(refused.value.problems) == {"addressLine1"}
    assert "schemaJson sent with the packet does not define it" in str(refused.value)


@pytest.mark.django_db
def test_no_mosip_configured_means_no_call_and_the_settings_schema():
    assert schema_from_mosip(MosipSettings.load()) is None


@pytest.mark.e2e
def test_without_a_schema_in_force_nothing_is_sent_and_the_record_waits(pipeline, admin_client):
    pipeline.mosip.masterdata_available = False  # MOSIP's own schema would serve otherwise
    _save_mosip_settings(id_schema_source="custom", id_schema={})

    assert pipeline.register(birth_request("2026B20000001", "B20000001")).status_code == 202

    waiting = pipeline.wait_for("2026B20000001", Status.DELIVERY_RETRY)
    assert waiting.failed_step == "mapping"
    assert "No ID schema is in force" in waiting.last_error
    assert pipeline.mosip.packets == {}
    page = admin_client.get(f"/console/submissions/{waiting.pk}/").content.decode()
    assert "Choose the ID schema in the MOSIP settings" in page
    settings_page = admin_client.get("/admin/integration/mosipsettings/1/change/")
    assert "No ID schema is in force: no packet is sent" in settings_page.content.decode()

    _save_mosip_settings(id_schema_source="mosip-api")

    confirmed = pipeline.wait_for("2026B20000001", Status.CONFIRMED, timeout=30)
    sent = pipeline.mosip.packets[confirmed.transaction_id]
    assert sent["schemaJson"] and Submission.objects.get(pk=waiting.pk).last_error == ""
