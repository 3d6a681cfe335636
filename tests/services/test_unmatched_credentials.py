"""`manage.py unmatched_credentials`: what staff need for each credential MOSIP delivered
for a transaction the database does not know (after a restore), read from the stored
delivery and checked as the callback checks it."""

import io

import pytest
from django.core.management import call_command

from demo.stand_ins import DEMO_WEBSUB_SECRET
from integration.models import InboundEvent
from tests.services.test_key_rotation import credential_body, post_credential, waiting_for

pytestmark = pytest.mark.django_db


def listed(*args: str) -> str:
    out = io.StringIO()
    call_command("unmatched_credentials", *args, stdout=out)
    return out.getvalue()


def test_a_credential_for_an_unknown_transaction_is_listed_with_what_opencrvs_needs(
    configured, mosip, client
):
    body = credential_body(
        mosip, "100019000000001", mosip.partner_cert, {"birthCertificateNumber": "2026B901"}
    )
    assert post_credential(client, body, DEMO_WEBSUB_SECRET).status_code == 200
    event = InboundEvent.objects.get()

    masked = listed()
    assert f"#{event.pk}" in masked and "transaction 100019000000001" in masked
    assert "certificate 2026B901" in masked and "VID ••••••57" in masked
    assert "4938201957" not in masked
    assert "1 credential(s) for transactions this database does not know." in masked

    assert "VID 4938201957" in listed("--show-national-id")
    assert "0 credential(s)" in listed("--since", "2999-01-01T00:00:00Z")


def test_once_the_record_is_known_again_it_says_to_reprocess(configured, mosip, client):
    body = credential_body(mosip, "100019000000002", mosip.partner_cert)
    post_credential(client, body, DEMO_WEBSUB_SECRET)
    waiting_for("100019000000002", "2026B902")  # e.g. a later backup held it after all

    assert "now known: reprocess it" in listed()


def test_a_credential_accepted_is_not_listed(configured, mosip, client):
    waiting_for("100019000000003", "2026B903")
    body = credential_body(mosip, "100019000000003", mosip.partner_cert)
    assert post_credential(client, body, DEMO_WEBSUB_SECRET).status_code == 200
    assert "0 credential(s)" in listed()
