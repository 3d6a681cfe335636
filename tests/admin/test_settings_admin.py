"""Integration admins edit settings in the Django admin; secrets never come back."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from integration.mapping.schemas import shipped_id_schema
from integration.models import MosipSettings, OpenCrvsSettings
from tests.fixtures import fixture_path, load_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_page(admin_client):
    MosipSettings.load()
    return admin_client


def test_secrets_are_masked_on_the_settings_page(admin_page):
    config = MosipSettings.load()
    config.packet_client_secret = "super-secret-value"
    config.save()

    page = admin_page.get("/admin/integration/mosipsettings/1/change/").content.decode()

    assert "super-secret-value" not in page
    assert "••••••ue" in page


def test_a_blank_secret_keeps_the_stored_one_and_a_new_one_replaces_it(admin_page):
    config = MosipSettings.load()
    config.packet_client_secret = "keep-me-please"
    config.save()
    form = admin_page.get("/admin/integration/mosipsettings/1/change/").context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, bytes)}
    data.update(
        packet_client_secret="",
        id_schema="{}",
        verification_method_allowlist="[]",
        verify_credential_proof="on",
    )

    response = admin_page.post("/admin/integration/mosipsettings/1/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert MosipSettings.load().packet_client_secret == "keep-me-please"

    data["packet_client_secret"] = "brand-new-secret"
    admin_page.post("/admin/integration/mosipsettings/1/change/", data)
    assert MosipSettings.load().packet_client_secret == "brand-new-secret"


def test_a_keystore_with_the_wrong_password_is_refused_with_a_clear_error(admin_page):
    form = admin_page.get("/admin/integration/mosipsettings/1/change/").context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, bytes)}
    data.update(
        id_schema="{}", verification_method_allowlist="[]", credential_keystore_password="wrong"
    )
    with fixture_path("certs", "keystore.p12").open("rb") as keystore:
        data["keystore_upload"] = keystore
        response = admin_page.post("/admin/integration/mosipsettings/1/change/", data)

    assert response.status_code == 200
    assert "keystore" in str(response.context["adminform"].form.errors).lower()
    assert not MosipSettings.load().credential_keystore


def test_secrets_are_encrypted_in_the_database():
    config = MosipSettings.load()
    config.websub_secret = "plain-websub-secret"
    config.credential_keystore = fixture_path("certs", "keystore.p12").read_bytes()
    config.save()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT websub_secret, credential_keystore FROM integration_mosipsettings")
        [(secret, keystore)] = cursor.fetchall()
    assert "plain-websub-secret" not in secret
    assert MosipSettings.load().credential_keystore == config.credential_keystore


def test_import_mosip_api_env_fills_the_settings(tmp_path, monkeypatch):
    env_file = tmp_path / "mosip-api.env"
    env_file.write_text(
        "\n".join(
            [
                "MOSIP_AUTH_URL=http://mosip.example/v1/authmanager/authenticate/clientidsecretkey",
                "MOSIP_PACKET_AUTH_CLIENT_ID=regproc",
                "MOSIP_PACKET_AUTH_CLIENT_SECRET='s3cret-value'",
                "MOSIP_CREATE_PACKET_URL=http://mosip.example/commons/v1/packetmanager/createPacket",
                "MOSIP_WEBSUB_SECRET=hub-secret",
                "MOSIP_VERIFIABLE_CREDENTIAL_ALLOWLIST=http://a/key.json, http://b/key.json",
                f"DECRYPT_P12_FILE_PATH={fixture_path('certs', 'keystore.p12')}",
                "DECRYPT_P12_FILE_PASSWORD=mosip123",
                "OPENCRVS_GATEWAY_URL=http://gateway:7070",
                "OPENCRVS_PUBLIC_KEY_URL=http://auth:4040/.well-known",
            ]
        )
    )
    out = io.StringIO()

    call_command("import_mosip_api_env", env_file=env_file, stdout=out)

    mosip, opencrvs = MosipSettings.load(), OpenCrvsSettings.load()
    assert mosip.packet_client_id == "regproc"
    assert mosip.packet_client_secret == "s3cret-value"
    assert mosip.websub_secret == "hub-secret"
    assert mosip.verification_method_allowlist == ["http://a/key.json", "http://b/key.json"]
    assert mosip.credential_keystore.startswith(b"0")  # DER of the PKCS#12
    assert opencrvs.gateway_url == "http://gateway:7070"
    assert "s3cret-value" not in out.getvalue()  # names only, never values
    # mosip-api's variables carry no ID schema: the one mosip-api sends is in force.
    assert mosip.id_schema_in_force() == shipped_id_schema()
    assert "mosip-api's ID schema" in out.getvalue()


def test_import_refuses_a_keystore_with_the_wrong_password(tmp_path):
    env_file = tmp_path / "mosip-api.env"
    env_file.write_text(
        f"DECRYPT_P12_FILE_PATH={fixture_path('certs', 'keystore.p12')}\n"
        "DECRYPT_P12_FILE_PASSWORD=wrong\n"
    )
    with pytest.raises(CommandError, match="DECRYPT_P12_FILE_PASSWORD"):
        call_command("import_mosip_api_env", env_file=env_file)


def test_subscribe_command_needs_the_hub_configured():
    with pytest.raises(CommandError, match="hub URL"):
        call_command("subscribe_websub")


def test_subscribe_command_subscribes_at_the_hub(configured, mosip):
    out = io.StringIO()
    call_command("subscribe_websub", "--timeout", "0", stdout=out)  # nothing serves the callback
    assert "subscribe" in out.getvalue() and "Not waiting" in out.getvalue()
    credential, workflow = mosip.hub.attempts  # the workflow manager's topic beside it
    assert credential.callback == "http://127.0.0.1:1/websub/callback"
    assert (workflow.topic, workflow.callback) == (
        "REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT",
        "http://127.0.0.1:1/websub/callback/workflow",
    )
    assert len(mosip.requests_to("/websub/hub")) == 2


def test_the_submission_admin_never_shows_the_token(admin_client, configured, opencrvs):
    from integration.models import Submission
    from tests.fixtures import birth_request

    token = opencrvs.mint_token()
    submission = Submission.objects.create(
        event_type="birth",
        tracking_id="B1",
        certificate_number="C1",
        raw_request=birth_request("C1", "B1"),
        token=token,
    )
    page = admin_client.get(f"/admin/integration/submission/{submission.pk}/change/")
    assert page.status_code == 200
    assert token not in page.content.decode()
    listing = admin_client.get("/admin/integration/submission/?q=B1")
    assert "C1" in listing.content.decode()


def settings_form_data(admin_page) -> dict:
    form = admin_page.get("/admin/integration/mosipsettings/1/change/").context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, bytes)}
    data.update(id_schema="{}", verification_method_allowlist="[]", verify_credential_proof="on")
    return data


def test_a_new_install_has_mosip_apis_id_schema_in_force_and_the_admin_says_so(admin_page):
    # The very schema mosip-api compiles in and sends (captured on the wire).
    captured = load_json("wire", "put_commons_v1_packetmanager_createPacket.json")

    assert shipped_id_schema() == json.loads(captured["request"]["body"]["request"]["schemaJson"])
    assert MosipSettings.load().id_schema_in_force() == shipped_id_schema()

    page = admin_page.get("/admin/integration/mosipsettings/1/change/").content.decode()

    assert "mosip-api&#x27;s ID schema (shipped with the portal): Tonga identity" in page
    assert "required IDSchemaVersion, fullName, dateOfBirth, gender, addressLine1" in page


def test_a_custom_schema_can_be_put_in_force_but_never_an_empty_one(admin_page):
    data = {**settings_form_data(admin_page), "id_schema_source": "custom"}

    refused = admin_page.post("/admin/integration/mosipsettings/1/change/", data)

    assert refused.status_code == 200
    assert "No ID schema is in force" in str(refused.context["adminform"].form.errors)
    assert MosipSettings.load().id_schema_source == "mosip-api"

    custom = {"title": "Our identity", "properties": {"identity": {"properties": {"a": {}}}}}

    data["id_schema"] = json.dumps(custom)
    assert admin_page.post("/admin/integration/mosipsettings/1/change/", data).status_code == 302
    assert MosipSettings.load().id_schema_in_force() == custom
    page = admin_page.get("/admin/integration/mosipsettings/1/change/").content.decode()
    assert "The custom ID schema below: Our identity: 1 fields" in page


SINGLETONS = ["mosipsettings", "opencrvssettings", "idasettings", "esignetsettings"]


@pytest.mark.parametrize("model", [*SINGLETONS, "retentionpolicy"])
def test_each_settings_page_opens_as_its_form_with_nothing_to_add(admin_client, model):
    # A fresh install: no row yet. The admin's home links to the form, never to "Add".
    home = admin_client.get("/admin/").content.decode()
    assert f"/admin/integration/{model}/add/" not in home
    opened = admin_client.get(f"/admin/integration/{model}/", follow=True)
    assert opened.redirect_chain == [(f"/admin/integration/{model}/1/change/", 302)]
    assert opened.context["adminform"].form.instance.pk == 1
    assert admin_client.get(f"/admin/integration/{model}/add/").status_code == 403
