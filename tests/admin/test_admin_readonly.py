"""The rows the portal writes itself are read in the admin, never added, changed or
deleted, even by a superuser (integration/admin/readonly.py)."""

import pytest

from integration.models import RetentionRun, SettingsChange, VerificationRecord

ROWS = {
    "settingschange": lambda: SettingsChange.objects.create(
        settings_name="MOSIP settings", changed_by_name="ada", fields=["center id"]
    ),
    "retentionrun": lambda: RetentionRun.objects.create(personal_data_days=30, call_record_days=90),
    "verificationrecord": lambda: VerificationRecord.objects.create(
        kind="ida", result="failed", error_code="IDA-1"
    ),
}


@pytest.mark.parametrize("model", ROWS)
def test_a_superuser_reads_the_row_and_cannot_add_change_or_delete_it(db, admin_client, model):
    row = ROWS[model]()
    pk = row.pk
    base = f"/admin/integration/{model}/"

    listing = admin_client.get(base)
    assert listing.status_code == 200
    assert f'href="{base}{pk}/change/"' in listing.content.decode()
    assert f'href="{base}add/"' not in listing.content.decode()

    page = admin_client.get(f"{base}{pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert f'href="{base}{pk}/delete/"' not in page.content.decode()

    assert admin_client.post(f"{base}{pk}/change/", {}).status_code == 403
    assert admin_client.get(f"{base}add/").status_code == 403
    assert admin_client.post(f"{base}{pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.post(
        base, {"action": "delete_selected", "_selected_action": [pk], "post": "yes"}
    ).status_code in (200, 302)
    assert type(row).objects.filter(pk=pk).exists()


def test_a_record_is_read_in_the_admin_and_its_failure_cannot_be_rewritten(db, admin_client):
    from integration.models import Submission
    from integration.services.lifecycle import reason_columns
    from tests.fixtures import birth_request

    record = Submission.objects.create(
        event_type="birth",
        tracking_id="B1",
        certificate_number="C1",
        raw_request=birth_request("C1", "B1"),
        **reason_columns("MOSIP said no"),
    )
    page = admin_client.get(f"/admin/integration/submission/{record.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert 'name="last_error"' not in page.content.decode()

    admin_client.post(f"/admin/integration/submission/{record.pk}/change/", {"last_error": "ok"})
    record.refresh_from_db()
    assert record.last_error == "MOSIP said no"
    assert admin_client.get("/admin/integration/submission/add/").status_code == 403
    assert admin_client.get(f"/admin/integration/submission/{record.pk}/delete/").status_code == 403
