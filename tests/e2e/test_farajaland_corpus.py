"""A country's first day: every request body the reference country config (Farajaland
release/1.9.15 and develop) builds, and the core 1.9 webhook bundles, reach their end
state on a fresh install (`load_default_mappings`, no admin edit), through the stand-in
OpenCRVS and MOSIP over HTTP and a real worker.

Farajaland sends no address; MOSIP's ID schema requires `addressLine1`. The portal reads
the event from OpenCRVS (`event.get`, with the record's token, which carries the
registrar's `record.read` as core's token exchange gives it) and maps the declaration's
address. tests/fixtures/farajaland/README.md names the upstream code of each body."""

import json
import time

import pytest
import requests
from django.core.management import call_command

from integration.models import OpenCrvsSettings, Status, Submission
from mocks.id_object import identity_problems
from mocks.opencrvs import CONFIRM_SCOPES
from mocks.opencrvs_webhooks import sign
from tests.fixtures import load_json

pytestmark = pytest.mark.e2e

CORPUS = load_json("farajaland", "corpus.json")
# The registrar's read scope (Farajaland's src/data-seeding/roles/roles.ts) as each
# version encodes it and core's token exchange passes it on to the country config.
READ_SCOPE = {
    "v1.9.15": "record.read[event=birth|death|tennis-club-membership]",
    "develop": "type=record.read&placeOfEvent=administrativeArea",
}
FHIR_BUNDLES = {
    "incoming-birth-bundle.json": "BIRTH_REGISTERED",
    "incoming-birth-bundle-mother-father.json": "BIRTH_REGISTERED",
    "incoming-birth-bundle-informant-mother-father.json": "BIRTH_REGISTERED",
    "incoming-death-bundle.json": "DEATH_REGISTERED",
}
WEBHOOK_SECRET = "farajaland-webhook-secret"
ADDRESS_FIELDS = ("addressLine1", "region", "province", "city", "zone")


def text(value) -> str:
    return value[0]["value"] if isinstance(value, list) else value


def expected_address(declaration: dict, event_type: str) -> dict:
    """The MOSIP address fields a declaration's address gives, by its own parts."""
    if event_type == "death":
        address = declaration["deceased.address"]
    else:
        address = (
            declaration.get("mother.address")
            or declaration.get("father.address")
            or declaration.get("informant.address")
        )
    street = address["streetLevelDetails"]
    line = " ".join(p for p in (street.get("number"), street.get("street")) if p)
    city = street.get("town") or address["administrativeArea"]
    return {
        "addressLine1": line,
        "zone": street.get("residentialArea") or city,
        "city": city,
        "province": address["administrativeArea"],
        "region": address["country"],
    }


def declaration_of(document: dict) -> dict:
    merged: dict = {}
    for action in document["actions"]:
        merged.update(action.get("declaration") or {})
    return merged


def wait(event_id: str, *statuses: str, timeout: float = 30) -> Submission:
    deadline = time.monotonic() + timeout
    row = None
    while time.monotonic() < deadline:
        row = Submission.objects.filter(event_id=event_id).first()
        if row and row.status in statuses:
            return row
        time.sleep(0.1)
    state = f"{row.status}: {row.last_error}" if row else "not stored"
    raise AssertionError(f"event {event_id} is {state}, not {statuses}")


