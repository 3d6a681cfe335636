"""Rotation with overlap: a new MOSIP partner keystore, WebSub secret or metrics token is
put in force without losing what was made for the old one while the switch went through
(docs/runbook/key-rotation.md)."""

import datetime
import hashlib
import hmac
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from cryptography.x509.oid import NameOID
from django.utils import timezone

from demo.stand_ins import DEMO_WEBSUB_SECRET
from integration.models import (
    EventType,
    InboundEvent,
    InboundOutcome,
    MosipSettings,
    Status,
    Submission,
    TransactionId,
)
from mocks import mosip_crypto, mosip_issuer
from tests.support.admin_forms import change_form_data

pytestmark = pytest.mark.django_db
CHANGE_PAGE = "/admin/integration/mosipsettings/1/change/"


def new_keystore(password: str) -> tuple[bytes, x509.Certificate]:
    """A partner keystore as an operator makes one for MOSIP: RSA key and its certificate."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "portal-partner-2027")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        b"partner", key, cert, None, BestAvailableEncryption(password.encode())
    )
    return data, cert


def waiting_for(transaction_id: str, number: str) -> Submission:
    submission = Submission.objects.create(
        event_type=EventType.BIRTH,
        tracking_id=f"T{number}",
        certificate_number=number,
        raw_request={},
        status=Status.AWAITING_CREDENTIAL,
        transaction_id=transaction_id,
    )
    TransactionId.objects.create(submission=submission, value=transaction_id)
    return submission


def credential_body(
    mosip, transaction_id: str, cert: x509.Certificate, fields: dict | None = None
) -> bytes:
    """MOSIP's CREDENTIAL_ISSUED delivery, signed by the stand-in, encrypted for `cert`."""
    vc = mosip.build_credential(transaction_id, mosip_issuer.BIRTH, fields or {}, "4938201957")
    encrypted = mosip_crypto.encrypt_for_partner(json.dumps(vc).encode(), cert)
    return json.dumps(mosip_issuer.callback_body(transaction_id, encrypted)).encode()


def post_credential(client, body: bytes, secret: str):
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        "/websub/callback", body, content_type="application/json", HTTP_X_HUB_SIGNATURE=signature
    )


