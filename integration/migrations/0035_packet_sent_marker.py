"""The createPacket marker (issue 22): the transaction id a createPacket call went out for,
written by the worker holding the record just before the call, so that the next holder
asks MOSIP's packet manager whether the packet exists instead of sending it again. And
the recorded step of that question."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integration", "0034_reason_codes_inbound_verification"),
    ]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="packet_sent_for",
            field=models.CharField(
                blank=True, default="", max_length=40, verbose_name="createPacket sent for"
            ),
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
                    ("packet_info", "Packet look-up"),
                    ("identity", "MOSIP identity by registration id"),
                    ("credential_request", "Ask MOSIP for the credential again"),
                ],
                max_length=30,
                verbose_name="step",
            ),
        ),
    ]
