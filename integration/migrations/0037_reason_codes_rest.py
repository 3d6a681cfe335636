"""The last English sentences staff read become codes too: `message_code` and
`message_params` beside an audit entry's `message` (the bulk job's page), and a code and
its values beside a WebSub subscription's request error and a retention or
reconciliation run's error (integration/reason_codes.py), as 0033 and 0034 added them to
records, calls, deliveries and identity checks. Rows written before keep an empty code
and show their stored English text. Constant defaults: no table rewrite on PostgreSQL."""

from django.db import migrations, models


def code_fields(model_name: str, prefix: str) -> list:
    return [
        migrations.AddField(
            model_name=model_name,
            name=f"{prefix}_code",
            field=models.CharField(blank=True, editable=False, max_length=40),
        ),
        migrations.AddField(
            model_name=model_name,
            name=f"{prefix}_params",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("integration", "0036_workflow_events"),
    ]

    operations = [
        *code_fields("staffaction", "message"),
        *code_fields("websubsubscription", "request_reason"),
        *code_fields("retentionrun", "reason"),
        *code_fields("reconciliationrun", "reason"),
    ]
