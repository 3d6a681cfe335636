"""MOSIP's workflow-completed events (services/workflow_events.py) are stored as inbound
deliveries of their own kind, beside credentials and OpenCRVS webhooks. Only the field's
choices change: no SQL is run on any database."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integration", "0035_packet_sent_marker"),
    ]

    operations = [
        migrations.AlterField(
            model_name="inboundevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("credential", "MOSIP credential (WebSub)"),
                    ("opencrvs_webhook", "OpenCRVS webhook"),
                    ("mosip_workflow", "MOSIP workflow ended (WebSub)"),
                ],
                max_length=20,
            ),
        ),
    ]
