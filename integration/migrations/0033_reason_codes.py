"""Failure reasons stored as codes: `reason_code` and `reason_params` beside a record's
`last_error` and a call's `error` (integration/reason_codes.py), so pages show the reason
in the reader's language and a remote system's own words apart. Rows written before keep
an empty code and show their stored text as before. The columns are added with a
constant default: no table rewrite on PostgreSQL."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integration", "0032_fenced_calls"),
    ]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="reason_code",
            field=models.CharField(blank=True, editable=False, max_length=40),
        ),
        migrations.AddField(
            model_name="submission",
            name="reason_params",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        # A call's error too, for the record's timeline.
        migrations.AddField(
            model_name="attempt",
            name="reason_code",
            field=models.CharField(blank=True, editable=False, max_length=40),
        ),
        migrations.AddField(
            model_name="attempt",
            name="reason_params",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
    ]
