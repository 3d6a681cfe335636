"""The settings pages open as their form and test their connection: one harmless call to
each system, over real HTTP to the stand-ins, answered plainly, secrets never shown."""

import socket
from collections.abc import Iterator

import pytest
from django.urls import reverse

from demo.stand_ins import DEMO_SECRET
from demo.verification import configure_demo
from integration.models import MosipSettings, OpenCrvsSettings
from integration.models.verification import EsignetSettings, IdaSettings
from integration.services.connection_checks import TEST_INDIVIDUAL_ID
from mocks import esignet, ida
from mocks.esignet import EsignetStandIn
from mocks.ida import IdaStandIn

pytestmark = pytest.mark.django_db


def closed_url(path: str = "/") -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


def test_connection(admin_client, model: str) -> str:
    reply = admin_client.post(reverse(f"admin:integration_{model}_test_connection"), follow=True)
    assert reply.redirect_chain[-1][0].endswith("/change/")
    return reply.content.decode()


test_connection.__test__ = False  # a helper, not a test


@pytest.fixture
def mosip_settings(mosip) -> MosipSettings:
    config = MosipSettings.load()
    config.auth_url = f"{mosip.url}/v1/authmanager/authenticate/clientidsecretkey"
    config.packet_client_id = "mosip-regproc-client"
    config.packet_client_secret = DEMO_SECRET
    config.websub_hub_url = f"{mosip.url}/websub/hub"
    config.save()
    return config


@pytest.mark.parametrize("model", ["mosipsettings", "opencrvssettings", "idasettings"])
def test_a_settings_page_opens_as_its_form_with_a_test_button(admin_client, model):
    page = admin_client.get(reverse(f"admin:integration_{model}_changelist"), follow=True)
    assert page.redirect_chain[-1][0].endswith("/change/")
    assert 'data-testid="test-connection"' in page.content.decode()
    assert "Test connection" in page.content.decode()


def test_mosip_auth_and_the_websub_hub_answer(admin_client, mosip, mosip_settings):
    page = test_connection(admin_client, "mosipsettings")
    assert "MOSIP auth accepted the packet client “mosip-regproc-client”" in page
    assert f"WebSub hub answers at {mosip.url}" in page
    assert DEMO_SECRET not in page
    assert mosip.auth_clients == ["mosip-regproc-client"]  # a real sign-in happened


def test_a_wrong_mosip_secret_is_said_plainly_and_never_shown(admin_client, mosip, mosip_settings):
    mosip_settings.packet_client_secret = "a-typo-in-the-secret-42"
    mosip_settings.save()
    page = test_connection(admin_client, "mosipsettings")
    assert "MOSIP auth refused:" in page
    assert "a-typo-in-the-secret-42" not in page
    assert 'class="error"' in page


def test_mosip_down_is_said_plainly(admin_client, mosip, mosip_settings):
    mosip.controls.down = True
    page = test_connection(admin_client, "mosipsettings")
    assert "MOSIP auth refused:" in page and "503" in page
    assert f"WebSub hub at {mosip.url} is unavailable (HTTP 503)." in page


def test_an_unreachable_mosip_is_said_plainly(admin_client, mosip_settings):
    mosip_settings.auth_url = closed_url("/v1/authmanager/authenticate/clientidsecretkey")
    mosip_settings.websub_hub_url = closed_url("/websub/hub")
    mosip_settings.save()
    page = test_connection(admin_client, "mosipsettings")
    assert "MOSIP auth refused:" in page
    assert "WebSub hub: not reachable:" in page


def test_the_opencrvs_public_key_is_fetched(admin_client, opencrvs):
    config = OpenCrvsSettings.load()
    config.public_key_url = f"{opencrvs.url}/.well-known"
    config.save()
    page = test_connection(admin_client, "opencrvssettings")
    assert "OpenCRVS public key fetched: a PEM public key, as expected." in page


