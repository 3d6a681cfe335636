"""What mosip-api 2.x added to the registration contract: a per-request ID schema
(`schemaJson`), the credential-subject key of the national id, `euin` credentials."""

import json

import pytest

from integration.models import Attempt, MosipSettings, Status
from tests.fixtures import birth_request

URL = "/events/registration"


@pytest.fixture
def post(client, configured, opencrvs):
    def send(body):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {opencrvs.mint_token()}"}
        return client.post(URL, data=json.dumps(body), content_type="application/json", **headers)

    return send


def with_schema(body: dict, schema) -> dict:
    return {**body, "schemaJson": schema}


@pytest.mark.parametrize(
    "schema, words",
    [
        ('{"properties": ', "not valid JSON"),
        ('["a list"]', "JSON object"),
        ({"properties": {}}, "JSON string"),
    ],
)
def test_a_malformed_schema_json_is_400_naming_the_field(post, schema, words):
    reply = post(with_schema(birth_request(), schema))
    assert reply.status_code == 400
    [message] = reply.json()["schemaJson"]
    assert words in message


def strict_schema() -> dict:
    """The configured schema, plus a field the example birth does not have."""
    schema = json.loads(json.dumps(MosipSettings.load().id_schema_in_force()))
    identity = schema["properties"]["identity"]
    identity["properties"]["residenceStatus"] = {"type": "string"}
    identity.setdefault("required", []).append("residenceStatus")
    return schema


@pytest.mark.e2e
def test_a_payload_schema_is_used_for_that_packet_only(pipeline):
    # While MOSIP's masterdata cannot be asked (test_id_schema.py has it answering).
    pipeline.mosip.masterdata_available = False
    # A required field counts only if the process's mandatory attributes list it.
    config = MosipSettings.load()
    config.mandatory_attributes = config.mandatory_attributes.replace(
        ",zone", ",zone,residenceStatus", 1
    )
    config.save()
    configured = json.dumps(MosipSettings.load().id_schema_in_force())
    own = strict_schema()
    own["properties"]["identity"]["required"].remove("residenceStatus")
    own_text = json.dumps(own)
    strict = json.dumps(strict_schema())

    pipeline.register(with_schema(birth_request("2026B70000001", "B70000001"), own_text))
    pipeline.register(birth_request("2026B70000002", "B70000002"))
    pipeline.register(with_schema(birth_request("2026B70000003", "B70000003"), strict))

    first = pipeline.wait_for("2026B70000001", Status.CONFIRMED)
    second = pipeline.wait_for("2026B70000002", Status.CONFIRMED)
    assert pipeline.mosip.packets[first.transaction_id]["schemaJson"] == own_text
    assert pipeline.mosip.packets[second.transaction_id]["schemaJson"] == configured
    # The payload's schema is the one the fields are checked against, before sending.
    third = pipeline.wait_for("2026B70000003", Status.FAILED)
    assert "residenceStatus" in third.last_error
    assert third.transaction_id not in pipeline.mosip.packets
    assert MosipSettings.load().id_schema_in_force() == json.loads(configured)  # untouched


@pytest.mark.e2e
def test_the_national_id_key_and_euin_credentials(pipeline):
    config = MosipSettings.load()
    config.national_id_key = "UIN"
    config.save()
    pipeline.mosip.national_id_key, pipeline.mosip.credential_type = "UIN", "euin"

    pipeline.register(birth_request("2026B70000004", "B70000004"))

    submission = pipeline.wait_for("2026B70000004", Status.CONFIRMED)
    uin = pipeline.mosip.issued[submission.transaction_id]
    assert submission.vid == uin
    [accept] = pipeline.opencrvs.accepted
    assert accept.input["declaration"] == {"child.nid": uin}


@pytest.mark.e2e
def test_a_credential_of_another_type_is_refused(pipeline):
    pipeline.mosip.credential_type = "qrcode"

    pipeline.register(birth_request("2026B70000005", "B70000005"))
    pipeline.wait_for_attempts("2026B70000005", failures=1)

    refused = Attempt.objects.filter(step="credential").exclude(error="").get()
    assert "credential type 'qrcode'" in refused.error
    assert pipeline.opencrvs.accepted == []


def test_scopes_are_read_in_the_1_9_and_the_2_x_encodings():
    from integration.clients.opencrvs_auth import scope_names

    claims = {"scope": ["type=record.read&event=birth", "record.register[event=birth|death]",
                        "record.correct"]}  # fmt: skip
    assert scope_names(claims) == {"record.read", "record.register", "record.correct"}
    assert scope_names({"scope": "record.read record.register"}) == {
        "record.read", "record.register"}  # fmt: skip


def test_a_2_x_encoded_single_record_token_is_accepted(client, configured, opencrvs):
    scope = ["type=record.confirm-registration", "type=record.reject-registration"]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {opencrvs.mint_token(scope=scope)}"}
    reply = client.post(URL, data=json.dumps(birth_request()), content_type="application/json",
                        **headers)  # fmt: skip
    assert reply.status_code == 202
    bare = {"HTTP_AUTHORIZATION": f"Bearer {opencrvs.mint_token(scope=['type=record.read'])}"}
    reply = client.post(URL, data=json.dumps(birth_request("2026B1", "B1")),
                        content_type="application/json", **bare)  # fmt: skip
    assert reply.status_code == 403
