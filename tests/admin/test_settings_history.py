"""A stored secret is only ever sent where it went when it was entered; settings URLs
must be addresses the operator allows; every settings change is kept in a history that
never holds a value."""

import pytest

from integration.models import MosipSettings, OpenCrvsSettings, SettingsChange
from tests.support.admin_forms import change_form_data

MOSIP_PAGE = "/admin/integration/mosipsettings/1/change/"
OPENCRVS_PAGE = "/admin/integration/opencrvssettings/1/change/"
MOSIP_SECRETS = ("packet_client_secret", "websub_client_secret", "websub_secret",
                 "credential_keystore_password")  # fmt: skip


@pytest.fixture
def mosip_settings(db):
    config = MosipSettings.load()
    config.auth_url = "http://mosip.internal:8080/v1/authmanager/authenticate/clientidsecretkey"
    config.packet_client_secret = "the-stored-secret"
    config.save()
    return config


def as_browser_sends(admin_client, page: str, secrets=MOSIP_SECRETS) -> dict:
    """The form as a browser submits it: secret fields are never filled in."""
    data = change_form_data(admin_client.get(page))
    data.update({name: "" for name in secrets})
    return data


def test_pointing_the_auth_url_elsewhere_needs_the_secrets_again(admin_client, mosip_settings):
    data = as_browser_sends(admin_client, MOSIP_PAGE)
    data["auth_url"] = "http://attacker.example:8080/collect"

    response = admin_client.post(MOSIP_PAGE, data)
    assert response.status_code == 200  # the form again, with the error
    errors = response.context["adminform"].form.errors
    assert "enter this secret again" in errors["packet_client_secret"][0]
    assert MosipSettings.load().auth_url.startswith("http://mosip.internal")

    data["packet_client_secret"] = "typed-again"
    assert admin_client.post(MOSIP_PAGE, data).status_code == 302
    config = MosipSettings.load()
    assert config.auth_url == "http://attacker.example:8080/collect"
    assert config.packet_client_secret == "typed-again"


def test_a_new_port_is_another_host(admin_client, mosip_settings):
    data = as_browser_sends(admin_client, MOSIP_PAGE)
    data["auth_url"] = data["auth_url"].replace(":8080", ":9999")
    assert admin_client.post(MOSIP_PAGE, data).status_code == 200


def test_a_new_path_on_the_same_host_keeps_the_stored_secret(admin_client, mosip_settings):
    data = as_browser_sends(admin_client, MOSIP_PAGE)
    data["auth_url"] = "http://mosip.internal:8080/v2/authenticate"
    assert admin_client.post(MOSIP_PAGE, data).status_code == 302
    assert MosipSettings.load().packet_client_secret == "the-stored-secret"


def test_opencrvs_webhooks_url_elsewhere_needs_both_secrets(admin_client, db):
    config = OpenCrvsSettings.load()
    config.webhooks_url = "http://gateway:7070"
    config.client_secret, config.webhook_secret = "client-s", "hook-s"
    config.save()
    data = as_browser_sends(admin_client, OPENCRVS_PAGE, ("client_secret", "webhook_secret"))
    data["webhooks_url"] = "http://elsewhere.example:7070"
    errors = admin_client.post(OPENCRVS_PAGE, data).context["adminform"].form.errors
    assert set(errors) == {"client_secret", "webhook_secret"}


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "http://0.0.0.0:8080/x"]
)
def test_a_settings_url_may_not_reach_addresses_that_are_never_a_remote_system(
    admin_client, mosip_settings, url
):
    data = as_browser_sends(admin_client, MOSIP_PAGE)
    data["create_packet_url"] = url
    response = admin_client.post(MOSIP_PAGE, data)
    assert "may not call this address" in response.context["adminform"].form.errors[
        "create_packet_url"][0]  # fmt: skip


def test_the_operator_allowlist_limits_settings_urls(admin_client, mosip_settings, portal_settings):
    portal_settings.OUTBOUND_HOSTS = ["mosip.internal:8080"]
    data = as_browser_sends(admin_client, MOSIP_PAGE)
    data["process_url"] = "http://somewhere-else.example:8080/workflow"
    errors = admin_client.post(MOSIP_PAGE, data).context["adminform"].form.errors
    assert "not in PORTAL_OUTBOUND_HOSTS" in errors["process_url"][0]


def test_settings_changes_are_kept_without_values(admin_client, admin_user, mosip_settings):
    data = as_browser_sends(admin_client, MOSIP_PAGE)
    data["center_id"] = "20002"
    data["websub_secret"] = "a-new-websub-secret"
    assert admin_client.post(MOSIP_PAGE, data).status_code == 302

    change = SettingsChange.objects.get()
    assert change.settings_name == "MOSIP settings" and change.changed_by == admin_user
    assert change.fields == ["center id", "WebSub secret"]
    assert "a-new-websub-secret" not in str(change.__dict__) and "20002" not in str(change.fields)

    assert admin_client.post(MOSIP_PAGE, data | {"websub_secret": ""}).status_code == 302
    assert SettingsChange.objects.count() == 1  # nothing changed: nothing recorded

    history = admin_client.get("/admin/integration/settingschange/").content.decode()
    assert "center id, WebSub secret" in history and "a-new-websub-secret" not in history


def test_a_french_admin_reads_french_labels_and_the_history_stays_english(
    admin_client, mosip_settings
):
    page = admin_client.get(MOSIP_PAGE, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    # Field labels, help texts and the sections, in French.
    assert "URL d’authentification" in page and "Gestionnaire d’authentification" in page
    assert "Suivi de 10 chiffres aléatoires ; devient l’id d’enregistrement MOSIP." in page
    assert "Laissez vide pour le conserver." in page
    assert "Paramètres MOSIP" in page
    data = as_browser_sends(admin_client, MOSIP_PAGE)
    data["center_id"] = "20002"
    saved = admin_client.post(MOSIP_PAGE, data, HTTP_ACCEPT_LANGUAGE="fr")
    assert saved.status_code == 302
    # The history reads the same for everyone, as the audit log does.
    change = SettingsChange.objects.get()
    assert (change.settings_name, change.fields) == ("MOSIP settings", ["center id"])


def test_the_mapping_rows_are_labelled_in_french(admin_client, db):
    from integration.mapping.exchange import load_defaults

    profile = load_defaults()[0]
    url = f"/admin/integration/mappingprofile/{profile.pk}/change/"
    page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Chemin source" in page and "Champ MOSIP" in page and "Valeur par défaut" in page
    assert "Faire correspondre les valeurs" in page  # a transform's label
    assert "Modification de profil de correspondance" in page  # the page's title
