"""Validate as MOSIP will (docs/mosip-validation.md): where MOSIP's masterdata serves the
ID schema, the mandatory attributes per process (MOSIP's defaults), the registration
officer put in metaInfo for the CRVS_NEW route, and the MOSIP ID schema call as a step."""

from django.db import migrations, models

import integration.models.settings


class Migration(migrations.Migration):
    dependencies = [
        ("integration", "0025_declaration_values"),
    ]

    operations = [
        migrations.AddField(
            model_name="mosipsettings",
            name="masterdata_url",
            field=models.URLField(
                blank=True,
                help_text="…/v1/masterdata, where MOSIP serves its ID schema (idschema/latest). "
                "Blank: the create-packet URL's host with /v1/masterdata.",
                verbose_name="masterdata URL",
            ),
        ),
        migrations.AddField(
            model_name="mosipsettings",
            name="mandatory_attributes",
            field=models.TextField(
                blank=True,
                default=integration.models.settings.default_mandatory_attributes,
                help_text="Your MOSIP's mosip.kernel.idobjectvalidator.mandatory-attributes."
                "reg-processor.* settings, one process a line (process=fields, the prefix may be "
                "kept). A field the ID schema requires is missing only if its process's line "
                "names it.",
                verbose_name="mandatory attributes per process",
            ),
        ),
        migrations.AddField(
            model_name="mosipsettings",
            name="officer_id",
            field=models.CharField(
                blank=True,
                help_text="A MOSIP user put in each packet's metaInfo as officerId when the "
                "request names no officer or supervisor: MOSIP's CRVS_NEW route fails a "
                "packet without one.",
                max_length=100,
                verbose_name="registration officer id",
            ),
        ),
        migrations.AlterField(
            model_name="mosipsettings",
            name="id_schema_source",
            field=models.CharField(
                choices=[
                    ("mosip-api", "mosip-api's ID schema (shipped with the portal)"),
                    ("custom", "The custom ID schema below"),
                ],
                default="mosip-api",
                help_text="Used while MOSIP's masterdata cannot be asked for its ID schema: "
                "then sent with each packet as schemaJson and each packet is checked against it.",
                max_length=20,
                verbose_name="ID schema in force",
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
                ],
                max_length=30,
                verbose_name="step",
            ),
        ),
    ]
