"""Ownership, notes and each call's request (issue 23, items 5 and 6): a record can be
assigned to a staff member (`Submission.assignee`, with a partial index for "assigned to
me", built concurrently on PostgreSQL), a bulk job can assign many (`BulkJob.assignee`,
kind "assign"), the audit log records assignments and notes (new kinds, no schema change),
and each call record keeps the request as sent, secrets redacted (`Attempt.request_excerpt`,
empty for calls made before).

In steps, so the portal goes on serving while it runs (integration/migration_operations.py):
the new columns are nullable or have a constant default, so adding them rewrites no table
and they commit together at once; the index is built after, without blocking writes."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import deletion

from integration.migration_operations import AddIndexOnline, SchemaChangesTogether


class Migration(migrations.Migration):
    atomic = False
    dependencies = [
        ("integration", "0028_upgrade"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        SchemaChangesTogether(
            [
                migrations.AddField(
                    model_name="attempt",
                    name="request_excerpt",
                    field=models.TextField(
                        blank=True, db_default="", default="", verbose_name="request excerpt"
                    ),
                ),
                migrations.AddField(
                    model_name="bulkjob",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        help_text="An assignment job: whom the records go to (none: nobody).",
                        null=True,
                        on_delete=deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AddField(
                    model_name="submission",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="assigned to",
                    ),
                ),
            ],
            done_if_column=("integration_submission", "assignee_id"),
        ),
        migrations.AlterField(
            model_name="bulkjob",
            name="kind",
            field=models.CharField(
                choices=[
                    ("resubmit", "Resubmit to MOSIP"),
                    ("retry_confirmation", "Retry the confirmation"),
                    ("reject", "Reject in OpenCRVS"),
                    ("resolve", "Mark resolved"),
                    ("assign", "Assign"),
                ],
                max_length=30,
            ),
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
                ],
                max_length=30,
            ),
        ),
        AddIndexOnline(
            model_name="submission",
            index=models.Index(
                condition=models.Q(("assignee__isnull", False)),
                fields=["assignee", "created_at", "id"],
                name="submission_assignee_created",
            ),
        ),
    ]
