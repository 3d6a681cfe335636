"""Reconciliation with OpenCRVS (issue 22, item 5): each run of the periodic comparison
between OpenCRVS's events and the portal's records is kept (`ReconciliationRun`: its
window, what it counted and one finding per difference), and the audit log gains the
kind "take_in" (a person took in an event the portal never received). A new table and a
choice list: nothing existing is rewritten."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integration", "0030_mosip_status"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReconciliationRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),  # noqa: E501
                (
                    "started_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="started at"
                    ),
                ),  # noqa: E501
                (
                    "finished_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="finished at"),
                ),  # noqa: E501
                (
                    "window_start",
                    models.DateTimeField(blank=True, null=True, verbose_name="window start"),
                ),  # noqa: E501
                (
                    "window_end",
                    models.DateTimeField(blank=True, null=True, verbose_name="window end"),
                ),  # noqa: E501
                ("events_seen", models.PositiveIntegerField(default=0, verbose_name="events seen")),
                ("missing", models.PositiveIntegerField(default=0, verbose_name="never received")),
                (
                    "still_waiting",
                    models.PositiveIntegerField(default=0, verbose_name="confirmed, still waiting"),
                ),  # noqa: E501
                ("taken_in", models.PositiveIntegerField(default=0, verbose_name="taken in")),
                (
                    "listed",
                    models.PositiveIntegerField(default=0, verbose_name="listed for a person"),
                ),  # noqa: E501
                (
                    "confirmed_again",
                    models.PositiveIntegerField(default=0, verbose_name="confirmed again"),
                ),  # noqa: E501
                ("findings", models.JSONField(blank=True, default=list, verbose_name="findings")),
                ("error", models.TextField(blank=True, verbose_name="error")),
            ],
            options={
                "verbose_name": "reconciliation run",
                "verbose_name_plural": "reconciliation runs",
                "ordering": ["-started_at", "-id"],
            },
        ),
        migrations.AlterField(
            model_name="staffaction",
            name="kind",
            field=models.CharField(
                choices=[
                    ("resubmit", "Resubmit to MOSIP"),
                    ("retry_confirmation", "Retry the confirmation"),
                    ("reject", "Reject in OpenCRVS"),
                    ("resolve", "Mark resolved"),
                    ("assign", "Assign"),
                    ("note", "Note"),
                    ("erase", "Erase personal data (retention)"),
                    ("take_in", "Take in from OpenCRVS"),
                ],
                max_length=30,
            ),
        ),
    ]
