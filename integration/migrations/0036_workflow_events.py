"""Reserved while several changes are made at once; its operations are filled in by the change
named in its file name, or this docstring says why it stayed empty."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("integration", "0035_packet_sent_marker"),
    ]

    operations = []
