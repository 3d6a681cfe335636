"""The settings pages open as their form and test their connection: one harmless call to
each system, over real HTTP to the stand-ins, answered plainly, secrets never shown."""

import socket
from collections.abc import Iterator

import pytest
from django.urls import reverse

from integration.demo import DEMO_SECRET
from integration.models import MosipSettings, OpenCrvsSettings
from integration.models.verification import EsignetSettings, IdaSettings
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


def test_ida_reachability(admin_client, ida_server):
    config = IdaSettings.load()
    config.auth_url = ida_server.url + ida.AUTH_PATH
    config.partner_api_key = "partner-api-key-never-shown"
    config.save()
    page = test_connection(admin_client, "idasettings")
    assert f"IDA answers at {ida_server.url}" in page
    assert "partner-api-key-never-shown" not in page
    config.auth_url = closed_url(ida.AUTH_PATH)
    config.save()
    assert "IDA: not reachable:" in test_connection(admin_client, "idasettings")


def test_esignet_keys_and_token_endpoint(admin_client):
    with EsignetStandIn() as server:
        config = EsignetSettings.load()
        config.jwks_url = server.url + esignet.JWKS_PATH
        config.token_url = server.url + esignet.TOKEN_PATH
        config.save()
        page = test_connection(admin_client, "esignetsettings")
        assert "key(s) published." in page and "E-Signet JWKS: 0 key" not in page
        assert f"E-Signet token endpoint answers at {server.url}" in page
    page = test_connection(admin_client, "esignetsettings")  # the stand-in is gone
    assert "E-Signet JWKS:" in page and "E-Signet token endpoint: not reachable:" in page


def test_nothing_set_is_said_plainly(admin_client):
    assert "IDA: no URL is set." in test_connection(admin_client, "idasettings")


def test_a_url_is_shown_once_on_a_settings_page(admin_client):
    config = OpenCrvsSettings.load()
    config.public_key_url = "http://127.0.0.1:7070/.well-known/once"
    config.save()
    page = admin_client.get(reverse("admin:integration_opencrvssettings_changelist"), follow=True)
    assert page.content.decode().count("/.well-known/once") == 1
    assert "Currently:" not in page.content.decode()
