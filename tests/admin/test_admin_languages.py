"""A French admin reads the settings and trusted-document errors, the connection-test
answers and the breadcrumbs of the settings pages in French; logs and API answers keep
the same errors in English."""

import html
import json
import re
import socket

import pytest
from django.urls import reverse
from django.utils import translation

from integration.clients.http import DestinationRefused, check_destination
from integration.crypto.keystore import KeystoreError, load_pkcs12
from integration.models import MosipSettings, OpenCrvsSettings, TrustedDocument
from integration.models.verification import EsignetSettings, IdaSettings
from tests.fixtures import fixture_path
from tests.support.admin_forms import change_form_data

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}
TRUSTED_ADD = "/admin/integration/trusteddocument/add/"
CONTEXT_URL = "https://example.org/context.json"


def closed_url(path: str = "/") -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


def settings_page(model) -> str:
    return reverse(f"admin:integration_{model._meta.model_name}_change", args=[model.load().pk])


def refused(admin_client, url: str, data: dict, **headers) -> str:
    reply = admin_client.post(url, data, **headers)
    assert reply.status_code == 200, "saved although it should have been refused"
    return reply.content.decode()


def test_a_trusted_document_that_is_not_json_is_refused_in_french(admin_client):
    data = {"url": CONTEXT_URL, "kind": "context", "content": "{not json"}

    page = refused(admin_client, TRUSTED_ADD, data, **FRENCH)
    assert "pas du JSON : Expecting property name" in page
    assert "not JSON" not in page
    page = refused(admin_client, TRUSTED_ADD, data | {"content": "[1, 2]"}, **FRENCH)
    assert "doit être un objet JSON" in page
    page = refused(admin_client, TRUSTED_ADD, data | {"content": "{}"}, **FRENCH)
    assert "un contexte JSON-LD a un membre @context" in page
    key = data | {"kind": "key", "content": json.dumps({"id": "https://other.example/k"})}
    page = refused(admin_client, TRUSTED_ADD, key, **FRENCH)
    assert f"le document définit aucune clé, pas {CONTEXT_URL}" in page
    pem = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"
    page = refused(admin_client, TRUSTED_ADD, data | {"kind": "key", "content": pem}, **FRENCH)
    assert "publicKeyPem n’est ni une clé publique ni un certificat PEM" in page
    assert not TrustedDocument.objects.exists()


def test_an_english_admin_still_reads_english(admin_client):
    data = {"url": CONTEXT_URL, "kind": "context", "content": "[1, 2]"}
    assert "must be a JSON object" in refused(admin_client, TRUSTED_ADD, data)


def test_the_esignet_settings_errors_are_in_french(admin_client):
    page = settings_page(EsignetSettings)
    data = change_form_data(admin_client.get(page))
    data |= {
        "trusted_key_urls": "ftp://example.org/keys.json",
        "client_encryption_key": "not a key",
        "trusted_keys": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
        "userinfo_signed_by": "client_key",
    }

    shown = refused(admin_client, page, data, **FRENCH)
    assert "« ftp://example.org/keys.json » n’est pas une URL http(s)." in shown
    assert "la clé de chiffrement n’est ni en PEM, ni un JWK en JSON, ni un JWK en base64" in shown
    assert "clés épinglées : un bloc PEM est illisible" in shown
    assert "nécessite la clé privée du client ci-dessus" in shown
    shown = refused(admin_client, page, data | {"client_private_jwk": "{}"}, **FRENCH)
    assert "la clé du client n’est pas un JWK privé RSA" in shown


def test_an_ida_certificate_that_is_not_one_is_refused_in_french(admin_client):
    page = settings_page(IdaSettings)
    data = change_form_data(admin_client.get(page)) | {"encryption_certificate": "not a cert"}

    shown = refused(admin_client, page, data, **FRENCH)
    assert "le certificat IDA n’est pas un certificat X.509 en PEM" in shown