@pytest.mark.parametrize(
    ("path", "words"),
    [("/no-such-key", "OpenCRVS public key: "), ("/_control", "not a PEM public key")],
)
def test_a_wrong_opencrvs_key_url_is_said_plainly(admin_client, opencrvs, path, words):
    config = OpenCrvsSettings.load()
    config.public_key_url = f"{opencrvs.url}{path}"
    config.save()
    page = test_connection(admin_client, "opencrvssettings")
    assert words in page and "fetched" not in page


@pytest.fixture
def ida_server() -> Iterator[IdaStandIn]:
    with IdaStandIn() as server:
        yield server


def messages_of(admin_client, model: str, **headers) -> list[tuple[str, str]]:
    """(level, sentence) of each message the test shows."""
    url = reverse(f"admin:integration_{model}_test_connection")
    reply = admin_client.post(url, follow=True, **headers)
    return [(m.level_tag, str(m)) for m in reply.context["messages"]]


FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}


@pytest.fixture
def ida_demo(ida_server) -> IdaSettings:
    configure_demo(ida_server.url, closed_url())
    return IdaSettings.load()


def test_ida_answers_for_the_test_individual_when_set_up_right(admin_client, ida_server, ida_demo):
    [(level, said)] = messages_of(admin_client, "idasettings")
    assert level == "success"
    assert "accepted the partner, licence key, signature and encryption" in said
    assert "IDA-MLC-018" in said
    # the whole request was checked (signature, decryption) before the person was looked up
    [sent] = ida_server.authentications
    assert sent["body"]["individualId"] == TEST_INDIVIDUAL_ID
    assert [e["errorCode"] for e in sent["errors"]] == ["IDA-MLC-018"]
    assert ida.DEMO_MISP_LICENSE_KEY not in said and ida.DEMO_API_KEY not in said


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("auth_url", "/idauthentication/v1/otp", "nothing answers at this path"),
        ("misp_license_key", "a-wrong-licence-key-42", "IDA refuses the MISP licence key"),
        ("partner_id", "someone-else", "IDA refuses the partner id"),
        ("partner_api_key", "a-wrong-api-key-42", "IDA refuses the partner API key"),
    ],
)
def test_a_wrong_ida_setting_is_red_and_named(
    admin_client, ida_server, ida_demo, field, value, words
):
    setattr(ida_demo, field, ida_server.url + value if field == "auth_url" else value)
    ida_demo.save()
    [(level, said)] = messages_of(admin_client, "idasettings")
    assert level == "error" and words in said
    assert "a-wrong" not in said  # keys never shown back


def test_a_wrong_ida_licence_key_is_said_in_french(admin_client, ida_server, ida_demo):
    ida_demo.misp_license_key = "a-wrong-licence-key-42"
    ida_demo.save()
    [(level, said)] = messages_of(admin_client, "idasettings", **FRENCH)
    assert level == "error"
    assert said.startswith("IDA refuse la clé de licence MISP")
    assert "IDA-MPA-007" in said  # IDA's own words, quoted as they came


def test_an_unreachable_or_half_set_ida_is_red(admin_client, ida_demo):
    ida_demo.auth_url = closed_url(ida.AUTH_PATH)
    ida_demo.save()
    [(level, said)] = messages_of(admin_client, "idasettings")
    assert level == "error" and "no connection to" in said
    ida_demo.partner_api_key = ""
    ida_demo.save()
    [(level, said)] = messages_of(admin_client, "idasettings")
    assert level == "error" and "cannot be tested until these are set: partner API key" in said


@pytest.fixture
def esignet_server() -> Iterator[EsignetStandIn]:
    with EsignetStandIn() as server:
        yield server


@pytest.fixture
def esignet_demo(esignet_server) -> EsignetSettings:
    configure_demo(closed_url(), esignet_server.url)
    return EsignetSettings.load()