def save_mosip_form(admin_client, **changes):
    data = change_form_data(admin_client.get(CHANGE_PAGE))
    data.update(changes)
    response = admin_client.post(CHANGE_PAGE, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return MosipSettings.load()


# --- the MOSIP partner keystore ---------------------------------------------------------


def test_credentials_for_the_old_and_the_new_keystore_are_both_read_during_the_switch(
    admin_client, configured, mosip, client
):
    old_cert = mosip.partner_cert  # the configured (demo) keystore's certificate
    keystore, new_cert = new_keystore("new-partner-password")

    config = save_mosip_form(
        admin_client,
        keystore_upload=_upload(keystore),
        credential_keystore_password="new-partner-password",
    )
    assert config.previous_credential_keystore  # the old one is kept beside the new

    # MOSIP switched certificates part way: one credential for each.
    for number, (transaction_id, cert) in enumerate(
        [("100017000000001", old_cert), ("100017000000002", new_cert)]
    ):
        submission = waiting_for(transaction_id, f"2027B{number}")
        response = post_credential(
            client, credential_body(mosip, transaction_id, cert), DEMO_WEBSUB_SECRET
        )
        assert response.status_code == 200, response.content
        submission.refresh_from_db()
        assert (submission.status, submission.vid) == (Status.CREDENTIAL_RECEIVED, "4938201957")


def test_once_the_previous_keystore_is_removed_a_credential_for_it_waits_for_reprocessing(
    admin_client, configured, mosip, client
):
    keystore, _cert = new_keystore("pw-2027")
    save_mosip_form(
        admin_client, keystore_upload=_upload(keystore), credential_keystore_password="pw-2027"
    )
    config = save_mosip_form(admin_client, forget_previous_keystore="on")
    assert not config.previous_credential_keystore
    assert not config.previous_credential_keystore_password

    submission = waiting_for("100017000000003", "2027B3")
    body = credential_body(mosip, "100017000000003", mosip.partner_cert)
    response = post_credential(client, body, DEMO_WEBSUB_SECRET)

    # Our set-up's fault, not the credential's: the hub is asked to deliver it again.
    assert response.status_code == 503
    assert InboundEvent.objects.get().outcome == InboundOutcome.KEPT_FOR_RETRY
    submission.refresh_from_db()
    assert submission.status == Status.AWAITING_CREDENTIAL


def test_saving_the_form_without_an_upload_keeps_the_keystores_as_they_are(
    admin_client, configured
):
    before = MosipSettings.load()
    config = save_mosip_form(admin_client)
    assert bytes(config.credential_keystore) == bytes(before.credential_keystore)
    assert not config.previous_credential_keystore


# --- the WebSub secret -----------------------------------------------------------------


def test_the_previous_websub_secret_is_accepted_until_the_overlap_ends(
    admin_client, configured, mosip, client, portal_settings
):
    portal_settings.WEBSUB_SECRET_OVERLAP_HOURS = 2
    config = save_mosip_form(admin_client, websub_secret="websub-secret-2027")
    assert config.websub_secret == "websub-secret-2027"
    assert config.previous_websub_secret == DEMO_WEBSUB_SECRET
    assert config.previous_websub_secret_until > timezone.now() + datetime.timedelta(minutes=119)

    old = waiting_for("100017000000004", "2027B4")
    body = credential_body(mosip, "100017000000004", mosip.partner_cert)
    assert post_credential(client, body, DEMO_WEBSUB_SECRET).status_code == 200
    old.refresh_from_db()
    assert old.status == Status.CREDENTIAL_RECEIVED

    new = waiting_for("100017000000005", "2027B5")
    body = credential_body(mosip, "100017000000005", mosip.partner_cert)
    assert post_credential(client, body, "websub-secret-2027").status_code == 200
    new.refresh_from_db()
    assert new.status == Status.CREDENTIAL_RECEIVED

    # Past the overlap the old secret is a forgery like any other.
    MosipSettings.objects.filter(pk=1).update(
        previous_websub_secret_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    from integration import config_cache

    config_cache.forget_all()
    late = waiting_for("100017000000006", "2027B6")
    body = credential_body(mosip, "100017000000006", mosip.partner_cert)
    assert post_credential(client, body, DEMO_WEBSUB_SECRET).status_code == 401
    late.refresh_from_db()
    assert late.status == Status.AWAITING_CREDENTIAL


def test_an_admin_can_end_the_websub_overlap_at_once(admin_client, configured, mosip, client):
    save_mosip_form(admin_client, websub_secret="websub-secret-2027")
    config = save_mosip_form(admin_client, end_websub_secret_overlap="on")
    assert not config.previous_websub_secret and config.previous_websub_secret_until is None

    waiting_for("100017000000007", "2027B7")
    body = credential_body(mosip, "100017000000007", mosip.partner_cert)
    assert post_credential(client, body, DEMO_WEBSUB_SECRET).status_code == 401


def test_the_settings_page_never_shows_the_previous_secrets(admin_client, configured):
    save_mosip_form(admin_client, websub_secret="websub-secret-2027")
    page = admin_client.get(CHANGE_PAGE).content.decode()
    assert DEMO_WEBSUB_SECRET not in page and "websub-secret-2027" not in page
    assert "The previous WebSub secret is accepted until" in page


# --- the metrics token -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "status"),
    [("token-2027", 200), ("token-2026", 200), ("token-2025", 401), ("", 401)],
)
def test_the_current_and_the_previous_metrics_tokens_are_both_accepted(
    client, portal_settings, sent, status
):
    portal_settings.METRICS_TOKEN = "token-2027"
    portal_settings.METRICS_PREVIOUS_TOKEN = "token-2026"
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {sent}")
    assert response.status_code == status


def test_without_a_previous_metrics_token_only_the_current_one_is_accepted(client, portal_settings):
    portal_settings.METRICS_TOKEN = "token-2027"
    portal_settings.METRICS_PREVIOUS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer token-2027").status_code == 200


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("partner.p12", data, content_type="application/x-pkcs12")
