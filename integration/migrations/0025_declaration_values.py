"""Values from OpenCRVS's declaration: a record keeps the declaration read from OpenCRVS
for fields the country config's request did not carry (Farajaland sends no address),
and which fields were sent with such values; mapping rows gain the `address` transform
(one part of an OpenCRVS address, as MOSIP's ID schema names the parts)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integration", "0024_key_rotation"),
    ]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="declaration",
            field=models.JSONField(
                blank=True,
                help_text=(
                    "The event's declaration, read from OpenCRVS for fields the request did "
                    "not carry (empty until it was needed)."
                ),
                null=True,
                verbose_name="declaration read from OpenCRVS",
            ),
        ),
        migrations.AddField(
            model_name="submission",
            name="fields_from_declaration",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text=(
                    "Fields the request did not carry, sent with values from the declaration."
                ),
                verbose_name="fields from OpenCRVS's declaration",
            ),
        ),
        migrations.AlterField(
            model_name="fieldmapping",
            name="transform",
            field=models.CharField(
                choices=[
                    ("none", "No change"),
                    ("date", "Reformat a date"),
                    ("join", "Join name parts"),
                    ("wrap", "Wrap as [{language, value}]"),
                    ("value_map", "Map values"),
                    ("constant", "Constant"),
                    ("first_non_empty", "First non-empty path"),
                    ("fhir_identifier", "FHIR identifier by type"),
                    ("fhir_section", "FHIR section"),
                    ("address", "Part of an address"),
                ],
                default="none",
                max_length=30,
                verbose_name="transform",
            ),
        ),
    ]
