"""MOSIP's own status on every record (issue 22, items 3 and 4): what MOSIP's
registration processor last said of the packet (`Submission.mosip_status`, `mosip_stage`,
`mosip_checked_at`), how often and when the credential was asked for again
(`credential_requests`, `credential_requested_at`), two failure kinds (MOSIP rejected the
packet; the credential never came) and four call steps (status search, transaction
search, identity by registration id, credential request).

The new columns are nullable or have a constant database default, so adding them rewrites
no table; they commit together in one quick transaction (integration/migration_operations.py).
The choices changes touch no column."""

from django.db import migrations, models

from integration.migration_operations import SchemaChangesTogether


class Migration(migrations.Migration):
    atomic = False
    dependencies = [
        ("integration", "0029_ownership_notes"),
    ]

    operations = [
        SchemaChangesTogether(
            [
                migrations.AddField(
                    model_name="submission",
                    name="credential_requested_at",
                    field=models.DateTimeField(
                        blank=True, null=True, verbose_name="credential last re-requested at"
                    ),
                ),
                migrations.AddField(
                    model_name="submission",
                    name="credential_requests",
                    field=models.PositiveIntegerField(
                        db_default=0, default=0, verbose_name="credential re-requests"
                    ),
                ),
                migrations.AddField(
                    model_name="submission",
                    name="mosip_checked_at",
                    field=models.DateTimeField(
                        blank=True, null=True, verbose_name="MOSIP status checked at"
                    ),
                ),
                migrations.AddField(
                    model_name="submission",
                    name="mosip_stage",
                    field=models.CharField(
                        blank=True,
                        db_default="",
                        default="",
                        max_length=200,
                        verbose_name="MOSIP stage",
                    ),
                ),
                migrations.AddField(
                    model_name="submission",
                    name="mosip_status",
                    field=models.CharField(
                        blank=True,
                        db_default="",
                        default="",
                        max_length=40,
                        verbose_name="MOSIP status",
                    ),
                ),
            ],
            done_if_column=("integration_submission", "mosip_status"),
        ),
        migrations.AlterField(
            model_name="attempt",
            name="step",
            field=models.CharField(
                choices=[
                    ("auth", "MOSIP auth"),
                    ("create_packet", "Create packet"),
                    ("start_workflow", "Start workflow"),
                    ("credential", "Credential"),
                    ("mapping", "Map to MOSIP fields"),
                    ("opencrvs_auth", "OpenCRVS auth"),
                    ("lookup", "Look up the event in OpenCRVS"),
                    ("confirm", "Confirm in OpenCRVS"),
                    ("reject", "Reject in OpenCRVS"),
                    ("websub_subscribe", "WebSub subscription"),
                    ("websub_unsubscribe", "WebSub unsubscription"),
                    ("id_schema", "MOSIP ID schema"),
                    ("mosip_status", "MOSIP registration status"),
                    ("mosip_transactions", "MOSIP processing steps"),
                    ("identity", "MOSIP identity by registration id"),
                    ("credential_request", "Ask MOSIP for the credential again"),
                ],
                max_length=30,
                verbose_name="step",
            ),
        ),
        migrations.AlterField(
            model_name="submission",
            name="failure_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("refused", "The remote system said no"),
                    ("mapping", "The record could not be mapped"),
                    ("gave_up", "Retries used up"),
                    ("interrupted", "Interrupted"),
                    ("mosip_rejected", "MOSIP rejected the packet"),
                    ("credential_lost", "The credential never came"),
                ],
                max_length=20,
                verbose_name="failure kind",
            ),
        ),
    ]
