"""No packet leaves without an ID schema to check it against: a configuration problem
that is retried and shown, never a silent skip."""

import pytest

from integration.models import MosipSettings, Status, Submission
from tests.fixtures import birth_request

pytestmark = pytest.mark.e2e


def _save_mosip_settings(**values) -> None:
    """As the admin saves: through save(), which tells every process's settings cache."""
    config = MosipSettings.objects.get(pk=1)
    for name, value in values.items():
        setattr(config, name, value)
    config.save()


def test_without_a_schema_in_force_nothing_is_sent_and_the_record_waits(pipeline, admin_client):
    _save_mosip_settings(id_schema_source="custom", id_schema={})

    assert pipeline.register(birth_request("2026B20000001", "B20000001")).status_code == 202

    waiting = pipeline.wait_for("2026B20000001", Status.DELIVERY_RETRY)
    assert waiting.failed_step == "mapping"
    assert "No ID schema is in force" in waiting.last_error
    assert pipeline.mosip.packets == {}
    page = admin_client.get(f"/console/submissions/{waiting.pk}/").content.decode()
    assert "Choose the ID schema in the MOSIP settings" in page
    settings_page = admin_client.get("/admin/integration/mosipsettings/1/change/")
    assert "No ID schema is in force: no packet is sent" in settings_page.content.decode()

    _save_mosip_settings(id_schema_source="mosip-api")

    confirmed = pipeline.wait_for("2026B20000001", Status.CONFIRMED, timeout=30)
    sent = pipeline.mosip.packets[confirmed.transaction_id]
    assert sent["schemaJson"] and Submission.objects.get(pk=waiting.pk).last_error == ""
