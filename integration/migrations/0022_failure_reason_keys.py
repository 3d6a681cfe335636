"""The dashboard groups failure reasons by keys stored with `last_error`; the records that
already carry an error get theirs here (only those rows are written: about 24,000 of the
console benchmark's 1,000,000, in 9 s). In steps, not one transaction, so the submissions
table stays readable and writable meanwhile (integration/migration_operations.py): in one
transaction the new columns' lock was held through the whole fill, which blocked even
reads of submissions (2.4 s at 100,000 records)."""

from django.db import migrations, models

from integration import reason_groups
from integration.migration_operations import AddIndexOnline, SchemaChangesTogether


def store_reason_keys(apps, schema_editor):
    reason_groups.store_reason_keys(apps.get_model("integration", "Submission"))


def upgrade_rows(connection):
    """For `manage.py upgrade_check`: the records whose keys are written, at the rate
    bench/migration_bench.py measured on PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM integration_submission WHERE last_error <> ''")
        return [("failed records given their reason keys, in batches", cursor.fetchone()[0], 5e-4)]


class Migration(migrations.Migration):
    atomic = False
    dependencies = [
        ("integration", "0021_translated_labels"),
    ]

    operations = [
        SchemaChangesTogether(
            [
                migrations.AddField(
                    model_name="submission",
                    name="masked_reason_key",
                    field=models.CharField(blank=True, editable=False, max_length=160),
                ),
                migrations.AddField(
                    model_name="submission",
                    name="reason_key",
                    field=models.CharField(blank=True, editable=False, max_length=160),
                ),
            ],
            done_if_column=("integration_submission", "reason_key"),
        ),
        migrations.RunPython(store_reason_keys, migrations.RunPython.noop, elidable=True),
        AddIndexOnline(
            model_name="submission",
            index=models.Index(
                condition=models.Q(("status__in", ["failed", "token_expired"])),
                fields=["failed_step", "reason_key", "masked_reason_key"],
                include=["id"],
                name="submission_failure_reasons",
            ),
        ),
    ]
