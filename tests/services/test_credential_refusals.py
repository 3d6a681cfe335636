"""A credential our set-up refused (here: a keystore that is not the one MOSIP encrypts
for) marks its record as needing a person, on the record page, the dashboard, the list
and the metrics, and the Inbound row links the record; reprocessed once the set-up is
fixed, the record moves on and needs nobody."""

import pytest
from django.urls import reverse

from demo.stand_ins import DEMO_WEBSUB_SECRET
from integration.models import InboundEvent, InboundOutcome, MosipSettings, Status
from integration.services.key_rotation import replace_keystore
from tests.console.conftest import client_for, make_user
from tests.services.test_key_rotation import (
    credential_body,
    new_keystore,
    post_credential,
    waiting_for,
)
from tests.support.metrics import METRICS_TOKEN, scrape, value

pytestmark = pytest.mark.django_db


@pytest.fixture
def support_client(db):
    from integration.roles import Role

    return client_for(make_user("sam", Role.SUPPORT))


def test_a_credential_refused_on_our_side_needs_a_person_until_reprocessed(
    configured, client, mosip, support_client, portal_settings
):
    portal_settings.CONSOLE_DASHBOARD_CACHE_SECONDS = 0
    portal_settings.METRICS_TOKEN = METRICS_TOKEN
    record = waiting_for("100017000000020", "2027R1")
    other = waiting_for("100017000000021", "2027R2")  # waits, nothing refused: moving
    keystore, cert = new_keystore("right-pw")  # the partner certificate MOSIP holds
    body = credential_body(mosip, "100017000000020", cert)

    assert post_credential(client, body, DEMO_WEBSUB_SECRET).status_code == 503
    delivery = InboundEvent.objects.get()
    assert delivery.outcome == InboundOutcome.KEPT_FOR_RETRY
    record.refresh_from_db()
    assert record.status == Status.AWAITING_CREDENTIAL  # the flow is left as it is

    # The Inbound row links the record (found by the event's transaction id).
    assert delivery.submission == record
    inbound = support_client.get(reverse("console:inbound")).content.decode()
    assert reverse("console:submission", args=[record.pk]) in inbound

    page = support_client.get(reverse("console:submission", args=[record.pk])).content.decode()
    assert 'data-testid="needs-person"' in page and "Moving on by itself" not in page
    assert f"reprocess delivery #{delivery.pk}" in page
    calm = support_client.get(reverse("console:submission", args=[other.pk])).content.decode()
    assert "needs-person" not in calm and "Moving on by itself" in calm

    dash = support_client.get(reverse("console:dashboard"))
    assert dash.context["dash"].needs_action == 1
    listed = support_client.get(reverse("console:submissions"), {"status": "needs_action"})
    assert [s.pk for s in listed.context["page"].items] == [record.pk]
    samples = scrape(client.get)
    needing = "portal_records_needing_action"
    assert value(samples, needing, status="awaiting_credential", step="credential") == 1

    # The admin puts the right keystore in place; staff reprocess the kept delivery.
    config = MosipSettings.load()
    replace_keystore(config, keystore, "right-pw")
    config.save()
    support_client.post(reverse("console:inbound-reprocess", args=[delivery.pk]))
    record.refresh_from_db()
    assert record.status != Status.AWAITING_CREDENTIAL and record.vid == "4938201957"
    assert support_client.get(reverse("console:dashboard")).context["dash"].needs_action == 0
    samples = scrape(client.get)
    assert value(samples, needing, status="awaiting_credential", step="credential") == 0


def test_a_delivery_stored_without_its_record_is_linked_by_transaction_id(
    configured, support_client
):
    record = waiting_for("100017000000022", "2027R3")
    body = b'{"event": {"data": {"registrationId": "100017000000022", "credential": "x"}}}'
    # As an earlier version stored a refusal: no record on the row.
    InboundEvent.objects.create(kind="credential", body=body, outcome="kept_for_retry")
    InboundEvent.objects.create(kind="credential", body=b"not json", outcome="invalid")
    page = support_client.get(reverse("console:inbound")).content.decode()
    assert page.count(reverse("console:submission", args=[record.pk])) == 1
    assert record.tracking_id in page
