"""The integration's own OpenCRVS system client: its cached token, the start-up check and
the admin's connection test; and what the 2.x stand-in's auth service and gateway answer."""

import io
import json

import jwt
import pytest
import requests
from django.core.management import call_command

from integration.clients.opencrvs import OpenCrvsClient, pending_action
from integration.clients.opencrvs_auth import OpenCrvsAuth, scope_names
from integration.models import Attempt, MosipSettings, OpenCrvsSettings, Submission
from mocks.opencrvs import SYSTEM_CLIENT, OpenCrvsStandIn

pytestmark = pytest.mark.django_db
WITHOUT_REGISTER = ["type=record.read", "type=record.correct", "type=record.search"]


def use_system_client(opencrvs: OpenCrvsStandIn, client=SYSTEM_CLIENT) -> None:
    config = OpenCrvsSettings.load()
    config.auth_url = opencrvs.url
    config.client_id, config.client_secret = client
    config.save()


def stored(record) -> Submission:
    return Submission.objects.create(
        event_type="birth", tracking_id=record.tracking_id, certificate_number=record.id,
        event_id=record.id, action_id=record.action_id, raw_request={},
    )  # fmt: skip


def client_credentials(opencrvs, client_id, secret) -> requests.Response:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return requests.post(f"{opencrvs.url}/token", data=form, timeout=5)


def test_the_stand_in_auth_service_issues_system_tokens_with_their_scopes(opencrvs):
    reply = client_credentials(opencrvs, *SYSTEM_CLIENT)
    assert reply.status_code == 200 and reply.json()["token_type"] == "Bearer"
    assert "expires_in" not in reply.json()  # as core: the expiry is the JWT's exp
    claims = jwt.decode(reply.json()["access_token"], opencrvs.public_key_pem, ["RS256"],
                        options={"verify_aud": False})  # fmt: skip
    assert {"record.register", "record.read", "record.correct"} <= scope_names(claims)
    assert client_credentials(opencrvs, SYSTEM_CLIENT[0], "wrong").status_code == 401
    assert client_credentials(opencrvs, "", "").status_code == 400


def test_the_system_token_is_cached_until_shortly_before_it_expires(configured, opencrvs):
    use_system_client(opencrvs)
    auth = OpenCrvsAuth()
    first, second = auth.system_token(), OpenCrvsAuth().system_token()
    assert first == second
    assert [r.grant_type for r in opencrvs.token_requests] == ["client_credentials"]
    # A token that would expire within the safety margin is never kept.
    opencrvs.system_token_ttl = 30
    OpenCrvsAuth().forget_system_token()
    OpenCrvsAuth().system_token()
    OpenCrvsAuth().system_token()
    assert len(opencrvs.token_requests) == 3


def test_the_secret_never_reaches_a_url_or_the_call_record(configured, opencrvs):
    use_system_client(opencrvs)
    OpenCrvsAuth().system_token()
    [request] = opencrvs.requests_to("/token")
    assert SYSTEM_CLIENT[1] not in request.query
    [attempt] = Attempt.objects.filter(step="opencrvs_auth")
    assert SYSTEM_CLIENT[1] not in attempt.url + attempt.response_excerpt + attempt.error


def test_a_client_without_record_register_is_reported_at_start_up(configured, opencrvs):
    opencrvs.add_system_client("narrow", "narrow-secret", WITHOUT_REGISTER)
    use_system_client(opencrvs, ("narrow", "narrow-secret"))
    out, err = io.StringIO(), io.StringIO()
    call_command("check", stdout=out, stderr=err)
    report = out.getvalue() + err.getvalue()
    assert "integration.W101" in report
    assert "lacks the scope record.register" in report
    assert "record.read" not in report.split("lacks the scope", 1)[1].split("\n")[0]


def test_a_client_that_cannot_authenticate_is_reported_at_start_up(configured, opencrvs):
    use_system_client(opencrvs, (SYSTEM_CLIENT[0], "not-the-secret"))
    out = io.StringIO()
    call_command("check", stdout=out, stderr=out)
    assert "cannot authenticate" in out.getvalue() and "401" in out.getvalue()


def test_a_good_client_passes_the_start_up_check(configured, opencrvs):
    use_system_client(opencrvs)
    out = io.StringIO()
    call_command("check", stdout=out, stderr=out)
    assert "W101" not in out.getvalue()


