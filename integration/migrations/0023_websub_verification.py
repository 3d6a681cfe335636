"""Moving from mosip-api without surprises (issue 20, item 11).

- `WebSubSubscription`: the last (un)subscribe request to MOSIP's hub and whether the hub
  then verified the callback, so `subscribe_websub`, /healthz and the console can tell
  "requested" from "subscribed".
- `WorkerHeartbeat` is kept per worker process (node name and pid), not per node name:
  two workers on one host started without `-n` share a name and were counted as one.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integration", "0022_failure_reason_keys"),
    ]

    operations = [
        migrations.CreateModel(
            name="WebSubSubscription",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("hub_url", models.URLField(blank=True, verbose_name="hub URL")),
                ("topic", models.CharField(blank=True, max_length=100, verbose_name="topic")),
                ("callback_url", models.URLField(blank=True, verbose_name="callback URL")),
                (
                    "mode",
                    models.CharField(default="subscribe", max_length=20, verbose_name="mode"),
                ),
                (
                    "requested_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="requested at"),
                ),
                (
                    "request_error",
                    models.CharField(blank=True, max_length=500, verbose_name="request error"),
                ),
                (
                    "verified_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="The hub's last intent check.",
                        null=True,
                        verbose_name="verified at",
                    ),
                ),
                (
                    "lease_seconds",
                    models.PositiveIntegerField(
                        blank=True, null=True, verbose_name="lease (seconds)"
                    ),
                ),
                (
                    "denied_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="denied at"),
                ),
                (
                    "denied_reason",
                    models.CharField(
                        blank=True, max_length=500, verbose_name="reason given by the hub"
                    ),
                ),
            ],
            options={
                "verbose_name": "WebSub subscription",
                "verbose_name_plural": "WebSub subscription",
            },
        ),
        migrations.AlterField(
            model_name="workerheartbeat",
            name="hostname",
            field=models.CharField(max_length=255),
        ),
        migrations.AddConstraint(
            model_name="workerheartbeat",
            constraint=models.UniqueConstraint(
                fields=("hostname", "pid"), name="one_heartbeat_per_process"
            ),
        ),
    ]
