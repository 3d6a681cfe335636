"""E-Signet settings: the OIDC client id, so that Test connection can check that E-Signet
knows the client (OpenCRVS still sends its own with each request). One nullable-free column
with an empty default: no row is rewritten on PostgreSQL."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integration", "0026_mosip_validation"),
    ]

    operations = [
        migrations.AddField(
            model_name="esignetsettings",
            name="client_id",
            field=models.CharField(
                blank=True,
                help_text=(
                    "The OIDC client id E-Signet registered for OpenCRVS. OpenCRVS sends it "
                    "with each request; here it lets Test connection check that E-Signet "
                    "knows it."
                ),
                max_length=200,
                verbose_name="client id",
            ),
        ),
    ]
