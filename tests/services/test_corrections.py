"""OpenCRVS 2.x: approved birth corrections (`POST /events/update-biographics`) through
MOSIP's CRVS_UPDATE, confirmations with the integration's own system client, and the
pending-action check before confirming. Over real HTTP with a real worker."""

import time

import pytest

from integration.models import Attempt, OpenCrvsSettings, Status, Submission
from mocks.opencrvs import CORRECTION_ACCEPT, SYSTEM_CLIENT
from tests.fixtures import birth_request

URL = "/events/update-biographics"
GET = "event.get"


def use_system_client(opencrvs) -> None:
    config = OpenCrvsSettings.load()
    config.auth_url = opencrvs.url
    config.client_id, config.client_secret = SYSTEM_CLIENT
    config.save()


def correction(tracking_id: str, vid: str = "4829104756") -> dict:
    """What farajaland's `updateBiographics` sends, in the ID schema's shapes."""
    return {
        "trackingId": tracking_id,
        "notification": {"recipientFullName": "Jane Doe", "recipientPhone": "+260911111111"},
        "requestFields": {
            "VID": vid,
            "fullName": [{"language": "eng", "value": "Baby Corrected Doe"}],
            "dateOfBirth": "2024/01/30",
            "gender": [{"language": "eng", "value": "Female"}],
            "introducerInfoToken": "psut-of-the-informant",
        },
        "metaInfo": {},
        "audit": {},
    }


def post(pipeline, body: dict, token: str):
    import requests

    headers = {"Authorization": f"Bearer {token}"}
    return requests.post(f"{pipeline.portal_url}{URL}", json=body, headers=headers, timeout=10)


def wait(submission_filter: dict, *statuses: str, timeout: float = 20) -> Submission:
    deadline = time.monotonic() + timeout
    row = None
    while time.monotonic() < deadline:
        row = Submission.objects.filter(**submission_filter).first()
        if row and row.status in statuses:
            return row
        time.sleep(0.1)
    raise AssertionError(f"{row.status if row else 'not stored'}, not {statuses}: "
                         f"{row.last_error if row else ''}")  # fmt: skip


@pytest.mark.e2e
def test_an_approved_correction_is_confirmed_with_the_request_id_and_the_nid(pipeline):
    use_system_client(pipeline.opencrvs)
    token, record = pipeline.opencrvs.mint_correction()
    body = correction(record.tracking_id)

    first, again = post(pipeline, body, token), post(pipeline, body, token)
    assert (first.status_code, first.json()) == (202, {})
    assert again.status_code == 202

    submission = wait({"event_id": record.id}, Status.CONFIRMED)
    assert Submission.objects.filter(event_id=record.id).count() == 1
    assert len(pipeline.mosip.packets) == 1  # the same request twice: one packet
    packet = pipeline.mosip.packets[submission.transaction_id]
    assert packet["process"] == "CRVS_UPDATE"
    assert packet["fields"]["VID"] == "4829104756"
    [accept] = pipeline.opencrvs.accepted
    assert accept.procedure == CORRECTION_ACCEPT
    assert accept.input["requestId"] == record.request_id
    assert accept.input["actionId"] == record.action_id
    assert accept.input["eventId"] == record.id
    assert accept.input["declaration"] == {"child.nid": "4829104756"}
    assert accept.claims["sub"] == SYSTEM_CLIENT[0]  # audited as the integration
    assert record.status == "accepted"
    assert submission.request_id == record.request_id
    assert submission.kind_label == "Birth correction"


@pytest.mark.e2e
def test_a_correction_s_values_are_converted_as_a_registration_s(pipeline):
    """Farajaland develop sends the form's values as typed (`gender: "female"`, an ISO
    date, the name joined) to both routes (src/api/events/handler.ts): a fresh install's
    registration profile converts them, for the correction exactly as for the birth."""
    from django.core.management import call_command

    call_command("load_default_mappings", verbosity=0)
    use_system_client(pipeline.opencrvs)
    typed = {"fullName": "Mutale Chisomo Mwale", "dateOfBirth": "2026-11-02", "gender": "female"}
    birth = birth_request("2026B80000011", "B80000011")
    birth["requestFields"].update(typed)
    assert pipeline.register(birth).status_code == 202
    registered = pipeline.wait_for("2026B80000011", Status.CONFIRMED)
    token, record = pipeline.opencrvs.mint_correction()
    body = correction(record.tracking_id)
    body["requestFields"] = {"VID": "4829104756", **typed, "introducerInfoToken": "psut"}
    assert post(pipeline, body, token).status_code == 202

    corrected = wait({"event_id": record.id}, Status.CONFIRMED)

    sent = pipeline.mosip.packets[registered.transaction_id]["fields"]
    update = pipeline.mosip.packets[corrected.transaction_id]["fields"]
    assert sent["gender"] == [{"language": "eng", "value": "Female"}]
    assert {name: update[name] for name in typed} == {name: sent[name] for name in typed}
    assert update["VID"] == "4829104756" and "introducerInfoToken" in update