def test_the_connection_test_in_the_admin(admin_client, configured, opencrvs):
    opencrvs.add_system_client("narrow", "narrow-secret", WITHOUT_REGISTER)
    use_system_client(opencrvs, ("narrow", "narrow-secret"))
    page = admin_client.get("/admin/integration/opencrvssettings/1/change/").content.decode()
    # One way to test the client: the page's "Test connection" button.
    assert page.count('data-testid="test-connection"') == 1 and "narrow-secret" not in page
    assert "test-system-client" not in page

    shown = press_test_connection(admin_client)
    assert "OpenCRVS: the system client's token lacks the scope record.register." in shown

    use_system_client(opencrvs)
    shown = press_test_connection(admin_client)
    assert any(m.startswith("OpenCRVS: the system client authenticates") for m in shown)


def press_test_connection(client) -> list[str]:
    reply = client.post("/admin/integration/opencrvssettings/test-connection/", follow=True)
    return [str(m) for m in reply.context["messages"]]


def test_the_connection_test_is_for_admins_only(client, configured, opencrvs):
    reply = client.post("/admin/integration/opencrvssettings/test-connection/")
    assert reply.status_code == 302 and "/login" in reply["Location"]
    assert opencrvs.token_requests == []


def test_a_correction_has_a_pending_approval_naming_its_request(configured, opencrvs):
    use_system_client(opencrvs)
    _token, record = opencrvs.mint_correction()
    submission = stored(record)
    event = OpenCrvsClient().get_event(record.id, OpenCrvsAuth().system_token(), submission)
    pending = pending_action(event)
    assert pending["type"] == "APPROVE_CORRECTION" and pending["id"] == record.action_id
    assert pending["requestId"] == record.request_id
    [request] = [a for a in event["actions"] if a["type"] == "REQUEST_CORRECTION"]
    assert request["id"] == record.request_id


def test_the_gateway_takes_only_action_confirmation_tokens(configured, opencrvs):
    """As core: the system token itself cannot accept; exchanged for the action, it can."""
    use_system_client(opencrvs)
    _token, record = opencrvs.mint_correction()
    submission = stored(record)
    client, auth = OpenCrvsClient(), OpenCrvsAuth()
    declaration = {"child.nid": "1234567890"}
    with pytest.raises(Exception, match="Missing required claims"):
        client.accept_correction(submission, declaration, record.request_id,
                                 token=auth.system_token())  # fmt: skip
    token = auth.confirmation_token(record.id, record.action_id, submission)
    with pytest.raises(Exception, match="requestId"):
        client.accept_correction(submission, declaration, "another-request", token=token)
    client.accept_correction(submission, declaration, record.request_id, token=token)
    assert record.status == "accepted" and pending_action(record.document()) is None
    [accepted] = opencrvs.accepted
    assert accepted.input["declaration"] == declaration
    assert accepted.claims["sub"] == SYSTEM_CLIENT[0]


def test_event_get_needs_record_read(configured, opencrvs):
    token = opencrvs.mint_token()  # a 1.9 single-record token: no record.read
    event_id = jwt.decode(token, options={"verify_signature": False})["eventId"]
    query = json.dumps({"0": {"json": {"eventId": event_id}}})
    reply = requests.get(f"{opencrvs.url}/events/event.get", timeout=5,
                         params={"batch": "1", "input": query},
                         headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert reply.status_code == 403


def test_import_reads_the_system_client_and_the_national_id_key(tmp_path):
    env = tmp_path / "mosip-api.env"
    env.write_text(
        "OPENCRVS_AUTH_URL=http://auth:4040\nOPENCRVS_CLIENT_ID=mosip-client\n"
        "OPENCRVS_CLIENT_SECRET=s3cret\nMOSIP_VERIFIABLE_CREDENTIAL_NATIONAL_ID_KEY=UIN\n"
    )
    out = io.StringIO()
    call_command("import_mosip_api_env", env_file=env, stdout=out)
    config = OpenCrvsSettings.load()
    assert (config.auth_url, config.client_id, config.client_secret) == (
        "http://auth:4040", "mosip-client", "s3cret")  # fmt: skip
    assert MosipSettings.load().national_id_key == "UIN"
    assert "s3cret" not in out.getvalue()


def test_a_starting_worker_logs_a_client_without_record_register(configured, opencrvs, caplog):
    from integration.checks import log_opencrvs_problems

    opencrvs.add_system_client("narrow", "narrow-secret", WITHOUT_REGISTER)
    use_system_client(opencrvs, ("narrow", "narrow-secret"))
    with caplog.at_level("WARNING", logger="integration.checks"):
        log_opencrvs_problems()
    [record] = caplog.records
    assert "lacks the scope record.register" in record.getMessage()
    assert "narrow-secret" not in caplog.text
