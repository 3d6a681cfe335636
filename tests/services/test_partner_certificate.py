"""A partner keystore that cannot decrypt what MOSIP sends is refused on save, in English
and French, where the latest credential MOSIP delivered tells which certificate it
encrypts for; rotations with overlap still go through."""

import pytest

from demo.stand_ins import DEMO_WEBSUB_SECRET
from integration.models import MosipSettings
from tests.services.test_key_rotation import (
    CHANGE_PAGE,
    _upload,
    credential_body,
    new_keystore,
    post_credential,
    save_mosip_form,
    waiting_for,
)
from tests.support.admin_forms import change_form_data

pytestmark = pytest.mark.django_db


def refused_save(admin_client, language="en", **changes) -> str:
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    data = change_form_data(admin_client.get(CHANGE_PAGE, **headers))
    data.update(changes)
    reply = admin_client.post(CHANGE_PAGE, data, **headers)
    assert reply.status_code == 200, "saved"
    form = reply.context["adminform"].form
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def test_a_keystore_for_another_certificate_than_mosip_encrypts_for_is_refused(
    admin_client, configured, mosip, client
):
    # MOSIP encrypts for the partner certificate it holds: the demo keystore's.
    waiting_for("100017000000030", "2027P1")
    body = credential_body(mosip, "100017000000030", mosip.partner_cert)
    assert post_credential(client, body, DEMO_WEBSUB_SECRET).status_code == 200
    before = bytes(MosipSettings.load().credential_keystore)

    # A keystore rotation keeps the previous keystore, which still reads MOSIP's: saved.
    wrong, _cert = new_keystore("pw-new")
    config = save_mosip_form(
        admin_client, keystore_upload=_upload(wrong), credential_keystore_password="pw-new"
    )
    assert bytes(config.previous_credential_keystore) == before
    # Removing the previous one while MOSIP still encrypts for it would lose every
    # credential to come: refused, in the admin's language.
    english = refused_save(admin_client, forget_previous_keystore="on")
    assert "MOSIP encrypts credentials for another certificate" in english
    french = refused_save(admin_client, "fr", forget_previous_keystore="on")
    assert "MOSIP chiffre les attestations pour un autre certificat" in french
    assert MosipSettings.load().previous_credential_keystore  # nothing was saved

    # Uploading yet another wrong keystore on top: neither it nor the one it replaces
    # (the wrong one above) holds MOSIP's certificate.
    other, _ = new_keystore("pw-other")
    error = refused_save(
        admin_client, keystore_upload=_upload(other), credential_keystore_password="pw-other"
    )
    assert "Upload the keystore whose certificate is registered for the partner" in error
    assert bytes(MosipSettings.load().credential_keystore) == bytes(config.credential_keystore)


def test_a_refused_credential_tells_which_keystore_fixes_it(
    admin_client, configured, mosip, client
):
    right, cert = new_keystore("right-pw")  # the certificate MOSIP holds for the partner
    waiting_for("100017000000031", "2027P2")
    body = credential_body(mosip, "100017000000031", cert)
    assert post_credential(client, body, DEMO_WEBSUB_SECRET).status_code == 503  # kept

    wrong, _ = new_keystore("pw")
    error = refused_save(
        admin_client, keystore_upload=_upload(wrong), credential_keystore_password="pw"
    )
    assert "another certificate" in error
    config = save_mosip_form(
        admin_client, keystore_upload=_upload(right), credential_keystore_password="right-pw"
    )
    assert config.credential_keystore_password == "right-pw"


def test_without_a_delivery_nothing_can_be_checked_and_the_keystore_is_saved(
    admin_client, configured
):
    keystore, _ = new_keystore("pw")
    config = save_mosip_form(
        admin_client, keystore_upload=_upload(keystore), credential_keystore_password="pw"
    )
    assert bytes(config.credential_keystore) == keystore