@pytest.mark.e2e
def test_a_correction_is_shown_in_the_console_as_one(pipeline):
    from integration.roles import Role
    from tests.console.conftest import client_for, make_user

    staff = client_for(make_user("sam", Role.SUPPORT))
    token, record = pipeline.opencrvs.mint_correction()  # no system client: its own token
    assert post(pipeline, correction(record.tracking_id), token).status_code == 202

    submission = wait({"event_id": record.id}, Status.CONFIRMED)
    [accept] = pipeline.opencrvs.accepted
    assert accept.input["requestId"] == record.request_id
    page = staff.get(f"/console/submissions/{submission.pk}/").content.decode()
    assert "Birth correction" in page and record.request_id in page


@pytest.mark.e2e
def test_a_birth_whose_token_expired_while_waiting_is_confirmed_by_the_system_client(pipeline):
    use_system_client(pipeline.opencrvs)
    pipeline.mosip.credential_delay_seconds = 3  # MOSIP takes longer than the token lasts

    pipeline.register(birth_request("2026B80000001", "B80000001"), expires_in=2)

    submission = pipeline.wait_for("2026B80000001", Status.CONFIRMED)
    assert submission.token_expires_at < submission.confirmed_at
    [accept] = pipeline.opencrvs.accepted
    assert accept.procedure == "event.actions.register.accept"
    assert accept.claims["sub"] == SYSTEM_CLIENT[0]
    assert accept.input["declaration"] == {"child.nid": submission.vid}


@pytest.mark.e2e
def test_a_record_in_token_expired_is_confirmed_once_a_system_client_is_set(pipeline):
    from integration.services.sweep import sweep

    pipeline.mosip.credential_delay_seconds = 3
    pipeline.register(birth_request("2026B80000002", "B80000002"), expires_in=2)
    pipeline.wait_for("2026B80000002", Status.TOKEN_EXPIRED)

    use_system_client(pipeline.opencrvs)
    sweep()

    pipeline.wait_for("2026B80000002", Status.CONFIRMED)
    [accept] = pipeline.opencrvs.accepted
    assert accept.claims["sub"] == SYSTEM_CLIENT[0]


@pytest.mark.e2e
def test_an_event_with_no_pending_action_ends_without_a_confirmation(pipeline):
    use_system_client(pipeline.opencrvs)
    pipeline.mosip.credential_delay_seconds = 1
    token, record = pipeline.opencrvs.mint_correction()
    assert post(pipeline, correction(record.tracking_id), token).status_code == 202
    record.settle_elsewhere()  # a registrar settled it in OpenCRVS meanwhile

    submission = wait({"event_id": record.id}, Status.NOTHING_TO_CONFIRM)
    assert "OpenCRVS has no pending action" in submission.last_error
    time.sleep(1.5)  # no retry loop either
    assert pipeline.opencrvs.calls_to(CORRECTION_ACCEPT) == []
    assert len(pipeline.opencrvs.calls_to(GET)) == 1
    assert Submission.objects.get(pk=submission.pk).status == Status.NOTHING_TO_CONFIRM
    assert submission.token == ""


def test_update_biographics_answers_bad_requests_naming_the_field(client, configured, opencrvs):
    token, record = opencrvs.mint_correction()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = correction(record.tracking_id)
    del body["requestFields"]["VID"]
    reply = client.post(URL, body, content_type="application/json", **headers)
    assert reply.status_code == 400 and "VID" in reply.json()["requestFields"]

    body = {**correction(record.tracking_id), "schemaJson": "{not json"}
    reply = client.post(URL, body, content_type="application/json", **headers)
    assert reply.status_code == 400 and "schemaJson" in reply.json()

    assert client.post(URL, correction("x"), content_type="application/json").status_code == 401
    assert Submission.objects.count() == 0 and Attempt.objects.count() == 0
