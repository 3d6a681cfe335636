"""Rotation with overlap: the MOSIP settings keep the credential keystore (and its
password) and the WebSub secret that were replaced last, so deliveries made for the old
ones during a switch are still read (docs/runbook/key-rotation.md)."""

from django.db import migrations, models

import integration.fields


class Migration(migrations.Migration):
    dependencies = [
        ("integration", "0023_websub_verification"),
    ]

    operations = [
        migrations.AddField(
            model_name="mosipsettings",
            name="previous_credential_keystore",
            field=integration.fields.EncryptedBinaryField(
                blank=True, editable=False, verbose_name="previous credential keystore"
            ),
        ),
        migrations.AddField(
            model_name="mosipsettings",
            name="previous_credential_keystore_password",
            field=integration.fields.EncryptedTextField(
                blank=True, editable=False, verbose_name="previous keystore password"
            ),
        ),
        migrations.AddField(
            model_name="mosipsettings",
            name="previous_websub_secret",
            field=integration.fields.EncryptedTextField(
                blank=True, editable=False, verbose_name="previous WebSub secret"
            ),
        ),
        migrations.AddField(
            model_name="mosipsettings",
            name="previous_websub_secret_until",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                null=True,
                verbose_name="previous WebSub secret accepted until",
            ),
        ),
    ]
