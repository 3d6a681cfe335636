"""Reserved for this round's work; operations are added by the change that needs them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("integration", "0032_fenced_calls"),
    ]

    operations = []
