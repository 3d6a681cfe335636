"""Reasons as codes on the Inbound page and /verify's staff rows too: `reason_code` and
`reason_params` beside an inbound delivery's `error` and a verification record's
`error_message` (integration/reason_codes.py), as 0033 added them to records and calls.
Rows written before keep an empty code and show their stored English text (nothing is
backfilled: their words were never split from the remote's). The columns are added with a
constant default: no table rewrite on PostgreSQL."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integration", "0033_reason_codes"),
    ]

    operations = [
        migrations.AddField(
            model_name="inboundevent",
            name="reason_code",
            field=models.CharField(blank=True, editable=False, max_length=40),
        ),
        migrations.AddField(
            model_name="inboundevent",
            name="reason_params",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.AddField(
            model_name="verificationrecord",
            name="reason_code",
            field=models.CharField(blank=True, editable=False, max_length=40),
        ),
        migrations.AddField(
            model_name="verificationrecord",
            name="reason_params",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
    ]