def test_a_keystore_with_the_wrong_password_is_refused_in_french(admin_client):
    page = settings_page(MosipSettings)
    data = change_form_data(admin_client.get(page))
    data["credential_keystore_password"] = "wrong"
    with fixture_path("certs", "keystore.p12").open("rb") as keystore:
        shown = refused(admin_client, page, data | {"keystore_upload": keystore}, **FRENCH)
    assert (
        "impossible d’ouvrir le magasin de clés : mot de passe erroné ou fichier autre que "
        "PKCS#12" in shown
    )
    assert not MosipSettings.load().credential_keystore


def test_an_address_the_portal_may_not_call_is_refused_in_french(admin_client, portal_settings):
    portal_settings.OUTBOUND_HOSTS = []
    page = settings_page(OpenCrvsSettings)
    data = change_form_data(admin_client.get(page)) | {"gateway_url": "http://169.254.169.254/"}

    shown = refused(admin_client, page, data, **FRENCH)
    assert (
        "Le portail n’a pas le droit d’appeler cette adresse : l’adresse 169.254.169.254 "
        "n’est jamais un système distant." in shown
    )


def test_the_same_error_stays_english_in_logs_and_api_answers():
    # What OpenCRVS and MOSIP read (an API answer) and the logs keep the English words,
    # whatever language the request that met the error was in.
    with translation.override("fr"), pytest.raises(KeystoreError) as raised:
        load_pkcs12(b"not a keystore", "password")
    assert str(raised.value) == "cannot open keystore: wrong password or not a PKCS#12 file"
    with translation.override("fr"):
        assert raised.value.for_staff().startswith("impossible d’ouvrir le magasin de clés")
    with translation.override("fr"), pytest.raises(DestinationRefused) as refusal:
        check_destination("http://169.254.169.254/latest", "MOSIP auth")
    assert "the address 169.254.169.254 is never a remote system" in str(refusal.value)


def test_an_empty_custom_id_schema_is_refused_in_french(admin_client):
    page = settings_page(MosipSettings)
    data = change_form_data(admin_client.get(page))
    data |= {"id_schema_source": "custom", "id_schema": "{}"}

    shown = refused(admin_client, page, data, **FRENCH)
    assert (
        "Aucun schéma d’identité n’est en vigueur : collez le schéma d’identité de votre "
        "MOSIP, ou utilisez celui de mosip-api." in shown
    )


def test_the_connection_test_answers_in_french(admin_client):
    config = OpenCrvsSettings.load()
    config.auth_url, config.client_id, config.client_secret = closed_url(), "c", "s"
    config.save()
    url = reverse("admin:integration_opencrvssettings_test_connection")
    reply = admin_client.post(url, follow=True, **FRENCH)
    shown = [str(message) for message in reply.context["messages"]]
    assert "Clé publique OpenCRVS : aucune URL n’est renseignée." in shown
    assert any(
        m.startswith("OpenCRVS : le client système ne peut pas s’authentifier : ") for m in shown
    )

    url = reverse("admin:integration_esignetsettings_test_connection")
    reply = admin_client.post(url, follow=True, **FRENCH)
    shown = [str(message) for message in reply.context["messages"]]
    assert "Point d’accès des jetons E-Signet : aucune URL n’est renseignée." in shown


def breadcrumbs(page: str) -> str:
    [trail] = re.findall(r'<div class="breadcrumbs">(.*?)</div>', page, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", trail)).split())


@pytest.mark.parametrize(
    ("model", "name"),
    [(OpenCrvsSettings, "Paramètres OpenCRVS"), (MosipSettings, "Paramètres MOSIP")],
)
def test_a_settings_page_names_itself_once_in_its_breadcrumbs(admin_client, model, name):
    page = settings_page(model)
    trail = breadcrumbs(admin_client.get(page, **FRENCH).content.decode())
    assert trail.endswith(f"› {name}") and trail.count(name) == 1, trail

    history = admin_client.get(page.replace("/change/", "/history/"), **FRENCH).content.decode()
    trail = breadcrumbs(history)
    assert trail.endswith(f"› {name} › Historique") and trail.count(name) == 1, trail
    assert f'<a href="{page}">{name}</a>' in history