def test_esignet_discovery_keys_token_endpoint_and_client_when_set_up_right(
    admin_client, esignet_server, esignet_demo
):
    said = messages_of(admin_client, "esignetsettings")
    assert [level for level, _ in said] == ["success"] * 4, said
    text = " ".join(sentence for _, sentence in said)
    assert "the issuer and the token endpoint match the settings" in text
    assert "key(s) published." in text and "E-Signet JWKS: 0 key" not in text
    assert "refused a made-up code with “invalid_grant”" in text
    assert f"E-Signet knows the client id “{esignet.DEMO_CLIENT_ID}”" in text
    # the made-up assertion was refused by the client's own check, nothing was issued
    assert esignet_server.token_errors[-2:] == ["invalid_grant", "invalid_client"]
    assert esignet_server.tokens == {}


def test_a_wrong_esignet_token_path_is_red(admin_client, esignet_server, esignet_demo):
    esignet_demo.token_url = esignet_server.url + "/v1/esignet/oauth/token-typo"
    esignet_demo.save()
    said = messages_of(admin_client, "esignetsettings")
    errors = [sentence for level, sentence in said if level == "error"]
    assert any("publishes the token endpoint" in s for s in errors), said
    assert any("nothing answers at this path" in s for s in errors), said


def test_a_wrong_esignet_client_id_is_red(admin_client, esignet_server, esignet_demo):
    esignet_demo.client_id = "not-registered"
    esignet_demo.save()
    said = messages_of(admin_client, "esignetsettings")
    assert ("error", "E-Signet does not know the client id “not-registered”.") in said
    french = messages_of(admin_client, "esignetsettings", **FRENCH)
    assert ("error", "E-Signet ne connaît pas l’identifiant client « not-registered ».") in french


def test_esignet_unreachable_is_red(admin_client):
    configure_demo(closed_url(), closed_url())
    said = messages_of(admin_client, "esignetsettings")  # no stand-in behind the URLs
    assert [level for level, _ in said] == ["error", "error", "error", "warning"], said
    assert "no OpenID configuration at" in said[0][1]
    assert "no connection to" in said[2][1]
    assert "not checked" in said[3][1]


def test_nothing_set_is_said_plainly(admin_client):
    assert "IDA: no URL is set." in test_connection(admin_client, "idasettings")


def test_a_url_is_shown_once_on_a_settings_page(admin_client):
    config = OpenCrvsSettings.load()
    config.public_key_url = "http://127.0.0.1:7070/.well-known/once"
    config.save()
    page = admin_client.get(reverse("admin:integration_opencrvssettings_changelist"), follow=True)
    assert page.content.decode().count("/.well-known/once") == 1
    assert "Currently:" not in page.content.decode()


def test_opencrvs_esignet_mock_without_discovery_is_a_warning_not_red(admin_client):
    configure_demo(closed_url(), closed_url())
    config = EsignetSettings.load()
    config.userinfo_signed_by = "client_key"
    config.save()
    said = messages_of(admin_client, "esignetsettings")
    assert said[0][0] == "warning" and "OpenCRVS's E-Signet mock" in said[0][1]


def another_certificate() -> str:
    """A certificate IDA never issued: the request is encrypted for the wrong key."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "not IDA")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_a_wrong_ida_certificate_or_keystore_password_is_red_and_named(
    admin_client, ida_server, ida_demo
):
    ida_demo.encryption_certificate = another_certificate()
    ida_demo.save()
    [(level, said)] = messages_of(admin_client, "idasettings")
    assert level == "error" and "IDA cannot decrypt the request" in said
    assert "IDA-MPA-003" in said

    configure_demo(ida_server.url, closed_url())
    config = IdaSettings.load()
    config.signing_keystore_password = "not-the-password-42"
    config.save()
    [(level, said)] = messages_of(admin_client, "idasettings")
    assert level == "error" and "cannot be signed or encrypted with these settings" in said
    assert "not-the-password-42" not in said