def test_every_farajaland_body_reaches_its_end_state_with_no_admin_edit(pipeline, admin_client):
    call_command("load_default_mappings", verbosity=0)
    sent = {}
    for name, case in CORPUS.items():
        document = load_json("farajaland", f"{name}.event.json")
        body = load_json("farajaland", f"{name}.request.json")
        record = pipeline.opencrvs.add_event(document)
        scope = [*CONFIRM_SCOPES, READ_SCOPE[name.split("-", 1)[0]]]
        token = pipeline.opencrvs.mint_token(
            event_id=record.id, action_id=record.action_id, scope=scope,
            event_type=case["event_type"],
        )  # fmt: skip
        reply = requests.post(
            f"{pipeline.portal_url}{case['endpoint']}",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert (reply.status_code, reply.json()) == (202, {}), name
        sent[name] = (case, document, body)

    for name, (case, document, body) in sent.items():
        submission = wait(document["id"], case["end_state"])
        packet = pipeline.mosip.packets[submission.transaction_id]
        fields = packet["fields"]
        if case["endpoint"] == "/events/update-biographics":
            # MOSIP updates a person it knows (CRVS_UPDATE): only what changed, no address.
            assert packet["process"] == "CRVS_UPDATE", name
            assert fields["VID"] == body["requestFields"]["VID"], name
            assert submission.fields_from_declaration == [], name
            continue
        # A new identity as the ID schema wants it; its address from OpenCRVS's declaration.
        assert identity_problems(fields, json.loads(packet["schemaJson"])) == [], name
        address = expected_address(declaration_of(document), case["event_type"])
        assert {k: text(fields[k]) for k in ADDRESS_FIELDS} == address, name
        assert sorted(submission.fields_from_declaration) == sorted(ADDRESS_FIELDS), name
        assert submission.fields_defaulted == [], name
        assert text(fields["fullName"]) == body["requestFields"]["fullName"], name
        # The country config's informant PSUT travels in metaInfo as it came.
        assert packet["metaInfo"].get("informantPsut") == body["metaInfo"].get("informantPsut")

    # One event.get per record that needed the address, with the record's own token.
    reads = [c for c in pipeline.opencrvs.calls_to("event.get") if c.status == 200]
    read_ids = {c.input["eventId"] for c in reads}
    needed = {d["id"] for c, d, _ in sent.values() if "update-biographics" not in c["endpoint"]}
    assert needed <= read_ids

    # OpenCRVS got the national id back for the births it waited on.
    accepted = {c.input["eventId"]: c for c in pipeline.opencrvs.accepted}
    mother = sent["v1.9.15-birth-informant-mother"][1]
    assert accepted[mother["id"]].input["declaration"] == {
        "child.nid": wait(mother["id"], Status.CONFIRMED).vid
    }
    correction = sent["develop-correction-as-registration"][1]
    assert accepted[correction["id"]].procedure == "event.actions.correction.approve.accept"

    # The console says which values came from OpenCRVS's declaration.
    submission = Submission.objects.get(event_id=mother["id"])
    page = admin_client.get(f"/console/submissions/{submission.pk}/").content.decode()
    assert page.count('data-testid="from-declaration"') == len(ADDRESS_FIELDS)
    assert 'data-testid="filled-by-default"' not in page


def test_the_core_webhook_bundles_with_empty_address_lines_complete(pipeline):
    pipeline.mosip.check_identity = True
    call_command("load_default_mappings", verbosity=0)
    config = OpenCrvsSettings.load()
    config.webhook_secret = WEBHOOK_SECRET
    config.save()
    numbers = []
    for filename, topic in FHIR_BUNDLES.items():
        bundle = load_json("opencrvs-fhir", filename)
        body = json.dumps(
            {
                "timestamp": "2026-11-30T10:00:00Z",
                "id": f"hook-{filename}",
                "event": {"hub": {"topic": topic}, "context": [bundle]},
            }
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature": sign(body, WEBHOOK_SECRET),
        }
        url = f"{pipeline.portal_url}/webhooks/opencrvs"
        reply = requests.post(url, data=body, headers=headers, timeout=10)
        assert reply.status_code == 202, filename
        numbers.append(Submission.objects.order_by("-pk").first().certificate_number)

    for number in numbers:
        submission = pipeline.wait_for(number, Status.COMPLETED, timeout=30)
        fields = pipeline.mosip.packets[submission.transaction_id]["fields"]
        # No street lines: the address is the district and province the bundle names.
        assert text(fields["addressLine1"]) == "Ibombo"
        assert (text(fields["province"]), text(fields["region"])) == ("Ibombo", "Central")
        assert submission.fields_defaulted == []
    assert pipeline.opencrvs.calls_to("event.get") == []  # a bundle carries it all


def test_an_opencrvs_outage_while_reading_the_declaration_retries_the_delivery(
    configured, opencrvs, mosip, django_capture_on_commit_callbacks
):
    from integration.services import delivery

    call_command("load_default_mappings", verbosity=0)
    name = "develop-birth-informant-mother-psut"
    body = load_json("farajaland", f"{name}.request.json")
    record = opencrvs.add_event(load_json("farajaland", f"{name}.event.json"))
    token = opencrvs.mint_token(
        event_id=record.id, action_id=record.action_id, scope=[*CONFIRM_SCOPES, "type=record.read"]
    )
    submission = Submission.objects.create(
        event_type="birth", source_format="interop", tracking_id=body["trackingId"],
        certificate_number=body["requestFields"]["birthCertificateNumber"], raw_request=body,
        token=token, event_id=record.id, action_id=record.action_id,
    )  # fmt: skip

    opencrvs.controls.down = True  # the gateway answers 503
    with django_capture_on_commit_callbacks(execute=False):
        delivery.deliver(submission.pk)
    submission.refresh_from_db()
    # Retried like any outage, not failed at mapping; nothing sent to MOSIP meanwhile.
    assert (submission.status, submission.retry_count) == (Status.DELIVERY_RETRY, 1)
    assert "OpenCRVS" in submission.last_error
    assert submission.declaration is None and mosip.packets == {}

    opencrvs.controls.down = False
    Submission.objects.filter(pk=submission.pk).update(next_attempt_at=None)  # due now
    with django_capture_on_commit_callbacks(execute=False):
        delivery.deliver(submission.pk)
    submission.refresh_from_db()
    assert submission.status == Status.AWAITING_CREDENTIAL
    assert submission.declaration["mother.address"]["streetLevelDetails"]["town"] == "Isamba"
    [packet] = mosip.packets.values()
    assert text(packet["fields"]["addressLine1"]) == "14 Kalulushi Road"


def test_an_admin_edit_is_checked_on_farajaland_records_as_delivery_would_map_them(db):
    from integration.models import MappingProfile
    from integration.services.mapping_check import check_profile_edit

    call_command("load_default_mappings", verbosity=0)
    profile = MappingProfile.objects.get(source_format="interop", event_type="birth")
    name = "v1.9.15-birth-informant-mother"
    body = load_json("farajaland", f"{name}.request.json")
    declared = declaration_of(load_json("farajaland", f"{name}.event.json"))
    for number, declaration in (("A1", declared), ("A2", {"child.dob": "2026-11-02"})):
        Submission.objects.create(
            event_type="birth", event_type_id="birth", source_format="interop",
            tracking_id=number, certificate_number=number, raw_request=body,
            declaration=declaration,
        )  # fmt: skip

    check = check_profile_edit(profile, list(profile.rows.all()))

    # The shipped samples (no declaration read yet) are not failing for the address that
    # delivery reads from OpenCRVS; a record whose declaration holds none is.
    assert (check.records, check.samples, check.failing) == (2, 2, 1)
    assert set(check.reasons) == {"addressLine1"}


def test_only_a_requests_fields_are_said_to_come_from_the_declaration(db):
    from integration.models import MosipSettings
    from integration.services.packet import map_submission

    call_command("load_default_mappings", verbosity=0)
    name = "v1.9.15-birth-informant-mother"
    document = load_json("farajaland", f"{name}.event.json")
    body = load_json("farajaland", f"{name}.request.json")
    config = MosipSettings.load()
    common = {"event_type": "birth", "event_type_id": "birth", "tracking_id": "T"}
    request = Submission(
        source_format="interop", raw_request=body, declaration=declaration_of(document), **common
    )
    event = Submission(source_format="event", raw_request=document, **common)

    assert sorted(map_submission(request, config)[1].from_tracked) == sorted(ADDRESS_FIELDS)
    # A raw EventDocument is the declaration itself: nothing came from elsewhere.
    mapped = map_submission(event, config)[1]
    assert mapped.problems == {} and mapped.from_tracked == []
